"""Fixtures for the archive tests."""

from __future__ import annotations

from typing import Any

import pytest

from core.home import Home
from core.store import Store
from tests.core.archive.helpers import fill


@pytest.fixture
def full(store: Store, mnemo_home: Home) -> tuple[Store, dict[str, Any]]:
    return store, fill(store, mnemo_home)

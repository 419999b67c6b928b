"""GUI test fixtures: Qt offscreen, and an unlocked app context on a real encrypted store."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from app.gui.context import AppContext
from core.home import Home
from core.profile import init_store
from core.settings import Settings
from models.embedders import HashingEmbedder
from tests.conftest import TEST_SCRYPT_N

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def ctx(qapp: object, mnemo_home: Home) -> Iterator[AppContext]:
    """An unlocked profile (passphrase storage, hashing embedder, no model) as the app builds it."""
    settings = Settings()
    settings.capture.enabled = False
    store = init_store(
        mnemo_home,
        settings,
        HashingEmbedder(),
        lambda: PASSPHRASE,
        None,
        storage="passphrase",
        scrypt_n=TEST_SCRYPT_N,
    )
    context = AppContext(mnemo_home, settings, store)
    yield context
    context.close()

"""GUI test fixtures: Qt offscreen, and an unlocked app context on a real encrypted store."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from app.gui.context import AppContext  # noqa: E402
from core.home import Home  # noqa: E402
from core.profile import init_store  # noqa: E402
from core.settings import Settings  # noqa: E402
from models.embedders import HashingEmbedder  # noqa: E402
from tests.conftest import TEST_SCRYPT_N  # noqa: E402

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

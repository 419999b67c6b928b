"""Shared fixtures: every test runs in its own temporary Mnemo home with no OS keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.home import Home
from core.store import Store
from models.embedders import HashingEmbedder

TEST_SCRYPT_N = 2**14  # the real default (2**17) costs 0.4 s per unlock; the format is the same


@pytest.fixture(autouse=True)
def mnemo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    """A fresh MNEMO_HOME per test; the keyring is the 'fail' backend unless a test sets one."""
    root = tmp_path / "home"
    monkeypatch.setenv("MNEMO_HOME", str(root))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("MNEMO_PASSPHRASE", raising=False)
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    return Home.resolve(root)


@pytest.fixture
def key() -> bytes:
    return os.urandom(32)


@pytest.fixture
def store(tmp_path: Path, key: bytes) -> Iterator[Store]:
    """A real encrypted store in a temporary directory."""
    s = Store.open(tmp_path / "store.db", key, HashingEmbedder(), create=True, cache_mb=32)
    yield s
    s.close()

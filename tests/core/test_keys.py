"""The data key: OS keyring or passphrase-wrapped; failures are clear and touch nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core.errors import (
    DiskFullError,
    InvalidInputError,
    KeyMissingError,
    KeyringUnavailableError,
    PassphraseRequiredError,
    StoreExistsError,
    StoreMissingError,
    StoreOpenError,
    WrongPassphraseError,
)
from core.home import Home
from core.keys import (
    KEYRING_SERVICE,
    change_passphrase,
    passphrase_from_env,
    read_key_file,
    system_keyring,
)
from core.memory import Memory
from core.profile import init_store, open_store
from core.settings import Settings
from core.store.connection import connect
from models.embedders import HashingEmbedder
from tests.conftest import TEST_SCRYPT_N


class MemoryKeyring:
    """An in-process keyring backend standing in for the OS one (a fake inside a unit test)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password


def fingerprint(home: Home) -> dict[str, str]:
    """Hashes of every file in the profile: what 'byte-identical' is checked against."""
    return {
        str(p.relative_to(home.data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.data_dir.rglob("*"))
        if p.is_file()
    }


def make(home: Home, secret: str = "correct horse", keyring: MemoryKeyring | None = None) -> None:
    store = init_store(
        home, Settings(), HashingEmbedder(), lambda: secret, keyring, scrypt_n=TEST_SCRYPT_N
    )
    store.add_memory(Memory(type="core", text="My name is Sam"))
    store.close()


def reopen(home: Home, secret: str | None, keyring: MemoryKeyring | None = None) -> list[str]:
    with open_store(home, Settings(), HashingEmbedder(), lambda: secret, keyring) as store:
        return [m.text for m in store.list_memories()]


def test_passphrase_storage_round_trip(mnemo_home: Home) -> None:
    make(mnemo_home)
    assert read_key_file(mnemo_home).storage == "passphrase"
    assert reopen(mnemo_home, "correct horse") == ["My name is Sam"]
    raw = mnemo_home.key_path.read_text()
    assert "correct horse" not in raw and json.loads(raw)["scrypt_n"] == TEST_SCRYPT_N
    assert mnemo_home.key_path.stat().st_mode & 0o077 == 0


def test_keyring_storage_round_trip(mnemo_home: Home) -> None:
    ring = MemoryKeyring()
    make(mnemo_home, keyring=ring)
    record = read_key_file(mnemo_home)
    assert record.storage == "keyring" and record.wrapped_key is None
    assert (KEYRING_SERVICE, record.keyring_username) in ring.entries
    assert reopen(mnemo_home, None, ring) == ["My name is Sam"]


def test_wrong_passphrase_is_clear_and_leaves_the_store_byte_identical(mnemo_home: Home) -> None:
    make(mnemo_home)
    before = fingerprint(mnemo_home)
    with pytest.raises(WrongPassphraseError, match="wrong passphrase"):
        reopen(mnemo_home, "battery staple")
    assert fingerprint(mnemo_home) == before
    assert reopen(mnemo_home, "correct horse") == ["My name is Sam"]


def test_missing_keyring_entry_is_clear_and_touches_nothing(mnemo_home: Home) -> None:
    ring = MemoryKeyring()
    make(mnemo_home, keyring=ring)
    ring.entries.clear()
    before = fingerprint(mnemo_home)
    with pytest.raises(KeyMissingError, match="missing from the OS keyring"):
        reopen(mnemo_home, None, ring)
    with pytest.raises(KeyringUnavailableError, match="no usable keyring"):
        reopen(mnemo_home, None, None)
    assert fingerprint(mnemo_home) == before


def test_missing_key_file_is_clear_and_touches_nothing(mnemo_home: Home) -> None:
    make(mnemo_home)
    mnemo_home.key_path.unlink()
    before = fingerprint(mnemo_home)
    with pytest.raises(KeyMissingError, match=r"key file .* is missing"):
        reopen(mnemo_home, "correct horse")
    # ... and init refuses to create a fresh key over the orphaned database.
    with pytest.raises(StoreExistsError):
        make(mnemo_home)
    assert fingerprint(mnemo_home) == before


def test_damaged_key_file_is_clear(mnemo_home: Home) -> None:
    make(mnemo_home)
    mnemo_home.key_path.write_text("{not json")
    with pytest.raises(KeyMissingError, match="damaged"):
        reopen(mnemo_home, "correct horse")


def test_no_store_yet(mnemo_home: Home) -> None:
    with pytest.raises(StoreMissingError, match="mnemo init"):
        reopen(mnemo_home, "x")


def test_passphrase_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MNEMO_PASSPHRASE", "from env")
    assert passphrase_from_env(lambda: "prompted")() == "from env"
    monkeypatch.delenv("MNEMO_PASSPHRASE")
    assert passphrase_from_env(lambda: "prompted")() == "prompted"
    with pytest.raises(PassphraseRequiredError, match="MNEMO_PASSPHRASE"):
        passphrase_from_env(None)()


def test_fail_backend_counts_as_no_keyring() -> None:
    assert system_keyring() is None


def test_failed_init_leaves_nothing_behind(
    mnemo_home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PassphraseRequiredError):
        init_store(mnemo_home, Settings(), HashingEmbedder(), lambda: "", None)
    assert not mnemo_home.key_path.exists() and not mnemo_home.db_path.exists()

    def disk_full(*args: object, **kwargs: object) -> None:
        mnemo_home.db_path.write_bytes(b"partial")  # what a full disk leaves behind
        raise DiskFullError("the disk is full: nothing from the last step was saved")

    monkeypatch.setattr("core.profile.Store.open", disk_full)
    with pytest.raises(DiskFullError):
        init_store(mnemo_home, Settings(), HashingEmbedder(), lambda: "pw", None, scrypt_n=2**14)
    assert not mnemo_home.key_path.exists() and not mnemo_home.db_path.exists()


def test_unopenable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "missing-dir").write_text("a file where a folder should be")
    with pytest.raises(StoreOpenError, match="cannot open the database"):
        connect(tmp_path / "missing-dir" / "x.db", None)


def test_change_passphrase_rewraps_the_same_key_and_only_touches_the_key_file(
    mnemo_home: Home,
) -> None:
    make(mnemo_home)
    before = fingerprint(mnemo_home)
    store_id = read_key_file(mnemo_home).store_id
    change_passphrase(mnemo_home, "correct horse", "battery staple", scrypt_n=TEST_SCRYPT_N)
    after = fingerprint(mnemo_home)
    assert {name for name in before if before[name] != after.get(name)} == {"key.json"}
    assert read_key_file(mnemo_home).store_id == store_id
    assert "battery staple" not in mnemo_home.key_path.read_text()
    assert mnemo_home.key_path.stat().st_mode & 0o077 == 0
    assert reopen(mnemo_home, "battery staple") == ["My name is Sam"]
    with pytest.raises(WrongPassphraseError):
        reopen(mnemo_home, "correct horse")


def test_change_passphrase_with_the_wrong_old_one_changes_nothing(mnemo_home: Home) -> None:
    make(mnemo_home)
    before = fingerprint(mnemo_home)
    with pytest.raises(WrongPassphraseError, match="wrong passphrase"):
        change_passphrase(mnemo_home, "not it", "battery staple", scrypt_n=TEST_SCRYPT_N)
    with pytest.raises(PassphraseRequiredError, match="cannot be empty"):
        change_passphrase(mnemo_home, "correct horse", "", scrypt_n=TEST_SCRYPT_N)
    assert fingerprint(mnemo_home) == before
    assert reopen(mnemo_home, "correct horse") == ["My name is Sam"]


def test_change_passphrase_refuses_a_keyring_stored_key_and_says_why(mnemo_home: Home) -> None:
    ring = MemoryKeyring()
    make(mnemo_home, keyring=ring)
    before = fingerprint(mnemo_home)
    with pytest.raises(InvalidInputError, match="kept in the OS keyring"):
        change_passphrase(mnemo_home, "x", "y", scrypt_n=TEST_SCRYPT_N)
    assert fingerprint(mnemo_home) == before
    assert reopen(mnemo_home, None, ring) == ["My name is Sam"]

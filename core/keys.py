"""The data key: a random 256-bit key that encrypts the database, and where it is kept.

The key itself is random and never derived from anything the user types. It is kept either in the
OS keyring (through `keyring`) or, where no usable keyring backend exists, in `key.json` wrapped by
AES-GCM under a key derived from a passphrase with scrypt. `MNEMO_PASSPHRASE` supplies the
passphrase non-interactively. `key.json` always exists and records the store id and where the key
lives, so a missing keyring entry is reported as such instead of silently creating a new key.

Loading never touches the database: a wrong passphrase or a missing key is detected here, before
the database file is opened, so such a failure cannot modify it. Changing the passphrase re-wraps
the same data key, so the database is not re-encrypted and nothing but key.json changes.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from core.errors import (
    InvalidInputError,
    KeyMissingError,
    KeyringUnavailableError,
    PassphraseRequiredError,
    StoreExistsError,
    StoreMissingError,
    WrongPassphraseError,
)
from core.files import write_atomic
from core.home import Home
from core.ports import Keyring

KEY_BYTES = 32
KEYRING_SERVICE = "mnemo"
KEY_FILE_VERSION = 1
DEFAULT_SCRYPT_N = 2**17  # ~0.4 s and 128 MiB on a 2-core machine: OWASP's scrypt floor
_AAD = b"mnemo data key v1"

PassphraseProvider = Callable[[], str | None]


@dataclass
class KeyFile:
    """Contents of key.json: where the data key lives and, for passphrase storage, the wrapped key."""

    version: int
    store_id: str
    storage: str  # "keyring" | "passphrase"
    scrypt_n: int | None = None
    scrypt_r: int | None = None
    scrypt_p: int | None = None
    salt: str | None = None
    nonce: str | None = None
    wrapped_key: str | None = None

    @property
    def keyring_username(self) -> str:
        return f"store-{self.store_id}"


def system_keyring() -> Keyring | None:
    """The OS keyring backend if a usable one exists, else None."""
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    try:
        backend.get_password(KEYRING_SERVICE, "probe")
    except Exception:  # a backend that exists but cannot answer (no D-Bus session, locked)
        return None
    return backend


def passphrase_from_env(prompt: PassphraseProvider | None = None) -> PassphraseProvider:
    """A provider that reads MNEMO_PASSPHRASE, else asks `prompt`, else fails clearly."""

    def provide() -> str:
        value = os.environ.get("MNEMO_PASSPHRASE")
        if value is None and prompt is not None:
            value = prompt()
        if not value:
            raise PassphraseRequiredError(
                "a passphrase is needed to unlock the store: set MNEMO_PASSPHRASE or run in a terminal"
            )
        return value

    return provide


def create_key(
    home: Home,
    storage: str,
    passphrase: PassphraseProvider,
    keyring: Keyring | None,
    scrypt_n: int = DEFAULT_SCRYPT_N,
) -> bytes:
    """Make a new random data key for a new store and keep it; refuses if a store already exists."""
    if home.key_path.exists() or home.db_path.exists():
        raise StoreExistsError(f"a Mnemo store already exists in {home.data_dir}")
    if storage == "auto":
        storage = "keyring" if keyring is not None else "passphrase"
    key = secrets.token_bytes(KEY_BYTES)
    store_id = secrets.token_hex(8)
    if storage == "keyring":
        if keyring is None:
            raise KeyringUnavailableError(
                "no usable OS keyring was found; use passphrase storage instead"
            )
        record = KeyFile(KEY_FILE_VERSION, store_id, "keyring")
        try:
            keyring.set_password(KEYRING_SERVICE, record.keyring_username, key.hex())
        except Exception as exc:  # keyring.errors.PasswordSetError, a locked collection...
            raise KeyringUnavailableError(
                f"the OS keyring refused the key ({exc}); use passphrase storage instead"
            ) from None
    elif storage == "passphrase":
        secret = passphrase()
        if not secret:
            raise PassphraseRequiredError("a passphrase is needed to protect the new store")
        record = _wrap(key, secret, store_id, scrypt_n)
    else:
        raise ValueError(f"unknown key storage {storage!r}")
    home.ensure()
    _write_key_file(home.key_path, record)
    return key


def load_key(home: Home, passphrase: PassphraseProvider, keyring: Keyring | None) -> bytes:
    """Return the data key of the store in `home`, or raise a clear, expected error."""
    record = read_key_file(home)
    if record.storage == "keyring":
        if keyring is None:
            raise KeyringUnavailableError(
                "this store's key is in the OS keyring, but no usable keyring is available now"
            )
        try:
            stored = keyring.get_password(KEYRING_SERVICE, record.keyring_username)
        except Exception as exc:  # keyring.errors.KeyringError and backend-specific failures
            raise KeyringUnavailableError(f"the OS keyring did not answer: {exc}") from None
        if stored is None:
            raise KeyMissingError(
                f"the data key for this store is missing from the OS keyring "
                f"(service '{KEYRING_SERVICE}', entry '{record.keyring_username}')"
            )
        try:
            key = bytes.fromhex(stored)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise KeyMissingError("the keyring entry for this store does not hold a valid key")
        return key
    secret = passphrase()
    if not secret:
        raise PassphraseRequiredError("a passphrase is needed to unlock the store")
    return _unwrap(record, secret)


def read_key_file(home: Home) -> KeyFile:
    """Parse key.json, distinguishing 'no store' from 'store without its key'."""
    path = home.key_path
    if not path.exists():
        if home.db_path.exists():
            raise KeyMissingError(f"the key file {path} is missing; the store cannot be unlocked")
        raise StoreMissingError(f"no Mnemo store in {home.data_dir}: run 'mnemo init' first")
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        record = KeyFile(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyMissingError(f"the key file {path} is damaged: {exc}") from exc
    if record.version > KEY_FILE_VERSION:
        raise KeyMissingError(f"the key file {path} was written by a newer Mnemo")
    return record


def _kek(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(secret.encode("utf-8"))


def _wrap(key: bytes, secret: str, store_id: str, n: int) -> KeyFile:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    wrapped = AESGCM(_kek(secret, salt, n, 8, 1)).encrypt(nonce, key, _AAD + store_id.encode())
    return KeyFile(
        KEY_FILE_VERSION,
        store_id,
        "passphrase",
        scrypt_n=n,
        scrypt_r=8,
        scrypt_p=1,
        salt=_b64(salt),
        nonce=_b64(nonce),
        wrapped_key=_b64(wrapped),
    )


def _unwrap(record: KeyFile, secret: str) -> bytes:
    if not (record.salt and record.nonce and record.wrapped_key and record.scrypt_n):
        raise KeyMissingError("the key file does not contain a wrapped key")
    kek = _kek(
        secret, _unb64(record.salt), record.scrypt_n, record.scrypt_r or 8, record.scrypt_p or 1
    )
    try:
        return AESGCM(kek).decrypt(
            _unb64(record.nonce), _unb64(record.wrapped_key), _AAD + record.store_id.encode()
        )
    except InvalidTag:
        raise WrongPassphraseError("wrong passphrase: the store was not opened") from None


def _write_key_file(path: Path, record: KeyFile) -> None:
    write_atomic(path, json.dumps(asdict(record), indent=2), mode=0o600)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def change_passphrase(home: Home, old: str, new: str, scrypt_n: int = DEFAULT_SCRYPT_N) -> None:
    """Re-wrap the same data key under `new`; key.json is replaced atomically or not at all.

    Only the wrapping changes: the data key, and so the database, stay exactly as they are. A
    store whose key is in the OS keyring has no passphrase to change (the keyring's own login
    protects it), so this refuses it with a message saying so instead of moving the key.
    """
    record = read_key_file(home)
    if record.storage != "passphrase":
        raise InvalidInputError(
            "this store's key is kept in the OS keyring, which your login protects: there is no "
            "Mnemo passphrase to change"
        )
    if not new:
        raise PassphraseRequiredError("the new passphrase cannot be empty")
    key = _unwrap(record, old)  # WrongPassphraseError before anything is written
    _write_key_file(home.key_path, _wrap(key, new, record.store_id, scrypt_n))

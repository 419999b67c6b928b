"""Creating and unlocking a profile: key + encrypted store, the way both the CLI and GUI do it.

Unlocking loads the key first (keyring or passphrase) and only then opens the database, so every
key failure happens before the database file is touched. Creating a profile writes the key and the
database together and removes both if either fails, so a failed `init` leaves nothing behind.
"""

from __future__ import annotations

from core.errors import StoreExistsError, StoreMissingError
from core.home import Home
from core.keys import DEFAULT_SCRYPT_N, PassphraseProvider, create_key, load_key
from core.ports import Embedder, Keyring
from core.settings import Settings
from core.store import Store


def init_store(
    home: Home,
    settings: Settings,
    embedder: Embedder,
    passphrase: PassphraseProvider,
    keyring: Keyring | None,
    storage: str | None = None,
    scrypt_n: int = DEFAULT_SCRYPT_N,
) -> Store:
    """Create a new profile in `home`: a random data key and an empty encrypted store."""
    if home.db_path.exists() or home.key_path.exists():
        raise StoreExistsError(f"a Mnemo store already exists in {home.data_dir}")
    home.ensure()
    key = create_key(home, storage or settings.keys.storage, passphrase, keyring, scrypt_n)
    try:
        store = Store.open(
            home.db_path, key, embedder, create=True, cache_mb=settings.store.cache_mb
        )
    except BaseException:
        for leftover in (home.db_path, home.key_path):
            leftover.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            home.db_path.with_name(home.db_path.name + suffix).unlink(missing_ok=True)
        raise
    if not home.settings_path.exists():
        settings.save(home.settings_path)
    return store


def open_store(
    home: Home,
    settings: Settings,
    embedder: Embedder,
    passphrase: PassphraseProvider,
    keyring: Keyring | None,
) -> Store:
    """Unlock and open the existing profile in `home`."""
    key = load_key(home, passphrase, keyring)
    if not home.db_path.exists():
        raise StoreMissingError(
            f"the database {home.db_path} is missing although its key file is there: restore "
            f"it from a backup, or remove {home.key_path.name} to start a new, empty store"
        )
    return Store.open(home.db_path, key, embedder, cache_mb=settings.store.cache_mb)

"""Opening the encrypted database: SQLCipher with sqlite-vec loaded into the same connection.

The key is applied as a raw 256-bit key (no KDF inside SQLCipher: the key is already random). The
key is checked by reading the schema before any pragma that could write (journal mode), so a wrong
key never modifies the file. `key=None` opens the same schema as plain SQLite; only the benchmark
uses it, to measure what encryption costs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3
import sqlite_vec

from core.errors import DatabaseCorruptError, DiskFullError, StoreLockedError, StoreOpenError

Connection = Any  # sqlcipher3.Connection: the module ships no type information
DatabaseError: type[Exception] = sqlcipher3.DatabaseError


def connect(path: Path, key: bytes | None, cache_mb: int = 256) -> Connection:
    """Open (or create) the database at `path` with `key`; raise a clear error if the key is wrong."""
    try:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlcipher3.OperationalError as exc:
        raise StoreOpenError(f"cannot open the database {path}: {exc}") from None
    try:
        if key is not None:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            raise DatabaseCorruptError(
                f"the database {path} cannot be read with this store's key "
                "(it is damaged, or not this store's database)"
            ) from exc
        conn.enable_load_extension(True)
        sqlite_vec.load(conn)
        conn.enable_load_extension(False)
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = {-int(cache_mb) * 1024}")
    except BaseException:
        conn.close()
        raise
    return conn


def translate(exc: Exception) -> Exception:
    """Map SQLite's low-level errors to Mnemo's expected ones where the user can act on them."""
    text = str(exc).lower()
    if "database or disk is full" in text or ("disk i/o error" in text and _disk_full(exc)):
        return DiskFullError("the disk is full: nothing from the last step was saved")
    if "database is locked" in text or "database is busy" in text:
        return StoreLockedError("another Mnemo process is writing to this store; try again shortly")
    return exc


def _disk_full(exc: Exception) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code == getattr(sqlite3, "SQLITE_FULL", 13)


_WRITES = {
    getattr(sqlcipher3, name)
    for name in dir(sqlcipher3)
    if name.startswith(("SQLITE_CREATE_", "SQLITE_DROP_"))
    or name
    in (
        "SQLITE_INSERT",
        "SQLITE_UPDATE",
        "SQLITE_DELETE",
        "SQLITE_ALTER_TABLE",
        "SQLITE_REINDEX",
        "SQLITE_ANALYZE",
        "SQLITE_ATTACH",
        "SQLITE_DETACH",
        "SQLITE_TRANSACTION",
        "SQLITE_SAVEPOINT",
    )
}


@contextmanager
def read_only(conn: Connection) -> Iterator[None]:
    """Refuse every statement that could change the database while the block runs (a dry run)."""

    def authorize(action: int, *_: object) -> int:
        return int(sqlcipher3.SQLITE_DENY) if action in _WRITES else int(sqlcipher3.SQLITE_OK)

    conn.set_authorizer(authorize)
    try:
        yield
    finally:
        conn.set_authorizer(None)

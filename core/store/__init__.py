"""The encrypted store: SQLCipher + FTS5 + sqlite-vec in one database."""

from core.store.store import MemoryFilter, Store, StoredMemory

__all__ = ["MemoryFilter", "Store", "StoredMemory"]

"""Vector tables: one sqlite-vec `vec0` table per embedder, keyed by the memory's rowid.

Each embedder (name, dimension, config hash) is registered in `embedders` and gets its own table
`vec_<key>`, so vectors of two embedders can never be compared with each other. Exactly one embedder
is active. Besides the vector, each row carries the memory's filterable metadata (type, state,
event time, source, app) as vec0 metadata columns, so filtered KNN happens inside the index instead
of over-fetching and filtering afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum

from core.memory import Status, Tier
from core.ports import EmbedderIdentity
from core.store.connection import Connection


class VecState(IntEnum):
    """Visibility of a memory version for vector search."""

    LIVE = 0  # current, active, hot
    COLD = 1  # current, active, faded to the cold tier
    SUPERSEDED = 2  # an older version
    HIDDEN = 3  # quarantined or deleted: never returned by search


def vec_state(status: str, tier: str, superseded: bool) -> VecState:
    """The vector-search visibility implied by a memory's status, tier and version."""
    if status != Status.ACTIVE:
        return VecState.HIDDEN
    if superseded:
        return VecState.SUPERSEDED
    return VecState.COLD if tier == Tier.COLD else VecState.LIVE


def table_name(identity: EmbedderIdentity) -> str:
    return f"vec_{identity.key}"


def active_embedder(conn: Connection) -> EmbedderIdentity | None:
    row = conn.execute("SELECT name, dim, config_hash FROM embedders WHERE active = 1").fetchone()
    return EmbedderIdentity(row[0], int(row[1]), row[2]) if row else None


def register(conn: Connection, identity: EmbedderIdentity, activate: bool) -> None:
    """Create the embedder's vec0 table and registry row (inside the caller's transaction)."""
    if not 1 <= identity.dim <= 8192:
        raise ValueError(f"embedder dimension {identity.dim} is out of range")
    conn.execute(
        f"""
        CREATE VIRTUAL TABLE IF NOT EXISTS {table_name(identity)} USING vec0 (
            embedding float[{int(identity.dim)}] distance_metric=cosine,
            mtype text, state integer, t float, source text, app text
        )
        """
    )
    conn.execute(
        "INSERT OR IGNORE INTO embedders (key, name, dim, config_hash, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            identity.key,
            identity.name,
            identity.dim,
            identity.config_hash,
            datetime.now(UTC).isoformat(),
        ),
    )
    if activate:
        conn.execute("UPDATE embedders SET active = 0 WHERE active = 1")
        conn.execute("UPDATE embedders SET active = 1 WHERE key = ?", (identity.key,))


def drop(conn: Connection, identity: EmbedderIdentity) -> None:
    """Remove an inactive embedder's table and registry row."""
    conn.execute(f"DROP TABLE IF EXISTS {table_name(identity)}")
    conn.execute("DELETE FROM embedders WHERE key = ? AND active = 0", (identity.key,))

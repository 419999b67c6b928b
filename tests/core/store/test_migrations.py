"""The store migrates itself: from blank, from every frozen older schema; newer is refused."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from core.errors import DatabaseTooNewError
from core.memory import MemoryType
from core.retrieval import Retriever
from core.store import MemoryFilter, Store
from core.store.connection import connect
from core.store.migrations import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from models.embedders import HashingEmbedder

FROZEN = Path(__file__).parent / "frozen"
FROZEN_VERSIONS = sorted(int(p.stem[1:]) for p in FROZEN.glob("v*.sql"))


def schema_of(conn: object) -> set[tuple[str, str]]:
    rows = conn.execute(  # type: ignore[attr-defined]
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'vec_%'"
    ).fetchall()
    return {(name, " ".join(sql.split())) for name, sql in rows}


def test_blank_database_migrates_to_latest(tmp_path: Path, key: bytes) -> None:
    store = Store.open(tmp_path / "m.db", key, HashingEmbedder(), create=True)
    assert schema_version(store.conn) == SCHEMA_VERSION
    names = [r[0] for r in store.conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]
    store.close()


def test_every_released_version_is_frozen() -> None:
    assert list(range(1, SCHEMA_VERSION + 1)) == FROZEN_VERSIONS


@pytest.mark.parametrize("version", FROZEN_VERSIONS)
def test_frozen_schema_matches_its_migration_steps(tmp_path: Path, version: int) -> None:
    """An edited old migration would change the schema that old databases have: refuse that."""
    frozen = connect(tmp_path / "frozen.db", None)
    frozen.executescript((FROZEN / f"v{version}.sql").read_text())
    fresh = connect(tmp_path / "fresh.db", None)
    migrate(fresh, upto=version)
    assert schema_of(frozen) == schema_of(fresh)


@pytest.mark.parametrize("version", FROZEN_VERSIONS)
def test_frozen_database_migrates_with_data_intact(tmp_path: Path, version: int) -> None:
    key = os.urandom(32)
    path = tmp_path / f"v{version}.db"
    conn = connect(path, key)
    conn.executescript((FROZEN / f"v{version}.sql").read_text())
    assert schema_version(conn) == version
    conn.close()

    store = Store.open(path, key, HashingEmbedder())
    assert schema_version(store.conn) == SCHEMA_VERSION
    assert store.observation_by_external("chat", "frozen-1") is not None
    if version >= 2:
        current = store.get_memory("0190f000-0000-7000-9000-000000000002")
        assert current.type is MemoryType.CORE and current.version == 2
        chain = store.versions(current.id)
        assert [m.text for m in chain] == [
            "My dentist is Dr. Lee.",
            "I switched to Dr. Park as my dentist.",
        ]
        # Both the full-text index and the vectors were built for rows that predate them.
        hits = Retriever(store).search("dentist Park", k=5)
        assert hits[0].memory.id == current.id
        assert "bm25" in hits[0].breakdown and "vector" in hits[0].breakdown
        old = Retriever(store).search("Lee", k=5, filt=MemoryFilter(include_superseded=True))
        assert any(h.memory.text == "My dentist is Dr. Lee." for h in old)
    store.close()


def test_database_newer_than_code_is_refused_and_untouched(tmp_path: Path, key: bytes) -> None:
    path = tmp_path / "new.db"
    Store.open(path, key, HashingEmbedder(), create=True).close()
    conn = connect(path, key)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(DatabaseTooNewError, match="newer Mnemo"):
        Store.open(path, key, HashingEmbedder())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_failed_step_rolls_back_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = connect(tmp_path / "f.db", None)
    migrate(conn, upto=1)

    def broken(c: object) -> None:
        c.execute("CREATE TABLE half_done (x)")  # type: ignore[attr-defined]
        raise RuntimeError("step failed")

    monkeypatch.setattr("core.store.migrations.MIGRATIONS", [MIGRATIONS[0], ("m002_x", broken)])
    monkeypatch.setattr("core.store.migrations.SCHEMA_VERSION", 2)
    with pytest.raises(RuntimeError):
        migrate(conn)
    assert schema_version(conn) == 1
    assert (
        conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    )

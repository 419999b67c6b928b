"""Nothing stored is readable on disk: not in the database, its WAL, or any temporary file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.memory import Memory, Observation
from core.retrieval import Retriever
from core.store import Store
from models.embedders import HashingEmbedder

CANARIES = ["Xylophone-Canary-7731", "quetzalcanary", "4111-1111-1111-1111", "Zanzibarpassword"]


def all_files(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_canaries_never_reach_the_disk_in_plaintext(
    tmp_path: Path, key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, temp = tmp_path / "data", tmp_path / "tmp"
    data.mkdir()
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setenv("SQLITE_TMPDIR", str(temp))
    store = Store.open(data / "mnemo.db", key, HashingEmbedder(), create=True, cache_mb=1)
    memories = []
    for i in range(400):
        canary = CANARIES[i % len(CANARIES)]
        obs = Observation(
            source="chat",
            time=datetime(2026, 3, 1, tzinfo=UTC),
            text=f"line {i} mentions {canary}",
            trust="user",
            external_id=f"c{i}",
            speaker="user",
        )
        store.add_observation(obs)
        memories.append(
            Memory(
                type="semantic",
                text=f"fact {i}: {canary} " * 5,
                sources=[obs.id],
                fields={"entities": [canary]},
            )
        )
    store.add_memories(memories)
    # Queries that sort, group and scan (temp b-trees) while the WAL is still un-checkpointed.
    for canary in CANARIES:
        assert Retriever(store).search(canary, k=50)
    store.conn.execute("SELECT text FROM memories ORDER BY text DESC").fetchall()
    files = all_files(data, temp)
    assert any(p.name.endswith("-wal") and p.stat().st_size > 0 for p in files)
    for path in files:
        raw = path.read_bytes()
        for canary in CANARIES:
            assert canary.encode() not in raw, f"{canary} in {path.name}"
            assert canary.lower().encode() not in raw.lower(), f"{canary} in {path.name}"
    assert not (data / "mnemo.db").read_bytes().startswith(b"SQLite format 3")
    store.close()
    for path in all_files(data, temp):
        for canary in CANARIES:
            assert canary.encode() not in path.read_bytes()

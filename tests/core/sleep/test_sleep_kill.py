"""A sleep run killed with SIGKILL at random moments always resumes to the state an uninterrupted
run reaches, and the database stays sound."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.memory import Memory, MemoryType
from core.store import Store
from models.embedders import HashingEmbedder
from tests.core.sleep.seed import NOW, dump, seed

ROOT = Path(__file__).resolve().parents[3]
TRIALS = 12
WORDS = [
    "river",
    "garden",
    "invoice",
    "train",
    "museum",
    "guitar",
    "report",
    "dentist",
    "bakery",
    "laptop",
    "ticket",
]


def more_memories(store: Store) -> None:
    """Enough extra memories (with duplicates) that a run takes many batches."""
    rng = random.Random(7)
    memories = []
    for i in range(240):
        words = rng.sample(WORDS, 4)
        text = f"Note {i % 80}: the {words[0]} near the {words[1]} and the {words[2]}"
        day = NOW - timedelta(days=1 + i % 12, hours=i % 7)
        kind = MemoryType.EPISODIC if i % 3 == 0 else MemoryType.SEMANTIC
        memories.append(Memory(type=kind, text=text, valid_from=day, recorded_at=day))
    store.add_memories(memories)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    folder = tmp_path_factory.mktemp("kill")
    key = os.urandom(32)
    with Store.open(folder / "seed.db", key, HashingEmbedder(), create=True) as store:
        seed(store)
        more_memories(store)
        store.checkpoint()
    return folder / "seed.db", key


def sleeper(db: Path, key: bytes, home: Path, now: str | None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "tests.core.sleep.sleeper", str(db), key.hex(), str(home)]
    return subprocess.Popen(
        [*args, *([now] if now else [])],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def contents(db: Path, key: bytes) -> dict[str, Any]:
    with Store.open(db, key, HashingEmbedder()) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        pending = store.conn.execute(
            "SELECT count(*) FROM sleep_runs WHERE status = 'running'"
        ).fetchone()[0]
        assert pending == 0
        return dump(store.conn, store._vec_table)


def test_a_killed_run_always_resumes_to_the_same_state(
    seeded: tuple[Path, bytes], tmp_path: Path
) -> None:
    seed_db, key = seeded
    reference = tmp_path / "reference.db"
    shutil.copy(seed_db, reference)
    out = finish(sleeper(reference, key, tmp_path / "home-ref", NOW.isoformat()))
    run_seconds = float(out.split("done ")[1])
    expected = contents(reference, key)

    rng = random.Random(2026)
    interrupted = 0
    for trial in range(TRIALS):
        db = tmp_path / f"trial{trial}.db"
        shutil.copy(seed_db, db)
        home = tmp_path / f"home{trial}"
        proc = sleeper(db, key, home, NOW.isoformat())
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "running"
        time.sleep(rng.uniform(0, run_seconds * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        if proc.returncode == -signal.SIGKILL:
            interrupted += 1
        # The next start finishes the interrupted run (with the `now` it started with; a kill
        # before the run was recorded leaves nothing to resume, and this run starts afresh).
        finish(sleeper(db, key, home, NOW.isoformat()))
        got = contents(db, key)
        assert got == expected, f"trial {trial} differs"
    assert interrupted >= TRIALS // 2, "too few kills landed inside a run to prove anything"

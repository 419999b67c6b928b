"""A process killed with SIGKILL in the middle of a large import loses no committed batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.home import Home
from core.keys import load_key
from core.settings import Settings
from core.store import Store
from core.store.connection import connect
from models.embedders import HashingEmbedder
from tests.conftest import TEST_SCRYPT_N

BATCH = 100
LINES = 12_000


def write_transcript(path: Path) -> list[str]:
    ids = []
    with path.open("w") as fh:
        for i in range(LINES):
            ids.append(f"line-{i:05d}")
            fh.write(
                json.dumps(
                    {
                        "id": ids[-1],
                        "time": f"2026-03-{1 + i % 28:02d}T10:{i % 60:02d}:00+01:00",
                        "speaker": "user",
                        "text": f"Note {i}: the project codename for batch {i} is Falcon{i}.",
                    }
                )
                + "\n"
            )
    return ids


def committed_count(path: Path, key: bytes) -> int:
    try:
        conn = connect(path, key, cache_mb=8)
        try:
            return int(conn.execute("SELECT count(*) FROM observations").fetchone()[0])
        finally:
            conn.close()
    except Exception:
        return 0


def run_import(home: Home, transcript: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, MNEMO_HOME=str(home.config_dir.parent), MNEMO_PASSPHRASE="pw")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "import",
            "chats",
            str(transcript),
            "--batch-size",
            str(BATCH),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_mid_import_keeps_every_committed_batch(mnemo_home: Home, tmp_path: Path) -> None:
    from core.profile import init_store

    init_store(
        mnemo_home, Settings(), HashingEmbedder(), lambda: "pw", None, scrypt_n=TEST_SCRYPT_N
    ).close()
    key = load_key(mnemo_home, lambda: "pw", None)
    transcript = tmp_path / "big.jsonl"
    ids = write_transcript(transcript)

    proc = run_import(mnemo_home, transcript)
    deadline = time.monotonic() + 60
    while committed_count(mnemo_home.db_path, key) < 5 * BATCH:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    conn = connect(mnemo_home.db_path, key)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    present = [
        r[0] for r in conn.execute("SELECT external_id FROM observations ORDER BY external_id")
    ]
    n = len(present)
    assert 0 < n < LINES and n % BATCH == 0  # whole batches only
    assert present == ids[:n]  # exactly the first batches, in order
    orphans = conn.execute(
        "SELECT count(*) FROM observations o WHERE NOT EXISTS "
        "(SELECT 1 FROM memory_sources s WHERE s.observation_id = o.id)"
    ).fetchone()[0]
    assert orphans == 0  # every committed line has its memory
    fts = conn.execute(
        "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'falcon0'"
    ).fetchone()[0]
    assert fts == 1
    conn.close()

    # Running the import again completes it without duplicating anything.
    proc = run_import(mnemo_home, transcript)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert f"{n} already imported" in out.decode()
    with Store.open(mnemo_home.db_path, key, HashingEmbedder()) as store:
        stats = store.stats()
        assert stats["observations"] == {"chat": LINES}
        assert stats["memories"] == LINES

"""The desktop app benchmark runs end to end on a tiny profile and prints both verdicts."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench.runner import run_bench


def test_the_gui_bench_times_start_up_and_scrubbing(tmp_path: Path) -> None:
    args = ("--memories", "400", "--days", "1", "--per-day", "40", "--runs", "1")
    result = run_bench("gui_bench.py", tmp_path, *args, "--positions", "10", "--json")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["profiles"]["full"]["memories"] == 400
    assert data["profiles"]["full"]["frames"] == 40
    for name in ("empty", "full"):
        startup = data["startup"][name]
        assert 0 < startup["shown_s"] <= startup["usable_s"]
        assert startup["unlock_s"] > 0  # the passphrase was really unwrapped
    assert data["scrub"]["scrub"]["n"] == 10 and data["scrub"]["gui_worst_ms"] > 0
    assert list(tmp_path.iterdir()) == []  # the profiles were removed

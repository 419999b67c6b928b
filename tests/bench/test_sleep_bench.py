"""The sleep benchmark (`bench/sleep_bench.py`) runs end to end at a tiny size.

`--sizes 300 3000` seeds two small stores (one child process each, as a user would start it) and
runs the full sleep twice on each. Timings are never asserted; what is checked is that every phase
has its row, that the sleep did real work on the seeded history (planted duplicates merged, days
summarised, episodes linked), that the second run changed nothing, that a verdict is printed and
that no temporary file is left behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.bench.runner import run_bench

PHASES = ("backup", "consolidate", "summarise", "decay", "link", "evolve", "housekeeping")


def counts(out: str, label: str) -> list[int]:
    """The per-size numbers of a table row."""
    row = re.search(rf"^\s*{re.escape(label)}\s+([\d,\s]+)$", out, re.M)
    assert row is not None, f"no row {label!r} in:\n{out}"
    return [int(v.replace(",", "")) for v in row[1].split()]


@pytest.mark.slow
def test_tiny_run_prints_every_phase_with_real_work_behind_it(tmp_path: Path) -> None:
    out = run_bench("sleep_bench.py", tmp_path, "--sizes", "300", "3000").stdout
    assert re.search(r"^\s+300 mem\.\s+3k mem\.\s+3k/300$", out, re.M), out
    for phase in PHASES:
        assert re.search(rf"^  {phase}\s+\d+\.\d\d\s+\d+\.\d\d\s+(\d+\.\dx|-)$", out, re.M), phase
    assert re.search(r"^total \(wall, around run_sleep\)\s+\d+\.\d\d\s+\d+\.\d\d", out, re.M)
    assert re.search(r"^second run \(wall\)\s+\d+\.\d\d\s+\d+\.\d\d", out, re.M)

    assert counts(out, "memories") == [300, 3000]
    planted = counts(out, "clusters of a planted pair")
    assert planted[0] > 0 and planted[1] > planted[0]
    assert all(n >= 10 for n in counts(out, "summarise: days"))
    assert all(n > 0 for n in counts(out, "link: follows"))
    assert counts(out, "second run changed (should be ~0)") == [0, 0]

    assert re.search(r"^3k total \d+\.\d s \(target < 60 s at 100k\): n/a$", out, re.M), out
    assert re.search(r"^growth 3k/300 = \d+\.\d \(target <= 15\): (PASS|FAIL)$", out, re.M), out
    assert not list(tmp_path.iterdir()), "the benchmark left files behind"

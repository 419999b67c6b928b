"""The capture benchmark (`bench/capture_bench.py`) runs end to end on a real headless desktop.

`--quick` runs every section with tiny counts and a 3-second `capture run`, in a subprocess as a
user would start it. Timings are never asserted; what is checked is that every section is printed
in order with real work behind it (words read, frames kept, a verdict for each target). It needs
the same desktop tools as the real-X capture tests and skips without them, unless
MNEMO_REQUIRE_DESKTOP=1 says the run must prove the desktop works.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.capture.xdesktop import TOOLS, require_tools

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = (
    "1. tick cost",
    "2. OCR",
    "3. bytes stored per frame",
    "4. CPU of `mnemo capture run --for 3`",
    "5. storage of a scripted active day",
    "summary",
)


@pytest.mark.slow
def test_quick_run_prints_every_section_with_real_work_behind_it(tmp_path: Path) -> None:
    require_tools((*TOOLS, "tesseract"))
    env = dict(os.environ)
    env["TMPDIR"] = str(tmp_path)
    # With its OpenMP threads tesseract is about 5x slower on 2 cores; nothing here is timed.
    env["OMP_THREAD_LIMIT"] = "1"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "capture_bench.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    positions = [out.find(section) for section in SECTIONS]
    assert -1 not in positions and positions == sorted(positions), out

    words = re.search(r"words kept \(confidence >= 40\)\s+(\d+)\s+(\d+)", out)
    assert words is not None and int(words[1]) > 0 and int(words[2]) > 0, out
    outcomes = re.search(r"outcomes: kept (\d+), unchanged (\d+)", out)
    assert outcomes is not None and int(outcomes[1]) > 0 and int(outcomes[2]) > 0, out
    day = re.search(r"checks / frames kept\s+(\d+) / (\d+)\n", out)
    assert day is not None and int(day[2]) > 0, out
    assert re.search(r"tesseract per kept frame, median / p90 \(s, real time\)\s+\d", out), out
    assert re.search(r"storage of an 8-hour active day, frames included .*(PASS|MISS)$", out, re.M)
    # 3 seconds cannot outlast start-up: the CPU target is shown as not measured, never guessed.
    assert re.search(r"capture run CPU on an unchanged screen, steady state .*n/a$", out, re.M)
    assert not list(tmp_path.iterdir()), "the benchmark left files behind"

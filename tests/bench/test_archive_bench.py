"""The archive benchmark (`bench/archive_bench.py`) runs end to end at a tiny size.

`--sizes 300 --json` seeds one small store in a child process, exports it, imports it into an empty
store and again. Timings are never asserted; what is checked is that the import added every record
the export wrote, that memory figures were read, and that no temporary file is left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_archive_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["TMPDIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "archive_bench.py"), "--sizes", "300", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    (run,) = json.loads(result.stdout)
    assert run["size"] == 300 and run["counts"]["memories"] == 300
    assert run["added"] == run["records"] > 300
    assert run["archive_mb"] > 0 and run["cheap_import_peak_mb"] is not None
    assert list(tmp_path.iterdir()) == []

"""The archive benchmark (`bench/archive_bench.py`) runs end to end at a tiny size.

`--sizes 300 --json` seeds one small store in a child process, exports it, imports it into an empty
store and again. Timings are never asserted; what is checked is that the import added every record
the export wrote, that memory figures were read, and that no temporary file is left behind.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench.runner import run_bench


def test_the_archive_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    result = run_bench("archive_bench.py", tmp_path, "--sizes", "300", "--json")
    (run,) = json.loads(result.stdout)
    assert run["size"] == 300 and run["counts"]["memories"] == 300
    assert run["added"] == run["records"] > 300
    assert run["archive_mb"] > 0 and run["cheap_import_peak_mb"] is not None
    assert list(tmp_path.iterdir()) == []

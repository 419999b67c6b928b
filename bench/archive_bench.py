"""Archive benchmark: export and import throughput, and peak memory against archive size.

For each size N (default 10k and 100k) a child process of this script builds a fresh encrypted
store with the sleep benchmark's generator (N memories with their observations, idle chat turns and
screen segments; `HashingEmbedder`), then:

1. exports it all (vault included) to a passphrase archive at the default cost (scrypt 2^18, about
   a second, paid once to write and once more to verify), timed and with the process's peak RSS;
2. imports that archive into a second, empty store (verify pass, then the merge, embeddings
   recomputed), timed, with its peak RSS;
3. imports it again (everything already there: the cost of an idempotent re-import);
4. exports and imports once more with a cheap key (scrypt 2^10), for memory only: at the default
   cost scrypt itself takes 256 MB while the key is derived, which would hide what the streaming
   holds.

Both stores use a 16 MB page cache, so the process's memory shows what the archive code holds and
not SQLite filling a larger cache with a larger store. Peak RSS is read from VmHWM after resetting
it (Linux `clear_refs`), relative to the RSS just before the step.

It prints, per size, records per second and MB per second for each step, the archive's size, and
the peak memory over the baseline; then the growth of archive size and of peak memory from the
smallest to the largest size. Memory that does not grow with the archive shows as a memory ratio
near 1 while the archive ratio is near the size ratio. Timings never assert; exit 0 unless it
crashes.

    python bench/archive_bench.py                     # 10k and 100k (a few minutes on 2 cores)
    python bench/archive_bench.py --sizes 500 5000    # a smoke run
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sleep_bench import Generator, _reset_peak, _rss_mb, log, run_child, seed_store

from core.archive.export import Selection, export_archive
from core.archive.importer import import_archive
from core.home import Home
from core.store import Store
from models.embedders import HashingEmbedder

RESULT = "ARCHIVE-BENCH-RESULT "
PASSPHRASE = "a benchmark passphrase"
CACHE_MB = 16


def _measured(step: Any) -> tuple[Any, float, float | None, float | None]:
    """Run `step()`; return its result, wall seconds, baseline RSS and peak RSS over it (MB)."""
    gc.collect()
    base = _rss_mb("VmRSS")
    reset = _reset_peak()
    t0 = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - t0
    peak = _rss_mb("VmHWM") if reset else None
    return result, seconds, base, peak


def run_size(n: int, seed: int) -> dict[str, Any]:
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    history = Generator(seed).history(n, now)
    root = Path(tempfile.mkdtemp(prefix="mnemo-archive-bench-"))
    try:
        home = Home.resolve(root / "a")
        source = Store.open(
            home.db_path, os.urandom(32), HashingEmbedder(), create=True, cache_mb=CACHE_MB
        )
        log(f"{n:,}: seeding")
        seed_store(source, history, random.Random(seed))
        del history
        archive = root / "all.mnemo"
        log(f"{n:,}: exporting")
        exported, export_s, export_base, export_peak = _measured(
            lambda: export_archive(
                source,
                archive,
                Selection(vault=True),
                passphrase=PASSPHRASE,
                frames_dir=home.frames_dir,
            )
        )
        log(f"{n:,}: exporting with a cheap key (memory of the streaming alone)")
        cheap = root / "cheap.mnemo"
        _, _, cheap_base, cheap_export_peak = _measured(
            lambda: export_archive(
                source,
                cheap,
                Selection(vault=True),
                passphrase=PASSPHRASE,
                frames_dir=home.frames_dir,
                work=10,
            )
        )
        source.close()
        spare = Store.open(
            root / "c.db", os.urandom(32), HashingEmbedder(), create=True, cache_mb=CACHE_MB
        )
        _, _, spare_base, cheap_import_peak = _measured(
            lambda: import_archive(spare, cheap, lambda: PASSPHRASE, frames_dir=root / "g")
        )
        spare.close()
        target = Store.open(
            root / "b.db", os.urandom(32), HashingEmbedder(), create=True, cache_mb=CACHE_MB
        )
        log(f"{n:,}: importing")
        imported, import_s, import_base, import_peak = _measured(
            lambda: import_archive(target, archive, lambda: PASSPHRASE, frames_dir=root / "f")
        )
        log(f"{n:,}: importing again")
        _, again_s, _, again_peak = _measured(
            lambda: import_archive(target, archive, lambda: PASSPHRASE, frames_dir=root / "f")
        )
        target.close()
        records = sum(v for k, v in exported.counts.items() if not k.startswith("frame_images"))
        return {
            "size": n,
            "records": records,
            "counts": exported.counts,
            "archive_mb": exported.archive_bytes / 1e6,
            "plaintext_mb": exported.plaintext_bytes / 1e6,
            "export_s": export_s,
            "import_s": import_s,
            "again_s": again_s,
            "added": sum(imported.added.values()),
            "export_peak_mb": _over(export_peak, export_base),
            "import_peak_mb": _over(import_peak, import_base),
            "again_peak_mb": _over(again_peak, import_base),
            "base_mb": export_base,
            "cheap_export_peak_mb": _over(cheap_export_peak, cheap_base),
            "cheap_import_peak_mb": _over(cheap_import_peak, spare_base),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _over(peak: float | None, base: float | None) -> float | None:
    return None if peak is None or base is None else peak - base


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} MB"


def render(results: Sequence[dict[str, Any]]) -> str:
    out = [f"Archive benchmark ({os.cpu_count()} cores, scrypt 2^18, page cache {CACHE_MB} MB)", ""]
    head = f"{'':34}" + "".join(f"{r['size']:>16,}" for r in results)
    out.append(head)

    def row(label: str, values: list[str]) -> None:
        out.append(f"{label:34}" + "".join(f"{v:>16}" for v in values))

    row("records (all kinds)", [f"{r['records']:,}" for r in results])
    row("archive size", [_mb(r["archive_mb"]) for r in results])
    row("plaintext inside", [_mb(r["plaintext_mb"]) for r in results])
    for step, key in (("export", "export_s"), ("import", "import_s"), ("import again", "again_s")):
        row(f"{step}: seconds", [f"{r[key]:.1f}" for r in results])
        row(f"{step}: records/s", [f"{r['records'] / r[key]:,.0f}" for r in results])
        row(f"{step}: archive MB/s", [f"{r['archive_mb'] / r[key]:.1f}" for r in results])
    row("export: peak memory over baseline", [_mb(r["export_peak_mb"]) for r in results])
    row("import: peak memory over baseline", [_mb(r["import_peak_mb"]) for r in results])
    row("again: peak memory over baseline", [_mb(r["again_peak_mb"]) for r in results])
    row("process baseline", [_mb(r["base_mb"]) for r in results])
    out.append("  (scrypt 2^18 itself takes 256 MB while the key is derived; with scrypt 2^10:)")
    row("export: peak over baseline, 2^10", [_mb(r["cheap_export_peak_mb"]) for r in results])
    row("import: peak over baseline, 2^10", [_mb(r["cheap_import_peak_mb"]) for r in results])
    if len(results) > 1:
        small, large = results[0], results[-1]
        out.append("")
        out.append(
            f"From {small['size']:,} to {large['size']:,} memories: archive x"
            f"{large['archive_mb'] / small['archive_mb']:.1f}"
        )
        for key, label in (
            ("export_peak_mb", "export"),
            ("import_peak_mb", "import"),
            ("cheap_export_peak_mb", "export (scrypt 2^10)"),
            ("cheap_import_peak_mb", "import (scrypt 2^10)"),
        ):
            if small[key] and large[key]:
                out.append(
                    f"  {label} peak memory x{large[key] / small[key]:.2f} "
                    f"({_mb(small[key])} -> {_mb(large[key])})"
                )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(RESULT + json.dumps(run_size(args.child, args.seed)), flush=True)
        return 0
    results = [run_child(n, args.seed, __file__, RESULT) for n in args.sizes]
    print(json.dumps(results, indent=2) if args.json else render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Desktop app benchmark: start-up to a usable window, and scrubbing the timeline, on a big profile.

Two profiles are built side by side in one run, each a real passphrase-protected Mnemo home
(key.json wrapped with the default scrypt cost, SQLCipher database, encrypted frame files):

* `empty`: a new store, nothing in it;
* `full`: N memories (default 100,000) as months of the rule pipeline leave them (the sleep
  bench's generator) and a month of screen captures (`bench/gui_timeline.build_month`: 30 days x
  2,000 frames with OCR words and encrypted WebP thumbnails).

Start-up is measured in fresh processes (`--child startup`), like a user launching `mnemo`: from
just before the process is spawned to the main window being shown, painted, and its views'
first loads (the memory list's first page, the timeline's day, the review count) finished, so
the window answers input at once. The passphrase comes from `MNEMO_PASSPHRASE`, so the unlock
(scrypt, ~0.4 s) is counted but no dialog waits for a person. Capture and the nightly sleep are
off in both profiles, so a catch-up sleep run does not compete for the two cores. Each profile
is started `--runs` times (default 3) and the median is reported with the phases: interpreter
and imports, unlock, building the window, first paint, settling.

Scrubbing is measured in one more child on the full profile with the real main window: the
timeline page is shown and `measure_scrub` drags the cursor across a day, back again, and steps
with the arrow key at auto-repeat speed (see bench/gui_timeline.py for each row).

Nothing asserts: the verdict lines say whether start-up of the full profile is under 2 s and
every GUI-thread frame change under 50 ms, and the ratio full/empty shows what the data costs.

    python bench/gui_bench.py                         # 100k memories + 30 days x 2000 frames
    python bench/gui_bench.py --memories 5000 --days 3 --per-day 300 --runs 1   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSPHRASE = "gui bench passphrase"
RESULT = "GUI-BENCH-RESULT "


def build_profile(root: Path, memories: int, days: int, per_day: int, seed: int) -> dict[str, Any]:
    """A passphrase-protected profile in `root` with `memories` memories and `days` of frames."""
    from bench.gui_timeline import build_month
    from bench.sleep_bench import Generator, seed_store
    from core.capture.frames import KEY_INFO, FrameCipher
    from core.home import Home
    from core.profile import init_store
    from core.settings import Settings
    from models.embedders import HashingEmbedder

    home = Home.resolve(root)
    settings = Settings()
    settings.capture.enabled = False
    settings.sleep.enabled = False
    store = init_store(home, settings, HashingEmbedder(), lambda: PASSPHRASE, None, "passphrase")
    info: dict[str, Any] = {"memories": memories, "frames": 0}
    try:
        started = time.perf_counter()
        if memories:
            now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
            seed_store(store, Generator(seed).history(memories, now), random.Random(seed))
        if days:
            first = (datetime.now().astimezone() - timedelta(days=days - 1)).date()  # to today
            cipher = FrameCipher(store.derive_key(KEY_INFO))
            month = build_month(store, home.frames_dir, cipher, first, days, per_day)
            info["frames"] = month.frames
        info["build_s"] = time.perf_counter() - started
    finally:
        store.close()
    settings.save(home.settings_path)
    return info


def child_startup(root: Path, launched: float) -> dict[str, Any]:
    """One start of the app on `root`, timed from `launched` (the parent's clock at spawn)."""
    imported_at = time.time()
    from app.gui.context import run_now
    from app.main import Shell, apply_theme
    from app.qt import QtWidgets
    from core.home import Home
    from core.settings import Settings

    modules_at = time.time()
    app = QtWidgets.QApplication(["mnemo"])
    home = Home.resolve(root)
    settings = Settings.load(home.settings_path)
    apply_theme(app, settings.desktop.theme)
    shell = Shell(app, home, settings)
    store = shell.open_store()
    assert store is not None
    unlocked_at = time.time()
    shell.start(store)
    built_at = time.time()
    window = shell.window
    assert window is not None and shell.ctx is not None
    with shell.ctx.reader.read() as conn:
        has_memories = conn.execute("SELECT 1 FROM memories LIMIT 1").fetchone() is not None
        has_frames = conn.execute("SELECT 1 FROM frames LIMIT 1").fetchone() is not None
    handle = window.windowHandle()
    deadline = time.monotonic() + 30
    while handle is not None and not handle.isExposed() and time.monotonic() < deadline:
        app.processEvents()
    window.repaint()
    app.processEvents()
    painted_at = time.time()
    run_now(shell.ctx, lambda job: None, "db")  # everything queued before it has finished
    while shell.ctx.runner.busy() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()
    settled_at = time.time()
    from bench.gui_timeline import frame_on_screen  # after the timed start-up

    pages = {}
    for index, ready in (
        (2, lambda: window.memories.model.rowCount() > 0 or not has_memories),
        (1, lambda: frame_on_screen(window.timeline) or not has_frames),
    ):
        started = time.perf_counter()
        window.show_page(index)
        while not ready() and time.perf_counter() - started < 30:
            app.processEvents()
            time.sleep(0.0005)
        window.repaint()
        app.processEvents()
        pages[index] = time.perf_counter() - started
    shell.stop()
    return {
        "interpreter_s": imported_at - launched,
        "imports_s": modules_at - imported_at,
        "unlock_s": unlocked_at - modules_at,
        "build_s": built_at - unlocked_at,
        "paint_s": painted_at - built_at,
        "settle_s": settled_at - painted_at,
        "usable_s": settled_at - launched,
        "shown_s": painted_at - launched,
        "memories_page_s": pages[2],
        "timeline_page_s": pages[1],
    }


def child_scrub(root: Path, days: int, positions: int) -> dict[str, Any]:
    """Scrub the timeline of the real main window on the full profile."""
    from app.main import Shell
    from app.qt import QtWidgets
    from bench.gui_timeline import measure_scrub
    from core.home import Home
    from core.settings import Settings

    app = QtWidgets.QApplication(["mnemo"])
    home = Home.resolve(root)
    shell = Shell(app, home, Settings.load(home.settings_path))
    store = shell.open_store()
    assert store is not None
    shell.start(store)
    window = shell.window
    assert window is not None
    window.show_page(1)
    app.processEvents()
    today = datetime.now().astimezone().date()
    chosen = [today - timedelta(days=n) for n in range(min(days, 5) - 1, -1, -1)]
    report = measure_scrub(window.timeline, chosen, positions=positions)
    shell.stop()
    return dict(report.summary())


def run_child(kind: str, root: Path, *extra: str) -> dict[str, Any]:
    env = dict(os.environ, MNEMO_PASSPHRASE=PASSPHRASE, MNEMO_HOME=str(root))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    launched = time.time()
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(root), str(launched), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            result: dict[str, Any] = json.loads(line[len(RESULT) :])
            return result
    raise RuntimeError(f"the {kind} child failed:\n{done.stdout}\n{done.stderr}")


def _median(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rows) for key in rows[0]}


def render(
    profiles: dict[str, dict[str, Any]], startup: dict[str, dict[str, float]], scrub: dict[str, Any]
) -> str:
    lines = ["Start-up to a usable window (median of runs, seconds)"]
    names = list(startup)
    lines.append(f"{'phase':<16}" + "".join(f"{n:>10}" for n in names) + f"{'full/empty':>12}")
    for key in ("interpreter_s", "imports_s", "unlock_s", "build_s", "paint_s", "settle_s"):
        row = [startup[n][key] for n in names]
        ratio = row[-1] / row[0] if row[0] > 0 else float("nan")
        lines.append(f"{key[:-2]:<16}" + "".join(f"{v:>10.3f}" for v in row) + f"{ratio:>12.2f}")
    for key in ("shown_s", "usable_s", "memories_page_s", "timeline_page_s"):
        row = [startup[n][key] for n in names]
        lines.append(
            f"{key[:-2]:<16}"
            + "".join(f"{v:>10.3f}" for v in row)
            + f"{row[-1] / max(row[0], 1e-6):>12.2f}"
        )
    full = profiles["full"]
    lines.append(f"full profile: {full['memories']:,} memories, {full['frames']:,} frames")
    usable = startup["full"]["usable_s"]
    lines.append(
        f"target: usable window under 2 s with the full profile ({usable:.2f} s): "
        + ("met" if usable < 2 else "NOT met")
    )
    if scrub:
        lines.append("")
        lines.append("Timeline scrubbing on the full profile (ms)")
        lines.append(f"{'step':<12}{'p50':>9}{'p95':>9}{'max':>9}{'n':>7}")
        for name in ("open_day", "scrub", "deliver", "latency", "cached", "keys", "decode"):
            row = scrub[name]
            if row["n"]:
                lines.append(
                    f"{name:<12}{row['p50']:>9.2f}{row['p95']:>9.2f}{row['max']:>9.2f}{row['n']:>7}"
                )
        worst = scrub["gui_worst_ms"]
        lines.append(
            f"target: every GUI-thread frame change under 50 ms (worst {worst} ms): "
            + ("met" if worst is not None and worst < 50 else "NOT met")
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--positions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, root, launched, *rest = args.child
        if kind == "startup":
            result = child_startup(Path(root), float(launched))
        else:
            result = child_scrub(Path(root), int(rest[0]), int(rest[1]))
        print(RESULT + json.dumps(result), flush=True)
        return 0

    base = Path(tempfile.mkdtemp(prefix="mnemo-gui-bench-"))
    try:
        profiles = {
            "empty": build_profile(base / "empty", 0, 0, 0, args.seed),
        }
        print("building the full profile…", file=sys.stderr, flush=True)
        profiles["full"] = build_profile(
            base / "full", args.memories, args.days, args.per_day, args.seed
        )
        print(f"built in {profiles['full']['build_s']:.0f} s", file=sys.stderr, flush=True)
        runs: dict[str, list[dict[str, Any]]] = {"empty": [], "full": []}
        for _ in range(args.runs):  # interleaved, so drift on the machine hits both alike
            for name in runs:
                runs[name].append(run_child("startup", base / name))
        startup = {name: _median(rows) for name, rows in runs.items()}
        scrub = (
            run_child("scrub", base / "full", str(args.days), str(args.positions))
            if args.days
            else {}
        )
        if args.json:
            print(json.dumps({"profiles": profiles, "startup": startup, "scrub": scrub}))
        else:
            print(render(profiles, startup, scrub))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

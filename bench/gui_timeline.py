"""Timeline scrubbing benchmark: what moving the cursor costs the GUI thread on a month of frames.

`build_month` fills a store with a month of captures the way the recorder leaves them (segments,
frame rows with OCR text and word boxes, one AES-GCM encrypted WebP file per frame), fast: a few
dozen synthetic desktop-like pictures are encoded once and every frame file seals one of them
under its own id (the id is the file's associated data, so each file is still its own), written
without the per-file fsync the recorder pays. `measure_scrub` then drives a real `TimelineView`
(offscreen Qt) and reports, per step:

* `open_day`: opening a day (its frame, segment and memory queries) and painting it;
* `scrub`: a drag across the axis to positions whose frames are not decoded yet: the cursor move
  plus a synchronous repaint of the axis and the frame pane, on the GUI thread;
* `deliver`: the GUI thread's share of showing a frame once a worker decoded it (caching it,
  scaling it to the pane, painting);
* `latency`: from the cursor move to the decoded frame on screen (mostly decoding, off-thread);
* `cached`: the same positions dragged over again, now served from the frame cache;
* `keys`: arrow-key steps at the keyboard's auto-repeat rate (30 per second), with the share of
  steps whose frame was already on screen (decoded ahead) when the next step came;
* `decode`: the workers' time per frame: read, decrypt, decode the WebP, convert it and shrink
  it to the pane.

Each is given as p50 / p95 / max in milliseconds. Nothing asserts; the target (well under 50 ms
of GUI-thread time per frame change) is printed as met or not. `bench/gui_bench.py` imports
`build_month` and `measure_scrub`; run alone it builds its own temporary profile:

    python bench/gui_timeline.py                      # 30 days x 2000 frames, 640 px thumbnails
    python bench/gui_timeline.py --quick              # 3 days x 300 frames
    python bench/gui_timeline.py --width 1280         # the capture default thumbnail width
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np

from core.capture.frames import FrameCipher, thumbnail
from core.memory import uuid7
from core.store import Store

APPS = (
    ("firefox", "Flights to Porto - Mozilla Firefox", (235, 235, 240)),
    ("code", "timeline.py - mnemo - Visual Studio Code", (30, 30, 36)),
    ("gnome-terminal", "~/src/mnemo", (20, 22, 28)),
    ("thunderbird", "Inbox - Thunderbird", (246, 246, 250)),
    ("slack", "#team - Slack", (74, 21, 75)),
    ("libreoffice", "budget-2026.ods - LibreOffice Calc", (255, 255, 255)),
)
WORDS = [
    "invoice",
    "total",
    "porto",
    "flight",
    "booking",
    "meeting",
    "agenda",
    "budget",
    "quarterly",
    "deploy",
    "release",
    "timeline",
    "capture",
    "memory",
    "search",
    "python",
    "review",
    "contract",
    "dentist",
    "appointment",
    "recipe",
    "weather",
    "report",
    "travel",
    "hotel",
    "itinerary",
]
DAY_START_HOUR = 8
KEY_REPEAT_S = 1 / 30


@dataclass
class Month:
    """What `build_month` made."""

    days: list[date]
    frames: int
    segments: int
    file_bytes: int
    seconds: float
    width: int
    height: int


def _picture(rng: np.random.Generator, width: int, height: int, base: tuple[int, ...]) -> Any:
    """A desktop-like picture: a themed background, panels and rows of 'text'."""
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[...] = base
    dark = sum(base) < 300
    ink = (200, 200, 205) if dark else (40, 40, 48)
    for _ in range(int(rng.integers(2, 5))):  # panels
        x0, y0 = int(rng.integers(0, width // 2)), int(rng.integers(0, height // 2))
        x1, y1 = (
            x0 + int(rng.integers(width // 5, width // 2)),
            y0 + int(rng.integers(height // 5, height // 2)),
        )
        shade = np.clip(np.array(base, dtype=int) + int(rng.integers(-25, 25)), 0, 255)
        pixels[y0:y1, x0:x1] = shade
    line = max(2, height // 60)
    for y in range(height // 12, height - line, line * 3):  # text rows
        x = int(rng.integers(4, width // 8))
        end = int(rng.integers(width // 3, width - 4))
        while x < end:
            word = int(rng.integers(line * 2, line * 9))
            pixels[y : y + line, x : min(x + word, end)] = ink
            x += word + line * 2
    return pixels


def build_month(
    store: Store,
    frames_dir: Path,
    cipher: FrameCipher,
    first_day: date,
    days: int = 30,
    per_day: int = 2000,
    width: int = 640,
    height: int = 360,
    variants: int = 8,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> Month:
    """Fill `store` and `frames_dir` with `days` days of `per_day` frames each, 08:00 onwards."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    pictures = {
        app: [
            thumbnail(_picture(rng, width, height, colour), width, 50)[0] for _ in range(variants)
        ]
        for app, _, colour in APPS
    }
    pick = random.Random(seed)
    screen = json.dumps([0, 0, width * 3, height * 3])  # thumbnails a third of the screen
    frames = segments = file_bytes = 0
    spacing = 12 * 3600 / per_day  # a twelve-hour working day
    day_list = [first_day + timedelta(days=n) for n in range(days)]
    for number, day in enumerate(day_list):
        start = datetime(day.year, day.month, day.day, DAY_START_HOUR).astimezone()
        segment_rows: list[tuple[Any, ...]] = []
        frame_rows: list[tuple[Any, ...]] = []
        index = 0
        while index < per_day:
            app, title, _ = APPS[pick.randrange(len(APPS))]
            length = min(per_day - index, pick.randint(5, 60))
            segment_id = uuid7()
            times = [
                start + timedelta(seconds=(index + n) * spacing + pick.uniform(0, spacing / 2))
                for n in range(length)
            ]
            segment_rows.append(
                (
                    segment_id,
                    app,
                    title,
                    times[0].isoformat(),
                    times[0].timestamp(),
                    times[-1].isoformat(),
                    times[-1].timestamp() + spacing,
                )
            )
            for when in times:
                frame_id = uuid7()
                rel = f"{when:%Y/%m/%d}/{frame_id}.mnf"
                webp = pictures[app][pick.randrange(variants)]
                blob = cipher.seal(frame_id, webp)
                target = frames_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(blob)
                file_bytes += len(blob)
                chosen = pick.sample(WORDS, 4)
                words = [
                    [word, 40 + 120 * n, 60 + 30 * (n % 3), 100, 24, 90.0]
                    for n, word in enumerate(chosen)
                ]
                frame_rows.append(
                    (
                        frame_id,
                        segment_id,
                        when.isoformat(),
                        when.timestamp(),
                        rel,
                        len(blob),
                        width,
                        height,
                        screen,
                        app,
                        title,
                        " ".join(chosen),
                        json.dumps(words),
                    )
                )
            index += length
        with store.write() as conn:
            conn.executemany(
                "INSERT INTO segments (id, app, title, start, start_ts, end, end_ts, closed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 2)",
                segment_rows,
            )
            conn.executemany(
                "INSERT INTO frames (id, segment_id, time, ts, path, bytes, width, height, "
                "screen, app, title, masked, ocr, text, words) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'done', ?, ?)",
                frame_rows,
            )
        frames += len(frame_rows)
        segments += len(segment_rows)
        if progress is not None:
            progress(number + 1, days)
    return Month(
        day_list, frames, segments, file_bytes, time.perf_counter() - started, width, height
    )


@dataclass
class ScrubReport:
    """Per-step timings in milliseconds (see the module docstring for what each one is)."""

    open_day: list[float] = field(default_factory=list)
    scrub: list[float] = field(default_factory=list)
    deliver: list[float] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)
    keys: list[float] = field(default_factory=list)
    decode: list[float] = field(default_factory=list)
    cached_shown_at_once: float = 0.0  # share of cached steps whose frame was on screen at once
    keys_ready: float = 0.0  # share of key steps whose frame was on screen before the next one

    def summary(self) -> dict[str, Any]:
        """p50 / p95 / max per kind of step, the two shares, and the worst GUI-thread step."""
        out: dict[str, Any] = {
            name: stats(getattr(self, name))
            for name in ("open_day", "scrub", "deliver", "latency", "cached", "keys", "decode")
        }
        out["cached_shown_at_once"] = round(self.cached_shown_at_once, 3)
        out["keys_ready"] = round(self.keys_ready, 3)
        gui = [*self.scrub, *self.deliver, *self.cached, *self.keys]
        out["gui_worst_ms"] = round(max(gui), 2) if gui else None
        return out


def stats(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, max and count of a list of milliseconds."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
        "n": len(ordered),
    }


def _paint(view: Any) -> None:
    """Paint what changed now, as the next screen refresh would (the dirty widgets only)."""
    from app.qt import QtCore

    QtCore.QCoreApplication.sendPostedEvents(view.window(), QtCore.QEvent.Type.UpdateRequest)


def frame_on_screen(view: Any) -> bool:
    frame = view.current_frame()
    pane = view.frame_view
    return frame is not None and pane.frame_id() == frame.id and pane.image() is not None


def _wait_shown(view: Any, app: Any, timeout: float = 5.0) -> tuple[float, float]:
    """Process events until the cursor's frame is on screen: (GUI ms spent delivering it, latency)."""
    started = time.perf_counter()
    if view.current_frame() is None:  # an empty day: nothing to wait for
        return float("nan"), float("nan")
    while time.perf_counter() - started < timeout:
        before = time.perf_counter()
        app.processEvents()
        if frame_on_screen(view):
            _paint(view)
            return (time.perf_counter() - before) * 1000, (time.perf_counter() - started) * 1000
        time.sleep(0.0005)  # let the workers run
    return float("nan"), float("nan")


def measure_scrub(
    view: Any,
    days: Sequence[date],
    positions: int = 200,
    key_steps: int = 200,
    seed: int = 11,
) -> ScrubReport:
    """Open `days` one by one, then scrub the last: a drag over `positions`, back, and key steps.

    `view` is a shown `app.gui.timeline.TimelineView` on a store filled by `build_month`.
    """
    from app.qt import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        raise RuntimeError("measure_scrub needs the QApplication that shows `view`")
    report = ScrubReport()
    for day in days:
        started = time.perf_counter()
        view.show_day(day)
        _paint(view)
        report.open_day.append((time.perf_counter() - started) * 1000)
        _wait_shown(view, app)
    view.loader.decode_ms.clear()
    frames = view.selection().frames
    pick = random.Random(seed)
    # A drag from left to right: evenly spread times, jittered like a hand on a mouse.
    span = frames.end - frames.start
    targets = sorted(
        frames.start + span * (n + pick.uniform(0, 1)) / positions for n in range(positions)
    )
    visited = []
    for ts in targets:
        started = time.perf_counter()
        view.scrub_to(ts)
        _paint(view)
        report.scrub.append((time.perf_counter() - started) * 1000)
        frame = view.current_frame()
        visited.append(ts)
        if frame is not None and not frame_on_screen(view):
            deliver, latency = _wait_shown(view, app)
            report.deliver.append(deliver)
            report.latency.append(latency + report.scrub[-1])
    shown_at_once = 0
    for ts in reversed(visited):
        started = time.perf_counter()
        view.scrub_to(ts)
        _paint(view)
        report.cached.append((time.perf_counter() - started) * 1000)
        shown_at_once += frame_on_screen(view)
    report.cached_shown_at_once = shown_at_once / max(1, len(visited))
    view.go_to_end(False)
    _wait_shown(view, app)
    ready = 0
    for _ in range(key_steps):
        started = time.perf_counter()
        view.step(1)
        _paint(view)
        report.keys.append((time.perf_counter() - started) * 1000)
        deadline = started + KEY_REPEAT_S
        while time.perf_counter() < deadline and not frame_on_screen(view):
            app.processEvents()
            time.sleep(0.0005)
        ready += frame_on_screen(view)
        while time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.001)
    report.keys_ready = ready / max(1, key_steps)
    report.decode = list(view.loader.decode_ms)
    return report


def _print(month: Month, summary: dict[str, Any]) -> None:
    print(
        f"month: {len(month.days)} days, {month.frames} frames in {month.segments} segments, "
        f"{month.width}x{month.height} thumbnails, {month.file_bytes / 1e6:.1f} MB of frame files, "
        f"built in {month.seconds:.1f} s"
    )
    print(f"{'step (ms)':<12}{'p50':>9}{'p95':>9}{'max':>9}{'n':>7}")
    for name in ("open_day", "scrub", "deliver", "latency", "cached", "keys", "decode"):
        row = summary[name]
        if row["n"]:
            print(f"{name:<12}{row['p50']:>9.2f}{row['p95']:>9.2f}{row['max']:>9.2f}{row['n']:>7}")
    print(f"cached frames on screen at once: {summary['cached_shown_at_once']:.0%}")
    print(f"key steps whose frame was ready before the next repeat: {summary['keys_ready']:.0%}")
    worst = summary["gui_worst_ms"]
    verdict = "met" if worst is not None and worst < 50 else "NOT met"
    print(f"target: every GUI-thread frame change under 50 ms (worst {worst} ms): {verdict}")


def main(argv: Sequence[str] | None = None) -> int:
    """Build a month in a temporary profile, scrub it and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--positions", type=int, default=200)
    parser.add_argument("--open-days", type=int, default=5, help="days opened one after another")
    parser.add_argument("--quick", action="store_true", help="3 days x 300 frames, 60 positions")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.days, args.per_day, args.positions, args.open_days = 3, 300, 60, 2

    from app.gui.context import AppContext
    from app.gui.timeline import TimelineView
    from app.qt import QtWidgets
    from core.home import Home
    from core.profile import init_store
    from core.settings import Settings
    from models.embedders import HashingEmbedder

    qapp = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with tempfile.TemporaryDirectory(prefix="mnemo-timeline-bench-") as tmp:
        home = Home.resolve(tmp)
        settings = Settings()
        settings.capture.enabled = False
        store = init_store(
            home, settings, HashingEmbedder(), lambda: "bench", None, "passphrase", 2**14
        )
        ctx = AppContext(home, settings, store)
        try:
            first = date.today() - timedelta(days=args.days)
            month = build_month(
                store,
                home.frames_dir,
                ctx.cipher,
                first,
                days=args.days,
                per_day=args.per_day,
                width=args.width,
                height=args.width * 9 // 16,
            )
            view = TimelineView(ctx)
            view.resize(1280, 800)
            view.show()
            qapp.processEvents()
            report = measure_scrub(view, month.days[-args.open_days :], positions=args.positions)
            view.close()
            summary = report.summary()
            if args.json:
                print(
                    json.dumps(
                        {"month": month.__dict__ | {"days": len(month.days)}, **summary},
                        default=str,
                    )
                )
            else:
                _print(month, summary)
        finally:
            ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

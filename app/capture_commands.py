"""`mnemo capture`: grab once, run the monitor in the foreground, status, pause, resume, prune.

These wire the same core objects the tray uses: the platform's `Desktop`, an mss `Screen`, the
`Monitor` with its OCR queue and recorder, and the memory `Pipeline` (with the configured model, or
the rules) that each finished activity segment goes through. `run` draws one live status line on a
terminal; the status file it keeps up to date is what `capture status` and the tray read.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import FrameType
from typing import Any, TextIO

from app.model_commands import configured_llm
from app.sleep_commands import SerialLLM, nightly
from core.capture import health as healthfile
from core.capture.desktop import open_desktop
from core.capture.health import Health
from core.capture.monitor import Monitor, Tick
from core.capture.ocr import check_languages, tesseract_version
from core.capture.retention import frames_footprint, prune_by_settings
from core.capture.screen import MssScreen
from core.capture.timeline import find_frames
from core.errors import InvalidInputError
from core.home import Home
from core.memory import Observation
from core.pipeline.ingest import Pipeline
from core.pipeline.rules import SpeakerRoles
from core.ports import LLM
from core.settings import Settings
from core.store import Store

Opener = Callable[[argparse.Namespace], Any]

MAX_PAUSE_MINUTES = 30 * 24 * 60
_DURATION = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?\s*(?:(\d+(?:\.\d+)?)\s*s)?"
)


def parse_duration(text: str) -> timedelta:
    """'15m', '1h', '1h30m', '90s' or a bare number of minutes."""
    value = text.strip().lower()
    try:
        minutes = float(value)
    except ValueError:
        match = _DURATION.fullmatch(value)
        if not value or match is None or not any(match.groups()):
            raise InvalidInputError(
                f"cannot read the duration {text!r}: use e.g. 15m, 1h, 1h30m or 90s"
            ) from None
        hours, mins, secs = (float(g) if g else 0.0 for g in match.groups())
        minutes = hours * 60 + mins + secs / 60
    if not (0 < minutes <= MAX_PAUSE_MINUTES):  # also refuses nan and inf
        raise InvalidInputError(
            f"the duration {text!r} must be more than 0 and at most 30 days; for longer, pause "
            "without --for (until 'mnemo capture resume')"
        )
    return timedelta(minutes=minutes)


@contextmanager
def monitor_with(
    store: Store, settings: Settings, home: Home, llm: LLM | None
) -> Iterator[Monitor]:
    """A capture monitor on this session's desktop, feeding the memory pipeline run by `llm`
    (a model shared with the rest of the process, or None for the rules)."""
    desktop = open_desktop()
    try:
        if settings.capture.ocr:
            tesseract_version()
            check_languages(settings.capture.ocr_language)
        roles = SpeakerRoles.of(settings.chat.user_names, settings.chat.assistant_names)
        pipeline = Pipeline(store, roles, llm, settings.pipeline)

        def ingest(observations: Sequence[Observation]) -> int:
            report = pipeline.ingest(observations)
            return report.added + report.updated + report.deleted

        monitor = Monitor(store, home, settings.capture, desktop, MssScreen, ingest)
        try:
            yield monitor
        finally:
            monitor.close()
    finally:
        desktop.close()


@contextmanager
def monitor_for(
    store: Store, settings: Settings, home: Home, schedule_sleep: bool = False
) -> Iterator[Monitor]:
    """A capture monitor with the configured model loaded for it; with `schedule_sleep`, the
    nightly sleep job is scheduled in this process too."""
    with configured_llm(settings, home) as model:
        llm = SerialLLM(model) if model is not None else None
        with monitor_with(store, settings, home, llm) as monitor:
            scheduler = nightly(store, settings, home, llm) if schedule_sleep else None
            try:
                yield monitor
            finally:
                if scheduler is not None:
                    scheduler.shutdown()


def frame_summary(store: Store, frame_id: str) -> dict[str, Any]:
    """A kept frame as the CLI prints it (text after redaction)."""
    row = store.conn.execute(
        "SELECT f.id, f.time, f.path, f.bytes, f.width, f.height, f.app, f.title, f.masked, f.ocr, "
        "f.text, f.words, s.observation_id FROM frames f JOIN segments s ON s.id = f.segment_id "
        "WHERE f.id = ?",
        (frame_id,),
    ).fetchone()
    if row is None:
        return {"id": frame_id, "pruned": True}
    keys = (
        "id",
        "time",
        "path",
        "bytes",
        "width",
        "height",
        "app",
        "title",
        "masked",
        "ocr",
        "text",
    )
    data = dict(zip(keys, row[:11], strict=True))
    data["words"] = len(json.loads(row[11]))
    data["observation"] = row[12]
    return data


def cmd_once(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    with opened(args) as (store, settings, home), monitor_for(store, settings, home) as monitor:
        result = monitor.tick(force=True)
        for _ in range(3):  # windows moved during the grab: try again, briefly
            if result.outcome != "layout-changed":
                break
            result = monitor.tick(force=True)
        monitor.close()
        counters = monitor.health.counters
        data: dict[str, Any] = {"outcome": result.outcome, "detail": result.detail}
        if result.frame is not None:
            data["frame"] = frame_summary(store, result.frame.id)
            data["memories"] = counters.memories
        data["masked_windows"] = result.masked
    if args.json:
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
    elif result.frame is None:
        out.write(f"Nothing kept: {result.detail or result.outcome}\n")
    else:
        frame = data["frame"]
        where = " - ".join(x for x in (frame.get("app"), frame.get("title")) if x) or "no window"
        out.write(
            f"Kept frame {frame['id']} ({frame['width']}x{frame['height']} thumbnail, "
            f"{frame['bytes'] / 1024:.0f} kB encrypted) of {where}\n"
        )
        if result.masked:
            out.write(f"Blacked out {result.masked} excluded window(s) before keeping it.\n")
        words = frame["words"]
        if frame["ocr"] == "done":
            out.write(f"Read {words} words:\n")
            for line in str(frame["text"]).splitlines()[: args.lines]:
                out.write(f"  {line}\n")
        else:
            out.write(f"Text not read (OCR {frame['ocr']}).\n")
        out.write(f"{data['memories']} memories added or updated from it.\n")
    return 0 if result.outcome not in ("error", "disk-full") else 1


def status_line(tick: Tick, health: Health) -> str:
    c = health.counters
    state, message = health.verdict(healthfile.utcnow())
    return (
        f"{state.value}: {message} | ticks {c.ticks}, unchanged {c.unchanged}, kept {c.frames_kept} "
        f"({c.frame_bytes / 1e6:.1f} MB), masked {c.masked_windows}, OCR {c.ocr_done} done "
        f"{c.ocr_dropped} dropped, segments {c.segments}, memories {c.memories}"
    )


def cmd_run(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    live = sys.stderr.isatty() and not args.json
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        with (
            opened(args) as (store, settings, home),
            monitor_for(store, settings, home, schedule_sleep=True) as monitor,
        ):

            def on_tick(tick: Tick, health: Health) -> None:
                if live:
                    sys.stderr.write("\r\x1b[2K" + status_line(tick, health)[:200])
                    sys.stderr.flush()

            try:
                health = monitor.run(stop, args.seconds, on_tick)
            except KeyboardInterrupt:
                monitor.close()
                health = monitor.health
            if live:
                sys.stderr.write("\n")
    finally:
        signal.signal(signal.SIGTERM, previous)
    c = health.counters
    if args.json:
        out.write(json.dumps(json.loads(health.to_json()), ensure_ascii=False) + "\n")
    else:
        out.write(
            f"Captured for {c.ticks} checks: {c.frames_kept} frames kept "
            f"({c.frame_bytes / 1e6:.1f} MB), {c.unchanged} unchanged screens skipped, "
            f"{c.masked_windows} excluded windows blacked out, {c.excluded_focus} checks with an "
            f"excluded window in focus.\nOCR: {c.ocr_done} read, {c.ocr_dropped} dropped (queue "
            f"full), {c.ocr_failed} failed; {c.secrets_redacted} secrets redacted.\n"
            f"{c.segments} activity segments, {c.observations} observations, "
            f"{c.memories} memories added or updated.\n"
        )
    return 0


def cmd_status(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    home = Home.resolve(args.home)
    now = healthfile.utcnow()
    health = healthfile.read_status(home.capture_status_path)
    paused = healthfile.read_pause(home.capture_pause_path, now)
    data: dict[str, Any] = {}
    if health is None:
        data.update(state="stopped", message="capture has never run in this profile")
    else:
        state, message = health.verdict(now, alive=healthfile.pid_alive(health.pid))
        data.update(json.loads(health.to_json()))
        data.update(state=state.value, message=message)
    if paused is not None:
        data["paused"] = paused.describe(now)
    with opened(args) as (store, _settings, _home):
        frames, size = frames_footprint(store)
        span = store.conn.execute("SELECT min(time), max(time) FROM frames").fetchone()
        segs = store.conn.execute("SELECT count(*), count(observation_id) FROM segments").fetchone()
    data["stored"] = {
        "frames": frames,
        "bytes": size,
        "oldest": span[0],
        "newest": span[1],
        "segments": segs[0],
        "observations": segs[1],
    }
    if args.json:
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
        return 0
    out.write(f"Capture: {data['state']} ({data['message']})\n")
    if "paused" in data:
        out.write(f"Pause: {data['paused']}\n")
    if health is not None:
        c = health.counters
        out.write(
            f"Last run: {c.ticks} checks, {c.unchanged} unchanged, {c.frames_kept} frames kept, "
            f"{c.masked_windows} windows masked, {c.excluded_focus} excluded in focus, OCR "
            f"{c.ocr_done} done / {c.ocr_dropped} dropped / {c.ocr_failed} failed, "
            f"{c.errors} errors\n"
        )
        if health.last_error:
            out.write(f"Last problem: {health.last_error}\n")
    stored = data["stored"]
    out.write(
        f"Stored: {stored['frames']} frames ({stored['bytes'] / 1e6:.1f} MB), "
        f"{stored['segments']} segments, {stored['observations']} screen observations"
    )
    if stored["oldest"]:
        out.write(f", from {stored['oldest'][:16]} to {stored['newest'][:16]}")
    out.write("\n")
    return 0


def cmd_pause(args: argparse.Namespace, out: TextIO) -> int:
    home = Home.resolve(args.home)
    home.ensure()
    now = healthfile.utcnow()
    duration = parse_duration(args.duration) if args.duration else None
    pause = healthfile.pause(home.capture_pause_path, now, duration)
    out.write(f"Capture {pause.describe(now)}.\n")
    return 0


def cmd_resume(args: argparse.Namespace, out: TextIO) -> int:
    home = Home.resolve(args.home)
    was = healthfile.resume(home.capture_pause_path)
    out.write("Capture resumed.\n" if was else "Capture was not paused.\n")
    return 0


def cmd_prune(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    with opened(args) as (store, settings, home):
        cap = settings.capture
        report = prune_by_settings(store, home.frames_dir, cap, datetime.now().astimezone())
        frames, size = frames_footprint(store)
    out.write(
        f"Deleted {report.frames} frames ({report.bytes / 1e6:.1f} MB): {report.by_age} older "
        f"than {cap.retention_days:g} days, {report.by_size} over the {cap.retention_gb:g} GB cap. "
        f"{frames} frames ({size / 1e6:.1f} MB) remain; memories are never pruned.\n"
    )
    return 0


def cmd_search(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    query = " ".join(args.query).strip()
    if not query:
        raise InvalidInputError("say what to look for: mnemo capture search WORDS")
    with opened(args) as (store, _settings, _home):
        hits = find_frames(store, query, args.limit)
    for hit in hits:
        if args.json:
            row = {
                "frame": hit.id,
                "time": hit.time.isoformat(),
                "app": hit.app,
                "title": hit.title,
                "path": hit.path,
                "snippet": hit.snippet,
                "boxes": [[b.x, b.y, b.width, b.height] for b in hit.boxes],
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            when = hit.time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            where = " - ".join(x for x in (hit.app, hit.title) if x) or "no window"
            out.write(f"{when}  {where}\n    {hit.snippet}  ({len(hit.boxes)} words marked)\n")
    if not hits and not args.json:
        out.write("No stored screen shows those words.\n")
    return 0


def add_parser(sub: Any, opened: Opener) -> None:
    p = sub.add_parser(
        "capture", help="screen capture: once, run, status, search, pause, resume, prune"
    )
    csub = p.add_subparsers(dest="capture_command", metavar="ACTION", required=True)
    c = csub.add_parser("once", help="grab the screen now and print what was kept")
    c.add_argument("--lines", type=int, default=20, help="how many lines of read text to print")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=lambda args, out: cmd_once(args, out, opened))
    c = csub.add_parser("run", help="run the capture monitor in the foreground")
    c.add_argument(
        "--for", dest="seconds", type=float, metavar="SECONDS", help="stop after this long"
    )
    c.add_argument("--json", action="store_true", help="print the final counters as JSON")
    c.set_defaults(func=lambda args, out: cmd_run(args, out, opened))
    c = csub.add_parser("status", help="is capture recording, and what is stored")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=lambda args, out: cmd_status(args, out, opened))
    c = csub.add_parser("pause", help="pause capture (for a while, or until resumed)")
    c.add_argument(
        "--for", dest="duration", metavar="DURATION", help="e.g. 15m, 1h; default: until resumed"
    )
    c.set_defaults(func=cmd_pause)
    c = csub.add_parser("resume", help="resume paused capture")
    c.set_defaults(func=cmd_resume)
    c = csub.add_parser("search", help="find stored screens by the words that were on them")
    c.add_argument("query", nargs="*")
    c.add_argument("--limit", type=int, default=20)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=lambda args, out: cmd_search(args, out, opened))
    c = csub.add_parser("prune", help="apply the frame retention limits now")
    c.set_defaults(func=cmd_prune)

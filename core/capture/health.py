"""Capture health: counters, the state the tray shows, and the control files shared with the CLI.

The monitor counts everything it does (ticks, unchanged skips, masked windows, frames kept, OCR
done and dropped...) and writes the counters with its state to a small status file, so `mnemo
capture status` (another process) and the tray can show them. The verdict is driven by the last
frame actually written, not by the loop being alive: a loop that ticks but has not written a frame
since the screen last changed is reported as stalled. The status file holds no captured text (no
titles, no words), only numbers and times. Pausing goes through a second file, so `mnemo capture
pause` reaches a monitor running in another process (the GUI's tray pauses its in-process monitor
through the same function).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.files import write_atomic


class State(StrEnum):
    STARTING = "starting"
    RECORDING = "recording"
    PAUSED = "paused"
    LOCKED = "locked"
    EXCLUDED = "excluded"  # the focused window is excluded: nothing is kept
    DISK_FULL = "disk-full"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass
class Counters:
    ticks: int = 0
    unchanged: int = 0
    layout_changed: int = 0
    excluded_focus: int = 0
    masked_windows: int = 0
    frames_kept: int = 0
    frame_bytes: int = 0
    ocr_done: int = 0
    ocr_dropped: int = 0
    ocr_failed: int = 0
    secrets_redacted: int = 0
    segments: int = 0
    observations: int = 0
    memories: int = 0
    frames_pruned: int = 0
    errors: int = 0


@dataclass
class Health:
    """What the monitor is doing, for the CLI status line, `capture status` and the tray."""

    state: State = State.STARTING
    message: str = ""
    pid: int = field(default_factory=os.getpid)
    started_at: datetime | None = None
    last_tick_at: datetime | None = None
    last_change_at: datetime | None = None  # the gate last saw the screen change
    last_frame_at: datetime | None = None  # a frame file was last written
    interval: float = 0.0
    last_error: str = ""  # the latest problem behind the loop (a record not saved, ...)
    last_error_at: datetime | None = None
    counters: Counters = field(default_factory=Counters)

    def problem(self, message: str) -> None:
        """Count and remember a problem that does not stop capture (shown by the status)."""
        self.counters.errors += 1
        self.last_error = message
        self.last_error_at = datetime.now(UTC)

    def to_json(self) -> str:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Health:
        data = json.loads(text)
        known = {f.name for f in fields(Counters)}
        counters = Counters(
            **{k: int(v) for k, v in data.get("counters", {}).items() if k in known}
        )
        times = {
            name: datetime.fromisoformat(data[name]) if data.get(name) else None
            for name in (
                "started_at",
                "last_tick_at",
                "last_change_at",
                "last_frame_at",
                "last_error_at",
            )
        }
        return cls(
            state=State(data.get("state", State.STOPPED)),
            message=str(data.get("message", "")),
            pid=int(data.get("pid", 0)),
            interval=float(data.get("interval", 0.0)),
            last_error=str(data.get("last_error", "")),
            counters=counters,
            **times,
        )

    def verdict(self, now: datetime, alive: bool = True, grace: float = 30.0) -> tuple[State, str]:
        """The state to show and one line explaining it, judged from the last frame written."""
        last = _ago(self.last_frame_at, now)
        if not alive:
            return State.STOPPED, f"not running; last frame written {last}"
        silent = (now - self.last_tick_at).total_seconds() if self.last_tick_at else 0.0
        if silent > grace + 2 * max(self.interval, 1.0):
            return State.ERROR, f"not responding: no screen check for {int(silent)} s"
        if self.state in (State.PAUSED, State.LOCKED, State.EXCLUDED, State.DISK_FULL, State.ERROR):
            return self.state, self.message or self.state.value
        if self.last_frame_at is None:
            if self.started_at and (now - self.started_at).total_seconds() > grace + self.interval:
                return State.ERROR, "running, but no frame has been written yet"
            return State.STARTING, "starting"
        behind = self.last_change_at is not None and self.last_change_at > self.last_frame_at
        if behind and (now - self.last_frame_at).total_seconds() > grace + self.interval:
            return State.ERROR, (
                f"stalled: the screen changed {_ago(self.last_change_at, now)} but no frame has "
                f"been written since {last}"
            )
        return State.RECORDING, f"recording; last frame written {last}"


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return when.astimezone().strftime("at %Y-%m-%d %H:%M")


def write_status(path: Path, health: Health) -> None:
    """Publish the monitor's health for other processes (no captured text in it)."""
    write_atomic(path, health.to_json() + "\n", mode=0o600)


def read_status(path: Path) -> Health | None:
    """The last published health, or None if no monitor ever ran (or the file is unreadable)."""
    try:
        return Health.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (the monitor that wrote a status file)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Pause:
    """A pause request: until a time, or until resumed (`until` None)."""

    since: datetime
    until: datetime | None

    def active(self, now: datetime) -> bool:
        return self.until is None or now < self.until

    def describe(self, now: datetime) -> str:
        if self.until is None:
            return "paused until resumed"
        left = self.until - now
        return f"paused for {_duration(left)} more (until {self.until.astimezone():%H:%M})"


def _duration(delta: timedelta) -> str:
    minutes = max(0, round(delta.total_seconds() / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def pause(path: Path, now: datetime, duration: timedelta | None) -> Pause:
    """Pause capture for `duration` (None: until resumed)."""
    until = None if duration is None else now + duration
    data: dict[str, Any] = {
        "since": now.isoformat(),
        "until": until.isoformat() if until else None,
    }
    write_atomic(path, json.dumps(data) + "\n", mode=0o600)
    return Pause(now, until)


def resume(path: Path) -> bool:
    """Resume capture; False if it was not paused."""
    existed = path.exists()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return existed


def read_pause(path: Path, now: datetime) -> Pause | None:
    """The pause in force at `now`, or None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        since = datetime.fromisoformat(data["since"])
        until = datetime.fromisoformat(data["until"]) if data.get("until") else None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError):
        # An unreadable pause file errs on the side of privacy: paused until resumed.
        return Pause(now, None)
    found = Pause(since, until)
    return found if found.active(now) else None


def utcnow() -> datetime:
    return datetime.now(UTC)

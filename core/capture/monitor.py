"""The capture monitor: one tick grabs, masks, gates, keeps and queues; threads do the slow parts.

A tick runs on the caller's thread (the CLI's main thread, or the GUI's capture worker) and does
only cheap things: check pause, lock and free disk; snapshot the windows; skip everything if the
focused window is excluded; grab all monitors; snapshot again (a window that moved or retitled
during the grab could leave private pixels unmasked, so such a grab is thrown away and retried at
once); black out excluded windows in the pixels; compare with the last stored frame. Only a
changed screen (or a new window, or a forced grab) is kept: a WebP thumbnail is encrypted and
written, the crop worth reading (the changed region within the focused window, or the whole
focused window after a switch) goes to the bounded OCR queue, and a record goes to the recorder
thread, which owns the database. The wait between ticks grows while nothing changes and snaps back
on a change; a focus change ends the wait at once, and so does a tick another thread asks for
(`request_tick`: the tray's "capture now", or a pause the loop should honour straight away).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from core.capture import health as healthfile
from core.capture.desktop import Desktop, DesktopState, Rect, Window
from core.capture.exclusions import ExclusionRules
from core.capture.frames import KEY_INFO, FrameCipher, thumbnail
from core.capture.gate import ChangeGate, signature
from core.capture.health import Health, State
from core.capture.mask import mask_excluded
from core.capture.ocr import OcrJob, OcrQueue, Reading, read_image
from core.capture.recorder import (
    FrameKept,
    Ingest,
    OcrFinished,
    Recorder,
    SegmentClosed,
    SegmentOpened,
)
from core.capture.retention import PruneReport, prune_by_settings
from core.capture.screen import Grab, Screen, ScreenGrabError
from core.errors import CaptureUnavailableError
from core.files import write_atomic
from core.home import Home
from core.memory import uuid7
from core.pipeline.redaction import redact
from core.settings import CaptureSettings
from core.store import Store

log = logging.getLogger(__name__)

OCR_MARGIN = 24  # pixels around a changed region, so words cut by the sampling grid are read whole
STATUS_EVERY = 5.0  # seconds between status file writes while nothing else changes
PRUNE_EVERY = timedelta(minutes=10)
RETRY_SOON = 0.25  # seconds before grabbing again after the windows moved during a grab
MAX_ERRORS = 10  # consecutive failed ticks before the monitor gives up
WAKE_POLL = 0.2  # seconds between checks for a requested tick while waiting (capture now, pause)


@dataclass(frozen=True)
class Tick:
    """What one tick did."""

    outcome: str  # kept, unchanged, paused, locked, excluded, disk-full, layout-changed, error
    detail: str = ""
    frame: FrameKept | None = None
    change: float = 0.0
    masked: int = 0


@dataclass
class _Segment:
    id: str
    key: tuple[str | None, str | None]
    start: datetime


class Monitor:
    """Screen capture for one store: call `tick` yourself, or `run` the loop; `close` when done."""

    def __init__(
        self,
        store: Store,
        home: Home,
        settings: CaptureSettings,
        desktop: Desktop,
        screen: Callable[[], Screen],
        ingest: Ingest | None = None,
        clock: Callable[[], datetime] = healthfile.utcnow,
        read: Callable[[OcrJob], Reading] | None = None,
        disk_free: Callable[[], int] | None = None,
    ) -> None:
        self.store = store
        self.home = home
        self.settings = settings
        self.desktop = desktop
        self.clock = clock
        self.rules = ExclusionRules.from_settings(settings)
        self.health = Health(started_at=clock(), interval=settings.interval)
        self.interval = settings.interval
        self.gate = ChangeGate()
        self.frames_dir = home.frames_dir
        self.frames_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = _single_instance(home.data_dir / "capture.lock")
        self.cipher = FrameCipher(store.derive_key(KEY_INFO))
        self._screen_factory = screen
        self._screen: Screen | None = None
        self._disk_free = disk_free or (lambda: shutil.disk_usage(self.frames_dir).free)
        self._segment: _Segment | None = None
        self._errors = 0
        self._last_status = 0.0
        self._next_prune: datetime | None = None
        self._closed = False
        # Ticks asked for by other threads (the tray's "capture now", a pause or resume): each is
        # (force, callback for that tick's result), served by the loop on its own thread.
        self._requests: list[tuple[bool, Callable[[Tick], None] | None]] = []
        self._requests_lock = threading.Lock()
        self._wake = threading.Event()
        self.recorder = Recorder(
            store, self.frames_dir, self.cipher, self.health, ingest, settings.thumbnail_quality
        )
        started = self.clock()
        self.recorder.call(lambda: self.recorder.recover(started))
        self._read = read or self._tesseract
        self.ocr = OcrQueue(settings.ocr_queue, self._read, self._ocr_result, self._ocr_dropped)

    # -- OCR callbacks (OCR thread / grabber thread) -----------------------------------------
    def _tesseract(self, job: OcrJob) -> Reading:
        return read_image(
            job.image, job.offset, self.settings.ocr_language, self.settings.ocr_min_confidence
        )

    def _ocr_result(self, job: OcrJob, reading: Reading | None) -> None:
        if reading is None:
            self.health.counters.ocr_failed += 1
        else:
            self.health.counters.ocr_done += 1
        self.recorder.put(OcrFinished(job.frame_id, reading))

    def _ocr_dropped(self, job: OcrJob) -> None:
        self.health.counters.ocr_dropped += 1
        self.recorder.put(OcrFinished(job.frame_id, None, dropped=True))

    # -- one tick ----------------------------------------------------------------------------
    def tick(self, force: bool = False, focus_changed: bool = False) -> Tick:
        """Look at the screen once; keep a frame if it changed (always, with `force`)."""
        now = self.clock()
        self.health.counters.ticks += 1
        self.health.last_tick_at = now
        paused = healthfile.read_pause(self.home.capture_pause_path, now)
        if paused is not None:
            return self._idle(State.PAUSED, "paused", paused.describe(now))
        free = self._disk_free()
        floor = int(self.settings.min_free_gb * 1e9)
        if free < floor:
            return self._idle(
                State.DISK_FULL,
                "disk-full",
                f"stopped: only {free / 1e6:.0f} MB free on the disk, below the "
                f"{self.settings.min_free_gb:g} GB floor (capture.min_free_gb); free some space",
            )
        before = self.desktop.snapshot()
        if before.locked and self.settings.pause_on_lock:
            return self._idle(State.LOCKED, "locked", "paused while the session is locked")
        focused = before.focused
        if focused is not None and (reason := self.rules.excludes(focused)):
            self.health.counters.excluded_focus += 1
            return self._idle(State.EXCLUDED, "excluded", f"not recording: {reason} in focus")
        try:
            grab = self._grab()
        except ScreenGrabError as exc:
            return self._failed(f"cannot grab the screen: {exc}")
        after = self.desktop.snapshot()
        if after.layout() != before.layout():
            self.health.counters.layout_changed += 1
            self.interval = RETRY_SOON
            return Tick("layout-changed", "windows changed during the grab; grabbing again")
        masked = mask_excluded(grab.pixels, grab.origin, before.windows, self.rules.excludes)
        self.health.counters.masked_windows += masked.count
        sig = signature(grab)
        change = self.gate.compare(grab, sig)
        segment = self._segment
        switched = segment is None or segment.key != _key(focused)
        changed = change.fraction > self.settings.change_threshold
        if changed or switched:
            self.health.last_change_at = now
        wanted = force or switched or focus_changed or changed
        if not wanted:
            self.health.counters.unchanged += 1
            self.interval = min(
                self.settings.max_interval,
                max(self.interval, self.settings.interval) * self.settings.backoff,
            )
            self._set_state(State.RECORDING, "")
            return Tick(
                "unchanged",
                f"{change.fraction:.2%} of the screen changed",
                change=change.fraction,
                masked=masked.count,
            )
        frame = self._keep(
            grab, before, change.region, switched or change.first or force, now, masked.count
        )
        if frame is None:
            return Tick("disk-full", self.health.message, masked=masked.count)
        self.gate.accept(grab, sig)
        self.interval = self.settings.interval
        self._errors = 0
        self._set_state(State.RECORDING, "")
        return Tick("kept", frame.path, frame, change.fraction, masked.count)

    def _grab(self) -> Grab:
        if self._screen is None:
            self._screen = self._screen_factory()
        return self._screen.grab()

    def _keep(
        self,
        grab: Grab,
        state: DesktopState,
        changed: Rect,
        whole: bool,
        now: datetime,
        masked: int,
    ) -> FrameKept | None:
        focused = state.focused
        segment = self._segment_for(focused, now)
        frame_id = uuid7()
        webp, scale = thumbnail(
            grab.pixels, self.settings.thumbnail_width, self.settings.thumbnail_quality
        )
        rel = f"{now:%Y/%m/%d}/{frame_id}.mnf"
        blob = self.cipher.seal(frame_id, webp)
        try:
            write_atomic(self.frames_dir / rel, blob)
        except OSError as exc:
            self.health.counters.errors += 1
            self._set_state(
                State.DISK_FULL, f"stopped: a frame could not be written ({exc.strerror})"
            )
            return None
        self.health.counters.frames_kept += 1
        self.health.counters.frame_bytes += len(blob)
        self.health.last_frame_at = now
        region = self._ocr_region(grab, focused, changed, whole)
        height, width = _thumb_size(grab, scale)
        frame = FrameKept(
            id=frame_id,
            segment_id=segment.id,
            time=now,
            path=rel,
            bytes=len(blob),
            width=width,
            height=height,
            scale=scale,
            screen=grab.origin,
            app=focused.app if focused else None,
            title=segment.key[1],
            masked=masked,
            ocr="pending" if region is not None else "skipped",
            ocr_region=region,
        )
        self.recorder.put(frame)
        if region is not None:
            self.ocr.put(OcrJob(frame_id, grab.crop(region), (region.x, region.y)))
        return frame

    def _ocr_region(
        self, grab: Grab, focused: Window | None, changed: Rect, whole: bool
    ) -> Rect | None:
        if not self.settings.ocr:
            return None
        area = focused.rect.intersect(grab.origin) if focused else grab.origin
        region = area if whole else changed.grow(OCR_MARGIN).intersect(area)
        return None if region.empty else region

    def _segment_for(self, focused: Window | None, now: datetime) -> _Segment:
        key = _key(focused)
        current = self._segment
        too_long = current is not None and now - current.start > timedelta(
            minutes=self.settings.segment_minutes
        )
        if current is None or current.key != key or too_long:
            self.close_segment(now)
            current = _Segment(uuid7(), key, now)
            self._segment = current
            self.recorder.put(SegmentOpened(current.id, key[0], key[1], now))
        return current

    def close_segment(self, now: datetime | None = None) -> None:
        """End the current activity segment (focus left it, capture paused or stopped)."""
        if self._segment is not None:
            self.recorder.put(SegmentClosed(self._segment.id, now or self.clock()))
            self._segment = None

    def _idle(self, state: State, outcome: str, message: str) -> Tick:
        self.close_segment()
        self.gate.reset()
        self.interval = self.settings.interval
        self._set_state(state, message)
        return Tick(outcome, message)

    def _failed(self, message: str) -> Tick:
        self._errors += 1
        self.health.counters.errors += 1
        self._set_state(State.ERROR, message)
        return Tick("error", message)

    def _set_state(self, state: State, message: str) -> None:
        changed = state != self.health.state
        self.health.state = state
        self.health.message = message
        self.health.interval = self.interval
        if changed:
            self.publish(force=True)

    # -- the loop ----------------------------------------------------------------------------
    def publish(self, force: bool = False) -> None:
        """Write the status file (at most every few seconds unless `force`)."""
        mono = time.monotonic()
        if not force and mono - self._last_status < STATUS_EVERY:
            return
        self._last_status = mono
        try:
            healthfile.write_status(self.home.capture_status_path, self.health)
        except OSError as exc:
            log.warning("capture status not written: %s", exc.strerror)

    def prune(self, wait: bool = True) -> PruneReport:
        """Apply the retention limits on the recorder thread; with `wait`, return what went."""
        result: list[PruneReport] = []

        def run() -> None:
            report = prune_by_settings(self.store, self.frames_dir, self.settings, self.clock())
            self.health.counters.frames_pruned += report.frames
            result.append(report)

        self.recorder.call(run)
        if not wait:  # the grabber never waits for the database
            return PruneReport()
        self.recorder.flush()
        return result[0] if result else PruneReport()

    def request_tick(self, force: bool = False, done: Callable[[Tick], None] | None = None) -> None:
        """From any thread: the running loop ticks now (`force`: keeps a frame), `done` gets the Tick."""
        with self._requests_lock:
            self._requests.append((force, done))
        self._wake.set()

    def _take_requests(self) -> list[tuple[bool, Callable[[Tick], None] | None]]:
        self._wake.clear()
        with self._requests_lock:
            requests, self._requests = self._requests, []
        return requests

    def run(
        self,
        stop: threading.Event | None = None,
        duration: float | None = None,
        on_tick: Callable[[Tick, Health], None] | None = None,
    ) -> Health:
        """Capture until `stop` is set or `duration` seconds passed; close everything after."""
        stop = stop or threading.Event()
        end = None if duration is None else time.monotonic() + duration
        focus_changed = False
        try:
            while not stop.is_set():
                now = self.clock()
                if self._next_prune is None or now >= self._next_prune:
                    self._next_prune = now + PRUNE_EVERY
                    self.prune(wait=False)
                requests = self._take_requests()
                force = any(forced for forced, _ in requests)
                try:
                    result = self.tick(force=force, focus_changed=focus_changed)
                except CaptureUnavailableError:
                    raise
                except Exception as exc:  # a backend bug: report, retry
                    log.warning("capture tick failed (%s)", type(exc).__name__)
                    result = self._failed(f"capture failed ({type(exc).__name__})")
                if result.outcome != "error":
                    self._errors = 0  # MAX_ERRORS counts consecutive failures only
                if self._errors >= MAX_ERRORS:
                    raise CaptureUnavailableError(
                        f"capture stopped after repeated errors: {self.health.message}"
                    )
                self.publish()
                if on_tick is not None:
                    on_tick(result, self.health)
                if result.outcome == "layout-changed" and requests:
                    # The windows moved during the grab: the next tick (RETRY_SOON) answers them.
                    with self._requests_lock:
                        self._requests[:0] = requests
                else:
                    for _, done in requests:
                        if done is not None:
                            done(result)
                focus_changed = self._wait(stop, end)
                if end is not None and time.monotonic() >= end:
                    break
        finally:
            self.close()
        return self.health

    def _wait(self, stop: threading.Event, end: float | None) -> bool:
        """Sleep until the next tick; True if the focused window changed meanwhile."""
        deadline = time.monotonic() + self.interval
        while not stop.is_set() and not self._wake.is_set():
            mono = time.monotonic()
            left = min(deadline, end if end is not None else deadline) - mono
            if left <= 0:
                return False
            if self.desktop.wait_for_focus_change(min(WAKE_POLL, left)):
                return True
        return False

    def wait_idle(self, timeout: float | None = None) -> None:
        """Wait until queued OCR is read and every record is in the database."""
        self.ocr.join(timeout)
        self.recorder.flush()

    def close(self, drain_timeout: float = 120.0) -> None:
        """Stop: end the segment, read what is queued, record everything, finish the segments."""
        if self._closed:
            return
        self._closed = True
        self.close_segment()
        self.ocr.stop(drain=True, timeout=drain_timeout)
        self.recorder.flush()
        self.recorder.stop()
        if self._screen is not None:
            self._screen.close()
        self.health.state = State.STOPPED
        self.health.message = ""
        self.publish(force=True)
        self._lock.close()


def _key(focused: Window | None) -> tuple[str | None, str | None]:
    """A segment's identity: the application and the window title, secrets redacted."""
    if focused is None:
        return (None, None)
    return (focused.app, redact(focused.title).text)


def _single_instance(path: Path) -> IO[str]:
    """Hold the profile's capture lock, so two monitors never record the same screen twice."""
    handle = path.open("a+", encoding="utf-8")
    try:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # no flock on this platform: capture is X11-only for now anyway
        pass
    except OSError:
        handle.close()
        raise CaptureUnavailableError(
            "capture is already running for this profile (the tray or 'mnemo capture run'); "
            "stop it first, or use 'mnemo capture status'"
        ) from None
    return handle


def _thumb_size(grab: Grab, scale: float) -> tuple[int, int]:
    height, width = grab.pixels.shape[:2]
    return max(1, round(height * scale)), max(1, round(width * scale))

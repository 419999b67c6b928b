"""The desktop app's screen capture: the core monitor on its own thread, its health on the GUI's.

`CaptureController` runs `core.capture.monitor.Monitor.run` on a thread of its own, wired as the
command line wires it (`app.capture_commands.monitor_for`: the session's desktop, mss, the memory
pipeline) but with the app's one shared model and with its own connection to the store
(`ctx.store.sibling()`), so the capture recorder never waits behind the GUI's lanes on one
connection. The capture thread never touches Qt objects except to emit signals, which are queued
to the GUI thread: one per tick with a copy of the monitor's health, one when the thread ends. A
one-second timer republishes the state, so "last frame 12 s ago" stays true and a pause made by
`mnemo capture pause` in a terminal shows at once. Pausing goes through the same pause file as the
command line, so `mnemo capture status` agrees with the tray; pause, resume and "capture now" then
ask the running loop for a tick (`Monitor.request_tick`), which it serves on its own thread. A
settings change that touches capture restarts the monitor once the old one has drained its OCR
queue and recorded everything; capture that cannot start (no display, no tesseract, another
monitor already running) becomes an error state with its one-line reason, and the app goes on.
"""

from __future__ import annotations

import copy
import logging
import threading
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from app.capture_commands import MAX_PAUSE_MINUTES, monitor_with
from app.gui.context import AppContext
from app.qt import QObject, Qt, QTimer, Signal, Slot
from core.capture import health as healthfile
from core.capture.health import Health, Pause, State
from core.capture.monitor import Tick
from core.errors import CaptureUnavailableError, InvalidInputError, MnemoError
from core.home import Home
from core.settings import Settings, describe
from core.store import Store

log = logging.getLogger(__name__)

PUBLISH_MS = 1000
ENABLED_DOC = dict((name, doc) for name, _default, doc in describe())["capture.enabled"]
OFF_MESSAGE = f"capture is off; to turn it on, tick “{ENABLED_DOC.rstrip('.')}” in Settings"
NOT_KEPT = {  # for a tick that came back without a detail of its own
    "paused": "capture is paused",
    "locked": "the session is locked",
    "unchanged": "the screen did not change",
}


class CaptureMonitor(Protocol):
    """What the controller needs of a monitor (`core.capture.monitor.Monitor`, or a test's)."""

    health: Health

    def run(
        self,
        stop: threading.Event | None = None,
        duration: float | None = None,
        on_tick: Callable[[Tick, Health], None] | None = None,
    ) -> Health: ...

    def request_tick(self, force: bool = False, done: Callable[[Tick], None] | None = None) -> None:
        """Have the running loop tick now, from another thread."""
        ...


MonitorFactory = Callable[[Store, Settings, Home], AbstractContextManager[CaptureMonitor]]


@dataclass(frozen=True)
class CaptureStatus:
    """What capture is doing, as the tray and the status bar show it."""

    state: State
    message: str  # one line, e.g. "recording; last frame written 12 s ago"
    paused_until: datetime | None = None  # the end of a timed pause
    last_frame_at: datetime | None = None

    @property
    def line(self) -> str:
        """The message as a sentence (capitalised) for a menu or a label."""
        return self.message[:1].upper() + self.message[1:]


def snapshot(health: Health) -> Health:
    """A copy of a live health object, safe to hand to another thread."""
    return replace(health, counters=replace(health.counters))


def _capture_key(settings: Settings) -> tuple[Any, ...]:
    """The settings a running monitor was built from: a change to any of them restarts it."""
    return (
        settings.capture,
        settings.chat.user_names,
        settings.chat.assistant_names,
        settings.pipeline,
        bool(settings.models.base),
    )


class _CaptureRun:
    """One monitor's life on the capture thread; `number` tells its late signals apart."""

    def __init__(self, number: int, settings: Settings) -> None:
        self.number = number
        self.settings = settings
        self.key = _capture_key(settings)
        self.stop = threading.Event()
        self.monitor: CaptureMonitor | None = None  # set by the capture thread once built
        self.health: Health | None = None  # the latest copy delivered to the GUI thread
        self.started_at = healthfile.utcnow()
        self.thread: threading.Thread | None = None


class CaptureController(QObject):
    """Runs screen capture in the background while the app is open; publishes its health."""

    status_changed = Signal(object)  # CaptureStatus, at every tick and every second
    captured = Signal(str)  # what "capture now" did, in one line
    _ticked = Signal(int, object)  # run number, Health copy (from the capture thread)
    _ended = Signal(int, str)  # run number, why it stopped ("" when asked to)
    _answered = Signal(object)  # the Tick a "capture now" got

    def __init__(self, ctx: AppContext, monitor_factory: MonitorFactory | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self._factory: MonitorFactory = monitor_factory or self._desktop_monitor
        self._run: _CaptureRun | None = None
        self._runs = 0
        self._error = ""
        self._restart = False
        self._closed = False
        queued = Qt.ConnectionType.QueuedConnection
        self._ticked.connect(self._on_tick, queued)
        self._ended.connect(self._on_end, queued)
        self._answered.connect(self._on_answer, queued)
        ctx.events.settings_changed.connect(self._settings_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(PUBLISH_MS)
        self._timer.timeout.connect(self.publish)

    def _desktop_monitor(
        self, store: Store, settings: Settings, home: Home
    ) -> AbstractContextManager[CaptureMonitor]:
        return monitor_with(store, settings, home, self.ctx.shared_llm())  # one shared model

    # -- starting and stopping ---------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while a monitor is looping (so "capture now" can be served)."""
        return self._run is not None and self._run.monitor is not None

    def start(self) -> None:
        """Start capturing in the background if the settings say so (nothing if it already runs)."""
        self._closed = False
        self._timer.start()
        if self._run is None and self.ctx.settings.capture.enabled:
            self._launch()
        self.publish()

    def restart(self) -> None:
        """Try again after capture failed to start (or stopped on an error)."""
        self._error = ""
        if self._run is None:
            self.start()
        else:
            self._restart = True
            self._run.stop.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop capture and wait while the monitor reads what is queued and records it (quit, lock)."""
        self._closed = True
        self._restart = False
        self._timer.stop()
        run, self._run = self._run, None
        if run is not None:
            run.stop.set()
            if run.thread is not None:
                run.thread.join(timeout)
        self.publish()

    def _launch(self) -> None:
        self._runs += 1
        self._error = ""
        run = _CaptureRun(self._runs, copy.deepcopy(self.ctx.settings))
        run.thread = threading.Thread(
            target=self._capture, args=(run,), name="mnemo-capture", daemon=True
        )
        self._run = run
        run.thread.start()

    def _capture(self, run: _CaptureRun) -> None:
        """The capture thread: build the monitor on its own connection, loop, drain, close."""
        error = ""
        try:
            with (
                self.ctx.store.sibling() as store,
                self._factory(store, run.settings, self.ctx.home) as monitor,
            ):
                run.monitor = monitor
                if not run.stop.is_set():
                    monitor.run(
                        run.stop, on_tick=lambda _tick, health: self._tell_tick(run, health)
                    )
        except MnemoError as exc:
            error = exc.message
        except Exception as exc:
            # Frames only: an exception's message can quote captured text, and logs never do.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("capture stopped by a bug (%s):\n%s", type(exc).__name__, frames)
            error = f"capture stopped because of a bug in Mnemo ({type(exc).__name__})"
        finally:
            run.monitor = None
            self._send(self._ended, run.number, error)

    def _tell_tick(self, run: _CaptureRun, health: Health) -> None:
        self._send(self._ticked, run.number, snapshot(health))

    @staticmethod
    def _send(signal: Any, *args: object) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the controller was deleted without stop(): nobody left to tell
            pass

    @Slot(int, object)
    def _on_tick(self, number: int, health: Health) -> None:
        run = self._run
        if run is not None and run.number == number:
            run.health = health
            self.publish()

    @Slot(int, str)
    def _on_end(self, number: int, error: str) -> None:
        run = self._run
        if run is None or run.number != number:
            return  # a run stop() already waited for
        self._run = None
        if error:
            self._error = error
            self.ctx.events.status_message.emit(f"Capture is not running: {error}")
        if self._restart and not self._closed:
            self._restart = False
            if self.ctx.settings.capture.enabled:
                self._launch()
        self.publish()

    @Slot()
    def _settings_changed(self) -> None:
        if self._closed:
            return
        settings = self.ctx.settings
        run = self._run
        if run is not None:
            if settings.capture.enabled and run.key == _capture_key(settings):
                return
            # Restart (or just stop) once this monitor has drained: two never hold the lock.
            self._restart = True
            run.stop.set()
        elif settings.capture.enabled:
            self._launch()
        else:
            self._error = ""
        self.publish()

    # -- pause, resume, capture now ----------------------------------------------------------
    def paused(self) -> Pause | None:
        """The pause in force now (made here or by `mnemo capture pause`), or None."""
        return healthfile.read_pause(self.ctx.home.capture_pause_path, healthfile.utcnow())

    def pause(self, minutes: float | None = None) -> Pause:
        """Pause capture for `minutes` (None: until resumed), through the file the CLI reads."""
        if minutes is not None and not (0 < minutes <= MAX_PAUSE_MINUTES):  # refuses nan too
            raise InvalidInputError(
                f"a pause must last more than 0 minutes and at most 30 days, not {minutes:g}; "
                "to pause for longer, pause until resumed"
            )
        now = healthfile.utcnow()
        duration = None if minutes is None else timedelta(minutes=minutes)
        path = self.ctx.home.capture_pause_path
        try:
            pause = healthfile.pause(path, now, duration)
        except OSError as exc:
            raise CaptureUnavailableError(
                f"capture could not be paused: {path} cannot be written ({exc.strerror}); "
                "capture goes on"
            ) from None
        self._poke()
        self.ctx.events.status_message.emit(f"Capture {pause.describe(now)}.")
        self.publish()
        return pause

    def resume(self) -> bool:
        """Resume paused capture; False if it was not paused."""
        path = self.ctx.home.capture_pause_path
        try:
            was = healthfile.resume(path)
        except OSError as exc:
            raise CaptureUnavailableError(
                f"capture could not be resumed: {path} cannot be removed ({exc.strerror})"
            ) from None
        self._poke()
        self.ctx.events.status_message.emit(
            "Capture resumed." if was else "Capture was not paused."
        )
        self.publish()
        return was

    def capture_now(self) -> bool:
        """Grab the screen now and keep a frame even if nothing changed; False if not running."""
        run = self._run
        monitor = run.monitor if run is not None else None
        if monitor is None:
            self._say(f"Nothing captured: {self.state().message}")
            return False
        monitor.request_tick(force=True, done=lambda tick: self._send(self._answered, tick))
        return True

    def _poke(self) -> None:
        """Have the running monitor look now, so a pause or resume takes effect at once."""
        run = self._run
        if run is not None and run.monitor is not None:
            run.monitor.request_tick()

    @Slot(object)
    def _on_answer(self, tick: Tick) -> None:
        if tick.outcome == "kept":
            self._say("Captured the screen: one frame kept")
        else:
            self._say(
                f"Nothing captured: {tick.detail or NOT_KEPT.get(tick.outcome, tick.outcome)}"
            )

    def _say(self, text: str) -> None:
        self.captured.emit(text)
        self.ctx.events.status_message.emit(text)

    # -- the state ---------------------------------------------------------------------------
    def health(self) -> Health | None:
        """The health to show now (state and message already judged); None when capture is off."""
        now = healthfile.utcnow()
        run = self._run
        if self._closed or not self.ctx.settings.capture.enabled:
            return None
        if run is None:
            if self._error:
                return Health(state=State.ERROR, message=self._error)
            return None
        health = run.health
        if health is None:  # built, but no tick yet
            health = Health(
                state=State.STARTING,
                started_at=run.started_at,
                interval=run.settings.capture.interval,
            )
        pause = self.paused()
        if pause is not None and health.state != State.ERROR:
            # The monitor sees a pause at its next tick; the tray shows it straight away.
            return replace(health, state=State.PAUSED, message=pause.describe(now))
        return health

    def state(self) -> CaptureStatus:
        """The verdict: recording, paused (until when), excluded, locked, disk-full, error or off."""
        health = self.health()
        if health is None:
            return CaptureStatus(State.STOPPED, OFF_MESSAGE)
        now = healthfile.utcnow()
        state, message = health.verdict(now)
        until = None
        if state == State.PAUSED:
            pause = self.paused()
            until = pause.until if pause is not None else None
        return CaptureStatus(state, message, until, health.last_frame_at)

    @Slot()
    def publish(self) -> None:
        """Tell the views: the status to the tray, the health on the event bus (None when off)."""
        run = self._run
        if run is not None and run.health is not None:
            told = run.health.state == State.PAUSED
            if told != (self.paused() is not None) and run.health.state != State.ERROR:
                self._poke()  # paused or resumed elsewhere (`mnemo capture ...`): look again now
        self.status_changed.emit(self.state())
        self.ctx.events.capture_health.emit(self.health())


__all__ = [
    "CaptureController",
    "CaptureMonitor",
    "CaptureStatus",
    "MonitorFactory",
    "snapshot",
]

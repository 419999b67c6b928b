"""A scripted capture monitor for the controller and tray tests (tests only).

`ScriptedMonitor` loops like `core.capture.monitor.Monitor.run`: it honours the real pause file
(so pausing through the controller is seen the way the real monitor sees it), keeps a frame on
its first tick and on every forced one, serves `request_tick` at once, and reports each tick.
`ScriptedFactory` hands one out per start, or raises the error a test gives it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from core.capture import health as healthfile
from core.capture.health import Health, State
from core.capture.monitor import Tick
from core.home import Home
from core.settings import Settings
from core.store import Store

TICK = 0.05


class ScriptedMonitor:
    """A monitor without a screen: ticks every 50 ms, frames are counted, not grabbed."""

    def __init__(self, home: Home, settings: Settings, store: Store) -> None:
        self.home = home
        self.settings = settings
        self.store = store
        self.health = Health(started_at=healthfile.utcnow(), interval=settings.capture.interval)
        self.forced = 0
        self.ran = False
        self.closed = False
        self.state = State.RECORDING  # what an unpaused tick reports (a test may change it)
        self._requests: list[tuple[bool, Callable[[Tick], None] | None]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def request_tick(self, force: bool = False, done: Callable[[Tick], None] | None = None) -> None:
        with self._lock:
            self._requests.append((force, done))
        self._wake.set()

    def tick(self, force: bool) -> Tick:
        now = healthfile.utcnow()
        self.health.counters.ticks += 1
        self.health.last_tick_at = now
        pause = healthfile.read_pause(self.home.capture_pause_path, now)
        if pause is not None:
            self.health.state, self.health.message = State.PAUSED, pause.describe(now)
            return Tick("paused", pause.describe(now))
        self.health.state, self.health.message = self.state, ""
        if self.state != State.RECORDING:
            return Tick(str(self.state), f"not recording ({self.state})")
        if force or self.health.last_frame_at is None:
            self.forced += force
            self.health.counters.frames_kept += 1
            self.health.last_frame_at = self.health.last_change_at = now
            return Tick("kept", "frame")
        self.health.counters.unchanged += 1
        return Tick("unchanged")

    def run(
        self,
        stop: threading.Event | None = None,
        duration: float | None = None,
        on_tick: Callable[[Tick, Health], None] | None = None,
    ) -> Health:
        stop = stop or threading.Event()
        self.ran = True
        try:
            while not stop.is_set():
                self._wake.clear()
                with self._lock:
                    requests, self._requests = self._requests, []
                result = self.tick(any(force for force, _ in requests))
                if on_tick is not None:
                    on_tick(result, self.health)
                for _, done in requests:
                    if done is not None:
                        done(result)
                self._wake.wait(TICK)
        finally:
            self.close()
        return self.health

    def close(self) -> None:
        self.closed = True
        self.health.state = State.STOPPED


class ScriptedFactory:
    """Builds a `ScriptedMonitor` per start (or raises `error`), remembering each."""

    def __init__(self) -> None:
        self.monitors: list[ScriptedMonitor] = []
        self.error: Exception | None = None

    @contextmanager
    def __call__(self, store: Store, settings: Settings, home: Home) -> Iterator[ScriptedMonitor]:
        if self.error is not None:
            raise self.error
        monitor = ScriptedMonitor(home, settings, store)
        self.monitors.append(monitor)
        try:
            yield monitor
        finally:
            monitor.close()

    @property
    def last(self) -> ScriptedMonitor:
        return self.monitors[-1]

"""Ticks asked for by another thread (the tray's "capture now", a pause): the running loop serves
them at once, on its own thread, and answers each with that tick's result."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from core.capture.monitor import Monitor, Tick
from core.home import Home
from core.settings import CaptureSettings
from core.store import Store
from tests.core.capture.fakes import FakeDesktop, FakeReader, FakeScreen, window

EDITOR = window(1, "Gedit", "notes.txt - gedit")


@pytest.fixture
def looping(store: Store, mnemo_home: Home) -> Iterator[tuple[Monitor, FakeDesktop]]:
    """A monitor running its loop on a thread, with a long interval (no tick comes by itself)."""
    desktop = FakeDesktop(EDITOR)
    monitor = Monitor(
        store,
        mnemo_home,
        CaptureSettings(interval=30, max_interval=60, min_free_gb=0, ocr=False),
        desktop,
        FakeScreen,
        read=FakeReader(),
    )
    stop = threading.Event()
    thread = threading.Thread(target=monitor.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while monitor.health.counters.frames_kept < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    yield monitor, desktop
    stop.set()
    thread.join(10)


def wait_for(results: list[Tick], count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(results) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_forced_request_keeps_a_frame_of_an_unchanged_screen_at_once(
    looping: tuple[Monitor, FakeDesktop],
) -> None:
    monitor, _desktop = looping
    assert monitor.health.counters.frames_kept == 1  # the first look at the screen
    results: list[Tick] = []
    started = time.monotonic()
    monitor.request_tick(force=True, done=results.append)
    wait_for(results, 1)
    assert [r.outcome for r in results] == ["kept"]
    assert time.monotonic() - started < 2  # not after the 30 s interval
    assert monitor.health.counters.frames_kept == 2


def test_an_unforced_request_ticks_now_but_keeps_nothing_unchanged(
    looping: tuple[Monitor, FakeDesktop],
) -> None:
    monitor, _desktop = looping
    ticks = monitor.health.counters.ticks
    results: list[Tick] = []
    monitor.request_tick(done=results.append)
    wait_for(results, 1)
    assert [r.outcome for r in results] == ["unchanged"]
    assert monitor.health.counters.ticks == ticks + 1
    assert monitor.health.counters.frames_kept == 1


def test_a_request_whose_grab_saw_windows_move_is_answered_by_the_retry(
    looping: tuple[Monitor, FakeDesktop],
) -> None:
    monitor, desktop = looping
    results: list[Tick] = []
    desktop.move_during_grab = True
    monitor.request_tick(force=True, done=results.append)
    deadline = time.monotonic() + 5
    while monitor.health.counters.layout_changed < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert results == []  # still waiting for a grab the windows held still for
    desktop.move_during_grab = False
    wait_for(results, 1)
    assert [r.outcome for r in results] == ["kept"]

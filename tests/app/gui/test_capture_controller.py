"""The in-app capture controller: a monitor on its own thread, its state on the GUI thread.

Most tests drive a scripted monitor (tests/app/gui/capture_fakes.py); the last one runs the real
monitor on a real X server (Xvfb + openbox, the capture tests' fixtures).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from app.gui.capture import OFF_MESSAGE, CaptureController, CaptureStatus
from app.gui.context import AppContext
from core.capture import health as healthfile
from core.capture.health import Health, State
from core.errors import CaptureUnavailableError, InvalidInputError
from tests.app.gui.capture_fakes import ScriptedFactory
from tests.core.capture.conftest import xdisplay, xserver, xwindows  # noqa: F401  (fixtures)
from tests.core.capture.xdesktop import XWindow, require_tools

Controlled = tuple[CaptureController, ScriptedFactory]


@pytest.fixture
def controlled(ctx: AppContext, qtbot: QtBot) -> Iterator[Controlled]:
    """A started controller on a scripted monitor, with capture turned on."""
    ctx.settings.capture.enabled = True
    factory = ScriptedFactory()
    controller = CaptureController(ctx, factory)
    controller.start()
    yield controller, factory
    controller.stop()


def recording(controller: CaptureController) -> Callable[[], bool]:
    return lambda: controller.state().state == State.RECORDING


def test_capture_runs_on_its_own_connection_and_publishes_its_health(
    controlled: Controlled, ctx: AppContext, qtbot: QtBot
) -> None:
    controller, factory = controlled
    seen: list[Health | None] = []
    ctx.events.capture_health.connect(seen.append)
    qtbot.waitUntil(recording(controller), timeout=5000)
    status = controller.state()
    assert status.message.startswith("recording; last frame written")
    assert status.last_frame_at is not None
    assert factory.last.store is not ctx.store and factory.last.store is not ctx.reader
    qtbot.waitUntil(lambda: any(h is not None for h in seen), timeout=3000)
    health = next(h for h in seen if h is not None)
    assert health.verdict(healthfile.utcnow())[0] == State.RECORDING
    assert controller.running


def test_pause_writes_the_file_the_command_line_reads_and_resume_clears_it(
    controlled: Controlled, ctx: AppContext, qtbot: QtBot
) -> None:
    controller, factory = controlled
    qtbot.waitUntil(recording(controller), timeout=5000)
    controller.pause(15)
    now = healthfile.utcnow()
    pause = healthfile.read_pause(ctx.home.capture_pause_path, now)  # what `capture status` reads
    assert pause is not None and pause.until is not None
    assert timedelta(minutes=14) < pause.until - now <= timedelta(minutes=15)
    status = controller.state()
    assert status.state == State.PAUSED and status.paused_until == pause.until
    assert status.message.startswith("paused for 15 min more")
    qtbot.waitUntil(lambda: factory.last.health.state == State.PAUSED, timeout=2000)
    assert controller.resume() is True
    assert not ctx.home.capture_pause_path.exists()
    qtbot.waitUntil(recording(controller), timeout=2000)
    assert controller.resume() is False


def test_a_pause_made_in_a_terminal_shows_at_once(
    controlled: Controlled, ctx: AppContext, qtbot: QtBot
) -> None:
    controller, _factory = controlled
    qtbot.waitUntil(recording(controller), timeout=5000)
    healthfile.pause(ctx.home.capture_pause_path, healthfile.utcnow(), None)  # `capture pause`
    with qtbot.waitSignal(controller.status_changed, timeout=2000) as signal:
        pass
    status: CaptureStatus = signal.args[0]
    assert status.state == State.PAUSED and status.message == "paused until resumed"
    assert status.paused_until is None
    healthfile.resume(ctx.home.capture_pause_path)  # `capture resume`
    qtbot.waitUntil(recording(controller), timeout=3000)


@pytest.mark.parametrize("minutes", [0, -5, float("nan"), float("inf"), 60 * 24 * 31])
def test_a_pause_of_no_length_or_too_long_is_refused_and_changes_nothing(
    controlled: Controlled, ctx: AppContext, qtbot: QtBot, minutes: float
) -> None:
    controller, _factory = controlled
    qtbot.waitUntil(recording(controller), timeout=5000)
    with pytest.raises(InvalidInputError, match="at most 30 days"):
        controller.pause(minutes)
    assert not ctx.home.capture_pause_path.exists()
    assert controller.state().state == State.RECORDING


def test_capture_now_makes_one_forced_tick_and_says_what_it_kept(
    controlled: Controlled, qtbot: QtBot
) -> None:
    controller, factory = controlled
    qtbot.waitUntil(lambda: controller.running and factory.last.health.last_frame_at is not None)
    kept = factory.last.health.counters.frames_kept
    with qtbot.waitSignal(controller.captured, timeout=3000) as signal:
        assert controller.capture_now() is True
    assert signal.args == ["Captured the screen: one frame kept"]
    assert factory.last.forced == 1
    assert factory.last.health.counters.frames_kept == kept + 1


def test_capture_now_while_paused_keeps_nothing_and_says_why(
    controlled: Controlled, qtbot: QtBot
) -> None:
    controller, _factory = controlled
    qtbot.waitUntil(lambda: controller.running, timeout=5000)
    controller.pause(None)
    with qtbot.waitSignal(controller.captured, timeout=3000) as signal:
        controller.capture_now()
    assert signal.args == ["Nothing captured: paused until resumed"]


def test_capture_now_without_capture_running_says_why(ctx: AppContext, qtbot: QtBot) -> None:
    controller = CaptureController(ctx, ScriptedFactory())  # ctx has capture turned off
    controller.start()
    messages: list[str] = []
    ctx.events.status_message.connect(messages.append)
    assert controller.capture_now() is False
    assert messages == [f"Nothing captured: {OFF_MESSAGE}"]
    assert controller.state() == CaptureStatus(State.STOPPED, OFF_MESSAGE)
    controller.stop()


def test_turning_capture_off_in_settings_stops_the_monitor(
    controlled: Controlled, ctx: AppContext, qtbot: QtBot
) -> None:
    controller, factory = controlled
    qtbot.waitUntil(recording(controller), timeout=5000)
    seen: list[Health | None] = []
    ctx.events.capture_health.connect(seen.append)
    settings = dataclasses.replace(ctx.settings)
    settings.capture = dataclasses.replace(ctx.settings.capture, enabled=False)
    ctx.save_settings(settings)
    qtbot.waitUntil(lambda: not controller.running and factory.last.closed, timeout=3000)
    assert controller.state().state == State.STOPPED
    assert seen and seen[-1] is None  # the status bar says "Capture is off"
    assert len(factory.monitors) == 1


def test_changed_capture_settings_restart_the_monitor_with_them(
    controlled: Controlled, ctx: AppContext, qtbot: QtBot
) -> None:
    controller, factory = controlled
    qtbot.waitUntil(recording(controller), timeout=5000)
    first = factory.last
    settings = dataclasses.replace(ctx.settings)
    settings.capture = dataclasses.replace(ctx.settings.capture, interval=2.0, max_interval=30.0)
    ctx.save_settings(settings)
    qtbot.waitUntil(lambda: len(factory.monitors) == 2 and controller.running, timeout=3000)
    assert first.closed
    assert factory.last.settings.capture.interval == 2.0
    settings = dataclasses.replace(ctx.settings)
    settings.desktop = dataclasses.replace(ctx.settings.desktop, theme="dark")
    ctx.save_settings(settings)  # nothing capture uses: no restart
    qtbot.wait(200)
    assert len(factory.monitors) == 2 and not factory.last.closed


def test_capture_that_cannot_start_is_an_error_with_its_reason_and_the_app_goes_on(
    ctx: AppContext, qtbot: QtBot
) -> None:
    ctx.settings.capture.enabled = True
    factory = ScriptedFactory()
    factory.error = CaptureUnavailableError(
        "no display to capture: DISPLAY is not set (capture needs a running X11 session)"
    )
    controller = CaptureController(ctx, factory)
    controller.start()
    qtbot.waitUntil(lambda: controller.state().state == State.ERROR, timeout=3000)
    assert controller.state().message == str(factory.error.message)
    assert not controller.running
    factory.error = None
    controller.restart()  # the user fixed it (or stopped `mnemo capture run`) and tries again
    qtbot.waitUntil(recording(controller), timeout=3000)
    controller.stop()
    assert factory.last.closed and controller.state().state == State.STOPPED


def test_stop_waits_for_the_monitor_to_finish(controlled: Controlled, qtbot: QtBot) -> None:
    controller, factory = controlled
    qtbot.waitUntil(lambda: controller.running, timeout=5000)
    controller.stop()
    assert factory.last.closed and not controller.running
    assert controller.state() == CaptureStatus(State.STOPPED, OFF_MESSAGE)


# -- the real monitor on a real X server -----------------------------------------------------


def test_the_real_monitor_records_pauses_and_resumes_on_an_x_desktop(
    ctx: AppContext,
    xdisplay: str,  # noqa: F811
    xwindows: Callable[..., XWindow],  # noqa: F811
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_tools(("tesseract",))
    monkeypatch.setenv("DISPLAY", xdisplay)
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    window = xwindows("notes.txt - gedit", "Gedit", ["Quarterly figures for the board"])
    capture = ctx.settings.capture
    capture.enabled, capture.interval, capture.max_interval, capture.min_free_gb = True, 0.3, 0.6, 0
    controller = CaptureController(ctx)
    try:
        controller.start()
        qtbot.waitUntil(recording(controller), timeout=8000)
        assert list(ctx.home.frames_dir.rglob("*.mnf"))  # an encrypted frame file was written

        controller.pause(None)
        status_file = ctx.home.capture_status_path
        qtbot.waitUntil(
            lambda: (
                (h := healthfile.read_status(status_file)) is not None and h.state == State.PAUSED
            ),
            timeout=3000,
        )  # the monitor itself stopped (what `mnemo capture status` shows)
        assert controller.state().state == State.PAUSED
        files = set(ctx.home.frames_dir.rglob("*.mnf"))
        window.set_text(["Something private while paused"])
        qtbot.wait(1200)  # several ticks' worth
        assert set(ctx.home.frames_dir.rglob("*.mnf")) == files

        controller.resume()
        qtbot.waitUntil(
            lambda: len(set(ctx.home.frames_dir.rglob("*.mnf"))) > len(files), timeout=4000
        )
        qtbot.waitUntil(recording(controller), timeout=3000)
    finally:
        controller.stop()
    rows = ctx.reader.conn.execute("SELECT count(*) FROM frames").fetchone()[0]
    assert rows == len(set(ctx.home.frames_dir.rglob("*.mnf")))  # every frame recorded on stop

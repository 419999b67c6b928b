"""The tray monitor, offscreen, over a controller running a scripted monitor: the icon and tooltip
follow the capture state, and the menu's commands pause, resume, capture now, open and quit."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from app.gui.capture import CaptureController
from app.gui.context import AppContext
from app.gui.tray import Badge, TrayMonitor, state_icon
from app.qt import QtGui, QtWidgets
from core.capture import health as healthfile
from core.capture.health import State
from core.errors import CaptureUnavailableError
from tests.app.gui.capture_fakes import ScriptedFactory


@dataclass
class Rig:
    tray: TrayMonitor
    controller: CaptureController
    factory: ScriptedFactory
    opened: list[bool] = field(default_factory=list)
    quits: list[bool] = field(default_factory=list)

    def image(self) -> QtGui.QImage:
        return self.tray.icon().pixmap(32, 32).toImage()


@pytest.fixture
def rig(ctx: AppContext, qtbot: QtBot) -> Iterator[Rig]:
    """A tray over a started controller (capture on, scripted monitor), recording."""
    ctx.settings.capture.enabled = True
    factory = ScriptedFactory()
    controller = CaptureController(ctx, factory)
    made = Rig(None, controller, factory)  # type: ignore[arg-type]
    made.tray = TrayMonitor(
        ctx, controller, lambda: made.opened.append(True), lambda: made.quits.append(True)
    )
    controller.start()
    qtbot.waitUntil(lambda: made.tray.badge is Badge.RECORDING, timeout=5000)
    yield made
    controller.stop()
    made.tray.hide()


def test_the_tooltip_and_status_line_say_what_capture_does(rig: Rig) -> None:
    assert rig.tray.toolTip().startswith("Mnemo — recording; last frame written")
    assert rig.tray.status_action.text().startswith("Recording; last frame written")
    assert not rig.tray.status_action.isEnabled()  # a line to read, not a command
    assert not rig.tray.resume_action.isEnabled()
    assert rig.tray.capture_now_action.isEnabled()
    assert rig.tray.menu.accessibleName() == "Mnemo tray menu"
    texts = [a.text() for a in rig.tray.menu.actions() if not a.isSeparator()][1:]
    assert texts == [
        "&Pause for 15 minutes",
        "Pause for 1 &hour",
        "Pause &until resumed",
        "&Resume",
        "&Start capture again",
        "&Capture now",
        "&Open Mnemo",
        "&Quit",
    ]


def test_pausing_from_the_menu_writes_the_pause_file_and_shows_paused(
    rig: Rig, ctx: AppContext, qtbot: QtBot
) -> None:
    recording_icon = rig.image()
    rig.tray.pause_short_action.trigger()
    now = healthfile.utcnow()
    pause = healthfile.read_pause(ctx.home.capture_pause_path, now)
    assert pause is not None and pause.until is not None
    assert timedelta(minutes=14) < pause.until - now <= timedelta(minutes=15)
    assert rig.tray.badge is Badge.PAUSED
    assert rig.image() != recording_icon
    assert rig.tray.toolTip().startswith("Mnemo — paused for 15 min more (until ")
    assert rig.tray.resume_action.isEnabled()
    assert not rig.tray.capture_now_action.isEnabled()

    rig.tray.resume_action.trigger()
    assert not ctx.home.capture_pause_path.exists()
    qtbot.waitUntil(lambda: rig.tray.badge is Badge.RECORDING, timeout=3000)
    assert rig.image() == recording_icon
    assert rig.tray.toolTip().startswith("Mnemo — recording")
    assert not rig.tray.resume_action.isEnabled()


def test_the_longer_pauses_write_their_own_ends(rig: Rig, ctx: AppContext) -> None:
    rig.tray.pause_hour_action.trigger()
    now = healthfile.utcnow()
    pause = healthfile.read_pause(ctx.home.capture_pause_path, now)
    assert pause is not None and pause.until is not None
    assert timedelta(minutes=59) < pause.until - now <= timedelta(hours=1)
    rig.tray.pause_forever_action.trigger()
    pause = healthfile.read_pause(ctx.home.capture_pause_path, healthfile.utcnow())
    assert pause is not None and pause.until is None
    assert rig.tray.toolTip() == "Mnemo — paused until resumed"


def test_a_pause_that_cannot_be_written_is_said_and_capture_goes_on(
    rig: Rig, ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object) -> healthfile.Pause:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(healthfile, "pause", full_disk)
    rig.tray.pause_short_action.trigger()
    box = rig.tray.error_box
    assert box is not None and box.isVisible()
    assert box.text() == (
        f"capture could not be paused: {ctx.home.capture_pause_path} cannot be written "
        "(No space left on device); capture goes on"
    )
    box.close()
    qtbot.wait(300)  # several ticks
    assert rig.tray.badge is Badge.RECORDING and not ctx.home.capture_pause_path.exists()


def test_each_state_has_an_icon_of_its_own(rig: Rig, qtbot: QtBot) -> None:
    images = {badge: state_icon(badge).pixmap(32, 32).toImage() for badge in Badge}
    assert len({img.cacheKey() for img in images.values()}) == len(Badge)
    for a in Badge:
        for b in Badge:
            if a is not b:
                assert images[a] != images[b], (a, b)
    assert rig.image() == images[Badge.RECORDING]
    rig.factory.last.state = State.EXCLUDED  # a password manager took the focus
    qtbot.waitUntil(lambda: rig.tray.badge is Badge.EXCLUDED, timeout=3000)
    assert rig.image() == images[Badge.EXCLUDED]
    rig.factory.last.state = State.DISK_FULL
    qtbot.waitUntil(lambda: rig.tray.badge is Badge.ERROR, timeout=3000)
    assert rig.image() == images[Badge.ERROR]


def test_capture_now_from_the_menu_makes_one_forced_tick(rig: Rig, qtbot: QtBot) -> None:
    with qtbot.waitSignal(rig.controller.captured, timeout=3000) as signal:
        rig.tray.capture_now_action.trigger()
    assert signal.args == ["Captured the screen: one frame kept"]
    assert rig.factory.last.forced == 1


def test_open_and_quit_call_back_and_a_click_opens_the_window(rig: Rig) -> None:
    rig.tray.open_action.trigger()
    assert rig.opened == [True]
    rig.tray.activated.emit(QtWidgets.QSystemTrayIcon.ActivationReason.Trigger)
    assert rig.opened == [True, True]
    rig.tray.activated.emit(QtWidgets.QSystemTrayIcon.ActivationReason.Context)  # the menu
    assert rig.opened == [True, True]
    assert rig.quits == []
    rig.tray.quit_action.trigger()
    assert rig.quits == [True]


def test_capture_turned_off_in_settings_greys_the_icon(
    rig: Rig, ctx: AppContext, qtbot: QtBot
) -> None:
    settings = ctx.settings
    settings.capture.enabled = False
    ctx.save_settings(settings)
    qtbot.waitUntil(lambda: rig.tray.badge is Badge.OFF and not rig.controller.running)
    assert rig.image() == state_icon(Badge.OFF).pixmap(32, 32).toImage()
    assert rig.tray.toolTip().startswith("Mnemo — capture is off")
    assert not rig.tray.capture_now_action.isEnabled()


def test_an_error_shows_a_warning_and_offers_to_start_again(ctx: AppContext, qtbot: QtBot) -> None:
    ctx.settings.capture.enabled = True
    factory = ScriptedFactory()
    factory.error = CaptureUnavailableError("no display to capture: DISPLAY is not set")
    controller = CaptureController(ctx, factory)
    tray = TrayMonitor(ctx, controller, lambda: None, lambda: None)
    controller.start()
    qtbot.waitUntil(lambda: tray.badge is Badge.ERROR, timeout=3000)
    assert tray.toolTip() == "Mnemo — no display to capture: DISPLAY is not set"
    assert tray.retry_action.isVisible()
    factory.error = None
    tray.retry_action.trigger()
    qtbot.waitUntil(lambda: tray.badge is Badge.RECORDING, timeout=3000)
    assert not tray.retry_action.isVisible()
    controller.stop()


def test_without_a_system_tray_nothing_is_shown_and_capture_still_runs(rig: Rig) -> None:
    assert QtWidgets.QSystemTrayIcon.isSystemTrayAvailable() is False  # offscreen has none
    assert rig.tray.available is False
    assert not rig.tray.isVisible()
    assert rig.controller.running
    assert rig.tray.capture_actions() == [
        rig.tray.pause_short_action,
        rig.tray.pause_hour_action,
        rig.tray.pause_forever_action,
        rig.tray.resume_action,
        rig.tray.capture_now_action,
    ]

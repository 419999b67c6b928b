"""The desktop app's composition root: unlock, build the context, the window, the tray, capture.

`mnemo` with no command lands here. Without a display it says so in one line and points to the
command line. Otherwise it creates the Qt application, runs the first-run wizard when there is no
store yet (or unlocks the existing one: keyring, `MNEMO_PASSPHRASE`, or the passphrase dialog),
and then wires one `AppContext` to the main window, the tray monitor, the in-app capture
controller and the nightly sleep scheduler. `Shell` owns that wiring so "Lock now" (and the
idle auto-lock) can tear it all down, drop the key with the closed connections, ask for the
passphrase again and build it afresh; quitting tears it down the same way, so capture drains
its queue and every transaction is finished before the process ends.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from app.gui.capture import CaptureController
from app.gui.context import AppContext
from app.gui.tray import TrayMonitor
from app.gui.unlock import unlock
from app.gui.window import MainWindow
from app.gui.wizard import FirstRunWizard
from app.model_commands import make_embedder
from app.qt import QObject, Qt, QtCore, QtGui, QtWidgets
from core.errors import ExpectedError, StoreMissingError
from core.home import Home
from core.keys import read_key_file, system_keyring
from core.settings import Settings
from core.sleep.conditions import MachineConditions
from core.sleep.runner import last_finished, run_sleep
from core.sleep.schedule import SleepScheduler
from core.store import Store

log = logging.getLogger(__name__)

NO_DISPLAY = (
    "mnemo: no display found, so the desktop app cannot start; the command line works "
    "without one (try 'mnemo --help', 'mnemo chat' or 'mnemo capture status')"
)
ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "mnemo.svg"
IDLE_CHECK_MS = 15_000


def has_display(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """True when a graphical session (or an explicit Qt platform) is there to show windows."""
    env = os.environ if environ is None else environ
    platform = platform or sys.platform
    if env.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc"):
        return True
    if platform.startswith(("win", "darwin")):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def dark_palette() -> QtGui.QPalette:
    """Fusion's colours for a dark desktop (the xcb platform has no dark palette to give)."""
    role, group = QtGui.QPalette.ColorRole, QtGui.QPalette.ColorGroup
    colours = {
        role.Window: "#2b2b2b",
        role.WindowText: "#e6e6e6",
        role.Base: "#1e1e1e",
        role.AlternateBase: "#262626",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#f0f0f0",
        role.PlaceholderText: "#8c8c8c",
        role.Text: "#e6e6e6",
        role.Button: "#353535",
        role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff6b6b",
        role.Light: "#474747",
        role.Midlight: "#3d3d3d",
        role.Mid: "#2a2a2a",
        role.Dark: "#1a1a1a",
        role.Shadow: "#0d0d0d",
        role.Highlight: "#3d7bd9",
        role.HighlightedText: "#ffffff",
        role.Link: "#7aa7ff",
        role.LinkVisited: "#b48cff",
    }
    palette = QtGui.QPalette()
    for colour_role, value in colours.items():
        palette.setColor(colour_role, QtGui.QColor(value))
    for colour_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, colour_role, QtGui.QColor("#7a7a7a"))
    return palette


def apply_theme(app: QtWidgets.QApplication, theme: str) -> None:
    """Follow the desktop's light or dark scheme, or force one (Fusion draws both faithfully).

    The desktop's choice reaches Qt through its platform theme (GNOME, KDE, Windows, macOS);
    where that says dark, or the user chose dark, Mnemo sets a dark palette itself, since not
    every platform plugin provides one."""
    if not _platform_palette:
        _platform_palette.append(QtGui.QPalette(app.palette()))
    app.setStyle("Fusion")
    hints = app.styleHints()
    scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(
        theme, Qt.ColorScheme.Unknown
    )
    hints.setColorScheme(scheme)
    style = app.style()
    dark = theme == "dark" or (theme == "system" and hints.colorScheme() == Qt.ColorScheme.Dark)
    if dark:
        app.setPalette(dark_palette())
    elif style is not None:
        app.setPalette(style.standardPalette() if theme == "light" else _platform_palette[0])


_platform_palette: list[QtGui.QPalette] = []  # the desktop's own, before Mnemo changed it


def app_icon() -> QtGui.QIcon:
    return QtGui.QIcon(str(ICON)) if ICON.exists() else QtGui.QIcon()


class ActivityWatch(QObject):
    """Notes the time of the user's last key press or click in any Mnemo window (auto-lock)."""

    def __init__(self) -> None:
        super().__init__()
        self.last_input = time.monotonic()

    def eventFilter(self, watched: QObject, event: QtCore.QEvent) -> bool:
        if event.type() in (
            QtCore.QEvent.Type.KeyPress,
            QtCore.QEvent.Type.MouseButtonPress,
            QtCore.QEvent.Type.Wheel,
        ):
            self.last_input = time.monotonic()
        return False


class Shell(QObject):
    """Everything that lives while the store is unlocked, and locking/unlocking it."""

    def __init__(
        self,
        app: QtWidgets.QApplication,
        home: Home,
        settings: Settings,
        hidden: bool = False,
    ) -> None:
        super().__init__()
        self.app = app
        self.home = home
        self.settings = settings
        self.hidden = hidden
        self.ctx: AppContext | None = None
        self.window: MainWindow | None = None
        self.tray: TrayMonitor | None = None
        self.capture: CaptureController | None = None
        self.scheduler: SleepScheduler | None = None
        self.locked = False
        self.activity = ActivityWatch()
        app.installEventFilter(self.activity)
        self._idle = QtCore.QTimer(self)
        self._idle.setInterval(IDLE_CHECK_MS)
        self._idle.timeout.connect(self._check_idle)

    # -- start-up --------------------------------------------------------------------------
    def open_store(self) -> Store | None:
        """The unlocked store: the first-run wizard when there is none yet, else unlock it."""
        embedder = make_embedder(self.settings, self.home)
        try:
            read_key_file(self.home)
        except StoreMissingError:
            wizard = FirstRunWizard(self.home, self.settings, embedder)
            if wizard.exec() != QtWidgets.QDialog.DialogCode.Accepted or wizard.store is None:
                return None
            self.settings = Settings.load(self.home.settings_path)
            return wizard.store
        return unlock(self.home, self.settings, embedder, system_keyring())

    def start(self, store: Store) -> None:
        """Wire the context, window, tray, capture and sleep around an unlocked store."""
        ctx = AppContext(self.home, self.settings, store)
        self.ctx = ctx
        self.capture = CaptureController(ctx)
        self.window = MainWindow(ctx, hide_to_tray=self._has_tray, quit_app=self.quit)
        self.window.setWindowIcon(app_icon())
        self.tray = TrayMonitor(ctx, self.capture, self.show_window, self.quit)
        self.window.add_capture_menu(self.tray.capture_actions())
        ctx.events.lock_requested.connect(self.lock)
        ctx.events.settings_changed.connect(self._settings_changed)
        self.capture.start()
        self.scheduler = self._schedule_sleep(ctx)
        self.locked = False
        self.activity.last_input = time.monotonic()
        self._idle.start()
        if not (self.hidden and self._has_tray()):
            self.window.show()
        self.hidden = False

    def _schedule_sleep(self, ctx: AppContext) -> SleepScheduler | None:
        if not ctx.settings.sleep.enabled:
            return None
        settings, home, llm = ctx.settings, ctx.home, ctx.shared_llm()

        def job(trigger: str) -> None:
            with ctx.store.sibling() as own:
                run_sleep(own, settings, home=home, llm=llm, trigger=trigger)

        def last_run() -> datetime | None:
            with ctx.store.sibling() as own:
                return last_finished(own)

        scheduler = SleepScheduler(job, settings.sleep, MachineConditions(settings.sleep), last_run)
        scheduler.start()
        return scheduler

    def _has_tray(self) -> bool:
        return self.tray is not None and self.tray.available

    def _settings_changed(self) -> None:
        if self.ctx is None:
            return
        self.settings = self.ctx.settings
        apply_theme(self.app, self.settings.desktop.theme)
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.scheduler = self._schedule_sleep(self.ctx)

    def show_window(self) -> None:
        if self.window is not None:
            self.window.bring_to_front()

    # -- locking ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Tear down everything built by `start`: capture drains, lanes finish, store closes."""
        self._idle.stop()
        if self.scheduler is not None:
            self.scheduler.shutdown()
            self.scheduler = None
        if self.capture is not None:
            self.capture.stop()
            self.capture = None
        if self.tray is not None:
            self.tray.hide()
            self.tray.deleteLater()
            self.tray = None
        if self.window is not None:
            self.window.timeline.shutdown()
            self.window.hide()
            self.window.deleteLater()
            self.window = None
        if self.ctx is not None:
            self.ctx.close()
            self.ctx = None

    def lock(self) -> None:
        """Close everything (the key leaves memory with the connections), then ask again."""
        if self.locked or self.ctx is None:
            return
        self.locked = True
        self.stop()
        if not self._ask_to_unlock():
            self.app.quit()
            return
        store = unlock(
            self.home, self.settings, make_embedder(self.settings, self.home), system_keyring()
        )
        if store is None:
            self.app.quit()
            return
        self.start(store)

    def _ask_to_unlock(self) -> bool:
        """With the key in the OS keyring no passphrase is asked, so the lock is a closed window
        with an Unlock button (the data stays closed until then); a passphrase key is asked for."""
        try:
            storage = read_key_file(self.home).storage
        except ExpectedError:
            return True
        if storage != "keyring":
            return True
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Information,
            "Mnemo is locked",
            "Mnemo is locked: your memories are closed and capture is stopped.",
        )
        box.setAccessibleName("Mnemo is locked")
        unlock_button = box.addButton("&Unlock", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton("&Quit Mnemo", QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(unlock_button)
        box.exec()
        return box.clickedButton() is unlock_button

    def _check_idle(self) -> None:
        minutes = self.settings.desktop.auto_lock_minutes
        if minutes > 0 and time.monotonic() - self.activity.last_input >= minutes * 60:
            self.lock()

    def quit(self) -> None:
        self.stop()
        self.app.quit()


def _say(line: str) -> None:
    """One line on stderr, where there is one (a windowed Windows build has none)."""
    if sys.stderr is not None:
        sys.stderr.write(line + "\n")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mnemo", add_help=False)
    parser.add_argument("--home")
    parser.add_argument("--hidden", action="store_true")
    parser.add_argument("--smoke", type=float, default=0.0)
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] = ()) -> int:
    """Run the desktop app until the user quits; 2 when it cannot start."""
    args = parse_args(argv)
    if not has_display():
        _say(NO_DISPLAY)
        return 2
    QtGui.QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["mnemo"])
    assert isinstance(app, QtWidgets.QApplication)
    app.setApplicationName("Mnemo")
    app.setOrganizationName("Mnemo")
    app.setDesktopFileName("mnemo")
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)
    home = Home.resolve(args.home)
    try:
        settings = Settings.load(home.settings_path)
        apply_theme(app, settings.desktop.theme)
        shell = Shell(app, home, settings, hidden=args.hidden)
        store = shell.open_store()
    except ExpectedError as exc:
        QtWidgets.QMessageBox.critical(None, "Mnemo", exc.message)
        _say(f"mnemo: {exc.message}")
        return 2
    if store is None:
        return 0
    shell.start(store)
    if args.smoke > 0:
        QtCore.QTimer.singleShot(int(args.smoke * 1000), shell.quit)
    code = app.exec()
    shell.stop()
    return int(code)

"""The tray icon: capture's state at a glance, and its controls one click away.

`TrayMonitor` is a `QSystemTrayIcon` that follows `CaptureController.status_changed`: the app
icon with a badge painted over it (a red dot while recording, pause bars while paused or locked,
a crossed-out eye while an excluded window has the focus, a warning sign on an error or a full
disk, the whole icon greyed while capture is off), and a tooltip that says the same in words
("Mnemo — recording; last frame written 12 s ago"). Its menu repeats the state as a disabled first
line, then pauses for 15 minutes, an hour or until resumed, resumes, captures now, opens the
window and quits; each entry calls the controller, which owns the behaviour, so the window can
offer the same actions (`capture_actions`). The badges are painted with QPainter at each tray
size rather than drawn as files, so one SVG (resources/icons/mnemo.svg, or a tile drawn in code
from the palette when it is missing) serves every state. Without a system tray
(`QSystemTrayIcon.isSystemTrayAvailable()` false, `available` false) the icon is never shown and
the app works from its window, whose status bar shows the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from app.gui.capture import CaptureController, CaptureStatus
from app.gui.context import AppContext
from app.qt import Qt, QtCore, QtGui, QtWidgets, Slot
from core.capture.health import State
from core.errors import ExpectedError

ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "mnemo.svg"
SIZES = (16, 22, 24, 32, 48, 64)
MESSAGE_MS = 4000

# Application colours, the same on light and dark panels: each badge carries its own contrast.
RECORDING = QtGui.QColor(220, 38, 38)
PAUSED = QtGui.QColor(245, 158, 11)
EXCLUDED = QtGui.QColor(37, 99, 235)
WARNING = QtGui.QColor(250, 204, 21)
INK = QtGui.QColor(17, 24, 39)
PAPER = QtGui.QColor(255, 255, 255)


class Badge(StrEnum):
    """What the icon shows, one per group of capture states."""

    RECORDING = "recording"
    STARTING = "starting"
    PAUSED = "paused"
    EXCLUDED = "excluded"
    ERROR = "error"
    OFF = "off"


BADGES = {
    State.STARTING: Badge.STARTING,
    State.RECORDING: Badge.RECORDING,
    State.PAUSED: Badge.PAUSED,
    State.LOCKED: Badge.PAUSED,
    State.EXCLUDED: Badge.EXCLUDED,
    State.DISK_FULL: Badge.ERROR,
    State.ERROR: Badge.ERROR,
    State.STOPPED: Badge.OFF,
}


def base_icon() -> QtGui.QIcon:
    """Mnemo's icon from resources/icons/mnemo.svg, or a tile in the palette's colours."""
    if ICON.exists():
        icon = QtGui.QIcon(str(ICON))
        if not icon.isNull():
            return icon
    icon = QtGui.QIcon()
    for size in SIZES:
        icon.addPixmap(_drawn_base(size))
    return icon


def _drawn_base(size: int) -> QtGui.QPixmap:
    palette = QtWidgets.QApplication.palette()
    pixmap = QtGui.QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QtGui.QPalette.ColorRole.Highlight))
    painter.drawRoundedRect(QtCore.QRectF(0, 0, size, size), size * 0.22, size * 0.22)
    font = painter.font()
    font.setBold(True)
    font.setPixelSize(max(8, int(size * 0.7)))
    painter.setFont(font)
    painter.setPen(palette.color(QtGui.QPalette.ColorRole.HighlightedText))
    painter.drawText(QtCore.QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "M")
    painter.end()
    return pixmap


def badge_pixmap(base: QtGui.QIcon, badge: Badge, size: int) -> QtGui.QPixmap:
    """The icon at `size` pixels with the badge for `badge` painted in its lower right corner."""
    if badge is Badge.OFF:
        return base.pixmap(size, size, QtGui.QIcon.Mode.Disabled)
    pixmap = QtGui.QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.drawPixmap(0, 0, base.pixmap(size, size))
    # Over half the icon, so the badge still reads at the 16-22 px most panels draw.
    side = size * 0.56
    box = QtCore.QRectF(size - side, size - side, side, side)
    outline = max(1.0, size / 24)
    if badge is Badge.RECORDING:
        _disc(painter, box, RECORDING, outline)
    elif badge is Badge.PAUSED:
        _disc(painter, box, PAUSED, outline)
        bar = QtCore.QSizeF(side * 0.16, side * 0.46)
        top = box.center().y() - bar.height() / 2
        painter.setBrush(INK)
        for x in (box.center().x() - side * 0.2, box.center().x() + side * 0.04):
            painter.drawRect(QtCore.QRectF(QtCore.QPointF(x, top), bar))
    elif badge is Badge.EXCLUDED:
        _disc(painter, box, EXCLUDED, outline)
        _eye_off(painter, box, max(1.0, side * 0.09))
    elif badge is Badge.ERROR:
        _warning(painter, box, outline)
    painter.end()
    return pixmap


def _disc(painter: QtGui.QPainter, box: QtCore.QRectF, fill: QtGui.QColor, outline: float) -> None:
    inset = outline / 2
    painter.setPen(QtGui.QPen(PAPER, outline))
    painter.setBrush(fill)
    painter.drawEllipse(box.adjusted(inset, inset, -inset, -inset))
    painter.setPen(Qt.PenStyle.NoPen)


def _eye_off(painter: QtGui.QPainter, box: QtCore.QRectF, width: float) -> None:
    centre = box.center()
    w, h = box.width() * 0.62, box.height() * 0.34
    painter.setPen(QtGui.QPen(PAPER, width))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(QtCore.QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h))
    painter.setBrush(PAPER)
    r = h * 0.28
    painter.drawEllipse(centre, r, r)
    slash = box.width() * 0.3
    painter.drawLine(
        QtCore.QPointF(centre.x() - slash, centre.y() + slash),
        QtCore.QPointF(centre.x() + slash, centre.y() - slash),
    )
    painter.setPen(Qt.PenStyle.NoPen)


def _warning(painter: QtGui.QPainter, box: QtCore.QRectF, outline: float) -> None:
    triangle = QtGui.QPolygonF(
        [
            QtCore.QPointF(box.center().x(), box.top() + outline),
            QtCore.QPointF(box.right() - outline, box.bottom() - outline),
            QtCore.QPointF(box.left() + outline, box.bottom() - outline),
        ]
    )
    painter.setPen(QtGui.QPen(INK, outline, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.setBrush(WARNING)
    painter.drawPolygon(triangle)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(INK)
    x, w = box.center().x(), box.width() * 0.12
    painter.drawRect(
        QtCore.QRectF(x - w / 2, box.top() + box.height() * 0.36, w, box.height() * 0.3)
    )
    painter.drawEllipse(QtCore.QPointF(x, box.top() + box.height() * 0.78), w * 0.6, w * 0.6)


def state_icon(badge: Badge, base: QtGui.QIcon | None = None) -> QtGui.QIcon:
    """The tray icon for a badge, at every size a panel may ask for."""
    base = base if base is not None else base_icon()
    icon = QtGui.QIcon()
    for size in SIZES:
        icon.addPixmap(badge_pixmap(base, badge, size))
    return icon


class TrayMonitor(QtWidgets.QSystemTrayIcon):
    """Mnemo in the system tray: the capture state as an icon, and capture's controls."""

    def __init__(
        self,
        ctx: AppContext,
        controller: CaptureController,
        open_window: Callable[[], None],
        quit_app: Callable[[], None],
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.controller = controller
        self._open_window = open_window
        self.available = QtWidgets.QSystemTrayIcon.isSystemTrayAvailable()
        self._base = base_icon()
        self._icons: dict[Badge, QtGui.QIcon] = {}
        self.badge: Badge | None = None
        self.error_box: QtWidgets.QMessageBox | None = None

        self.menu = QtWidgets.QMenu()
        self.menu.setAccessibleName("Mnemo tray menu")
        self.menu.setToolTipsVisible(True)
        self.status_action = self.menu.addAction("")
        self.status_action.setEnabled(False)  # a line to read, not a command
        self.menu.addSeparator()
        self.pause_short_action = self._add("&Pause for 15 minutes", lambda: self._pause(15))
        self.pause_hour_action = self._add("Pause for 1 &hour", lambda: self._pause(60))
        self.pause_forever_action = self._add("Pause &until resumed", lambda: self._pause(None))
        self.resume_action = self._add("&Resume", self._resume)
        self.retry_action = self._add("&Start capture again", controller.restart)
        self.menu.addSeparator()
        self.capture_now_action = self._add("&Capture now", controller.capture_now)
        self.menu.addSeparator()
        self.open_action = self._add("&Open Mnemo", open_window)
        self.quit_action = self._add("&Quit", quit_app)
        self.pause_short_action.setToolTip("Capture nothing for the next 15 minutes")
        self.pause_hour_action.setToolTip("Capture nothing for the next hour")
        self.pause_forever_action.setToolTip("Capture nothing until you resume")
        self.capture_now_action.setToolTip("Keep a frame of the screen now, even if unchanged")
        self.retry_action.setToolTip("Try to start screen capture again")
        self.quit_action.setToolTip("Stop capture (it finishes reading what it saw) and quit")
        self.setContextMenu(self.menu)
        self.menu.aboutToShow.connect(self._refresh)

        self.activated.connect(self._activated)
        controller.status_changed.connect(self._show)
        controller.captured.connect(self._tell)
        self._show(controller.state())
        if self.available:
            self.show()

    def _add(self, text: str, slot: Callable[[], object]) -> QtGui.QAction:
        action = self.menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def capture_actions(self) -> list[QtGui.QAction]:
        """The capture commands, for the window to offer too (a menu, with shortcuts of its own)."""
        return [
            self.pause_short_action,
            self.pause_hour_action,
            self.pause_forever_action,
            self.resume_action,
            self.capture_now_action,
        ]

    def icon_for(self, badge: Badge) -> QtGui.QIcon:
        """The icon for a badge (painted once, then kept)."""
        if badge not in self._icons:
            self._icons[badge] = state_icon(badge, self._base)
        return self._icons[badge]

    # -- following the controller ------------------------------------------------------------
    @Slot(object)
    def _show(self, status: CaptureStatus) -> None:
        badge = BADGES.get(status.state, Badge.STARTING)
        if badge is not self.badge:
            self.badge = badge
            self.setIcon(self.icon_for(badge))
        tip = f"Mnemo — {status.message}"
        if self.toolTip() != tip:
            self.setToolTip(tip)
        self.status_action.setText(status.line)
        paused = self.controller.paused() is not None
        self.resume_action.setEnabled(paused)
        self.capture_now_action.setEnabled(self.controller.running and not paused)
        self.retry_action.setVisible(
            status.state == State.ERROR and self.ctx.settings.capture.enabled
        )

    def _refresh(self) -> None:
        """Bring the menu up to the second before it opens."""
        self._show(self.controller.state())

    @Slot(str)
    def _tell(self, text: str) -> None:
        if self.available and self.isVisible():
            self.showMessage(
                "Mnemo", text, QtWidgets.QSystemTrayIcon.MessageIcon.Information, MESSAGE_MS
            )

    @Slot(QtWidgets.QSystemTrayIcon.ActivationReason)
    def _activated(self, reason: QtWidgets.QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QtWidgets.QSystemTrayIcon.ActivationReason.Trigger,
            QtWidgets.QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self._open_window()

    # -- commands ----------------------------------------------------------------------------
    def _pause(self, minutes: float | None) -> None:
        try:
            self.controller.pause(minutes)
        except ExpectedError as exc:
            self._warn(exc)

    def _resume(self) -> None:
        try:
            self.controller.resume()
        except ExpectedError as exc:
            self._warn(exc)

    def _warn(self, error: ExpectedError) -> None:
        """Say what went wrong in a message box (the tray has no window to put it over)."""
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "Mnemo", error.message)
        box.setAccessibleName("Error message")
        self.error_box = box  # parentless: this reference keeps it alive while it is open
        box.open()


__all__ = ["Badge", "TrayMonitor", "badge_pixmap", "base_icon", "state_icon"]

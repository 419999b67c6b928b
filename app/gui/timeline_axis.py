"""The timeline's time axis: a day's activity segments as bars coloured by application, and a cursor.

The axis maps the visible part of a day (all of 00:00-24:00, or a zoomed window of it) onto the
widget's width. Everything that changes only with the day, the filters, the zoom or the size (hour
ticks, segment bars, the ticks of the frames the filters let through, search-hit markers) is drawn
once into a cached pixmap; a cursor move repaints that pixmap and one line, so scrubbing costs
well under a millisecond of painting. Each application gets a stable hue from a checksum of its
name, with a lightness chosen from the palette so the bars stay legible on light and dark themes;
grid, text and cursor colours all come from the palette. The axis reports where the user clicks
or drags (`scrubbed`) and leaves the keys to the `TimelineView`, which owns navigation.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from app.gui.timeline_data import DayFrames, Selection, local_time
from app.qt import Qt, QtCore, QtGui, QtWidgets, Signal

MIN_SPAN = 5 * 60.0  # seconds: the deepest zoom shows five minutes
ZOOM_STEP = 1.5
TICK_STEPS = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600)  # seconds between labels
MARGIN = 8  # pixels left and right of the day, so 00:00 and 24:00 can be hit
BAR_HEIGHT = 18
TICK_HEIGHT = 6


def app_colour(app: str | None, dark: bool) -> QtGui.QColor:
    """A stable colour per application name, lighter on dark themes; grey when unknown."""
    if not app:
        return QtGui.QColor.fromHslF(0.0, 0.0, 0.62 if dark else 0.55)
    hue = (zlib.crc32(app.casefold().encode("utf-8")) % 360) / 360.0
    return QtGui.QColor.fromHslF(hue, 0.55, 0.62 if dark else 0.45)


class TimelineAxis(QtWidgets.QWidget):
    """A day's segments and frames along a zoomable time axis, with the cursor."""

    scrubbed = Signal(float)  # the time (epoch seconds) the user clicked or dragged to

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Timeline axis")
        self.setAccessibleDescription(
            "Click or drag to move the cursor; Left and Right step through frames, Page Up and "
            "Page Down through activity segments, Ctrl+wheel or + and - zoom"
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self._frames: DayFrames | None = None
        self._selection: Selection | None = None
        self._hits: list[float] = []
        self.day_start, self.day_end = 0.0, 86_400.0
        self.view_start, self.view_end = self.day_start, self.day_end
        self.cursor_ts: float | None = None
        self._background: QtGui.QPixmap | None = None

    # -- geometry ----------------------------------------------------------------------------
    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(640, self._label_height() + BAR_HEIGHT + TICK_HEIGHT + 16)

    def minimumSizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(200, self.sizeHint().height())

    def _label_height(self) -> int:
        return self.fontMetrics().height() + 2

    def x_of(self, ts: float) -> float:
        """The x coordinate of a time on the axis."""
        width = max(1, self.width() - 2 * MARGIN)
        return MARGIN + (ts - self.view_start) / (self.view_end - self.view_start) * width

    def ts_at(self, x: float) -> float:
        """The time under an x coordinate, clamped to the day."""
        width = max(1, self.width() - 2 * MARGIN)
        ts = self.view_start + (x - MARGIN) / width * (self.view_end - self.view_start)
        return min(max(ts, self.day_start), self.day_end)

    # -- data --------------------------------------------------------------------------------
    def set_day(self, frames: DayFrames) -> None:
        """Show a day: zoomed out, or as zoomed as before when it is the same day read again."""
        same_day = self._frames is not None and self._frames.day == frames.day
        self._frames = frames
        self.day_start, self.day_end = frames.start, frames.end
        if not same_day:
            self.view_start, self.view_end = self.day_start, self.day_end
        self.cursor_ts = None
        self._invalidate()

    def set_selection(self, selection: Selection | None, hits: Sequence[float] = ()) -> None:
        """The frames the filters let through (ticks, bar emphasis) and the search hits' times."""
        self._selection = selection
        self._hits = sorted(hits)
        self._invalidate()

    def set_cursor(self, ts: float | None) -> None:
        """Move the cursor, panning when it leaves the visible window."""
        self.cursor_ts = ts
        if ts is not None:
            self.ensure_visible(ts)
        self.update()

    @property
    def span(self) -> float:
        """Seconds of the day visible on the axis."""
        return self.view_end - self.view_start

    def zoom(self, factor: float, anchor: float | None = None) -> None:
        """Zoom by `factor` (>1: in) keeping `anchor` (default: the cursor) where it is."""
        full = self.day_end - self.day_start
        span = min(max(self.span / factor, MIN_SPAN), full)
        if anchor is None:
            anchor = (
                self.cursor_ts if self.cursor_ts is not None else self.view_start + self.span / 2
            )
        share = (anchor - self.view_start) / self.span if self.span else 0.5
        share = min(max(share, 0.0), 1.0)
        self._set_window(anchor - share * span, span)

    def reset_zoom(self) -> None:
        """Show the whole day again."""
        self._set_window(self.day_start, self.day_end - self.day_start)

    def pan(self, seconds: float) -> None:
        """Move the visible window by `seconds` (negative: earlier)."""
        self._set_window(self.view_start + seconds, self.span)

    def ensure_visible(self, ts: float) -> None:
        """Pan so that `ts` is inside the visible window (centred if it was out of sight)."""
        edge = self.span * 0.05
        if ts < self.view_start + edge or ts > self.view_end - edge:
            self._set_window(ts - self.span / 2, self.span)

    def _set_window(self, start: float, span: float) -> None:
        start = min(max(start, self.day_start), self.day_end - span)
        if (start, start + span) != (self.view_start, self.view_end):
            self.view_start, self.view_end = start, start + span
            self._invalidate()

    def _invalidate(self) -> None:
        self._background = None
        self.update()

    # -- events ------------------------------------------------------------------------------
    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self._background = None
        super().resizeEvent(event)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() in (QtCore.QEvent.Type.PaletteChange, QtCore.QEvent.Type.StyleChange):
            self._background = None  # the theme changed: the bars' lightness follows it
        super().changeEvent(event)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.scrubbed.emit(self.ts_at(event.position().x()))
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.scrubbed.emit(self.ts_at(event.position().x()))
            event.accept()
        else:
            super().mouseMoveEvent(event)

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        delta = event.angleDelta()
        notches = (delta.y() or delta.x()) / 120.0
        if not notches:
            event.ignore()
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(ZOOM_STEP**notches, self.ts_at(event.position().x()))
        else:
            self.pan(-notches * self.span * 0.1)
        event.accept()

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ToolTip and isinstance(event, QtGui.QHelpEvent):
            text = self._tooltip_at(event.pos().x())
            if text:
                QtWidgets.QToolTip.showText(event.globalPos(), text, self)
            else:
                QtWidgets.QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _tooltip_at(self, x: float) -> str:
        if self._frames is None:
            return ""
        ts = self.ts_at(x)
        slack = 3 * self.span / max(1, self.width())  # three pixels, so short segments can be hit
        for segment in self._frames.segments:
            if segment.start - slack <= ts <= segment.end + slack:
                span = f"{local_time(segment.start):%H:%M}–{local_time(segment.end):%H:%M}"
                name = segment.app or "Unknown application"
                return f"{name}: {segment.title}\n{span}" if segment.title else f"{name}\n{span}"
        return ""

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        if self._background is None or self._background.size() != self._pixel_size():
            self._background = self._paint_background()
        painter.drawPixmap(0, 0, self._background)
        if self.cursor_ts is not None and self.view_start <= self.cursor_ts <= self.view_end:
            x = round(self.x_of(self.cursor_ts))
            colour = self.palette().color(QtGui.QPalette.ColorRole.Highlight)
            painter.fillRect(x - 1, 0, 3, self.height(), colour)
            handle = QtGui.QPolygon(
                [QtCore.QPoint(x - 6, 0), QtCore.QPoint(x + 6, 0), QtCore.QPoint(x, 7)]
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawPolygon(handle)
        if self.hasFocus():
            option = QtWidgets.QStyleOptionFocusRect()
            option.initFrom(self)
            self.style().drawPrimitive(
                QtWidgets.QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter, self
            )

    def _pixel_size(self) -> QtCore.QSize:
        ratio = self.devicePixelRatioF()
        return QtCore.QSize(round(self.width() * ratio), round(self.height() * ratio))

    def _paint_background(self) -> QtGui.QPixmap:
        """Everything but the cursor, drawn once per day, filter, zoom and size."""
        pixmap = QtGui.QPixmap(self._pixel_size())
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        palette = self.palette()
        pixmap.fill(palette.color(QtGui.QPalette.ColorRole.Base))
        painter = QtGui.QPainter(pixmap)
        label_h = self._label_height()
        bar_top = label_h + 4
        self._paint_ticks(painter, palette, label_h)
        self._paint_segments(painter, palette, bar_top)
        self._paint_frames(painter, palette, bar_top + BAR_HEIGHT + 3)
        self._paint_hits(painter, palette, bar_top)
        painter.end()
        return pixmap

    def _paint_ticks(self, painter: QtGui.QPainter, palette: QtGui.QPalette, label_h: int) -> None:
        width = max(1, self.width() - 2 * MARGIN)
        label_w = self.fontMetrics().horizontalAdvance("00:00") + 16
        step = next((s for s in TICK_STEPS if s / self.span * width >= label_w), TICK_STEPS[-1])
        grid = palette.color(QtGui.QPalette.ColorRole.Mid)
        text = palette.color(QtGui.QPalette.ColorRole.Text)
        # Ticks sit at whole steps from local midnight, so the labels read 09:00, 09:15...
        first = self.day_start + step * int((self.view_start - self.day_start) // step)
        tick = first
        while tick <= self.view_end + 1:
            if tick >= self.view_start - 1:
                x = round(self.x_of(tick))
                painter.setPen(grid)
                painter.drawLine(x, label_h, x, self.height())
                painter.setPen(text)
                label = "24:00" if tick >= self.day_end else f"{local_time(tick):%H:%M}"
                painter.drawText(
                    QtCore.QRect(x - label_w // 2, 0, label_w, label_h),
                    int(Qt.AlignmentFlag.AlignCenter),
                    label,
                )
            tick += step

    def _paint_segments(self, painter: QtGui.QPainter, palette: QtGui.QPalette, top: int) -> None:
        if self._frames is None:
            return
        dark = palette.color(QtGui.QPalette.ColorRole.Base).lightnessF() < 0.5
        kept: set[str] | None = None
        if self._selection is not None and len(self._selection) != len(self._frames):
            segment_ids = self._frames.segment_ids
            kept = {segment_ids[i] for i in self._selection.indices}
        painter.setPen(Qt.PenStyle.NoPen)
        for segment in self._frames.segments:
            if segment.end < self.view_start or segment.start > self.view_end:
                continue
            x0 = self.x_of(max(segment.start, self.view_start))
            x1 = self.x_of(min(segment.end, self.view_end))
            colour = app_colour(segment.app, dark)
            if kept is not None and segment.id not in kept:
                colour.setAlphaF(0.22)  # filtered out: still there, but faint
            painter.setBrush(colour)
            painter.drawRect(QtCore.QRectF(x0, top, max(2.0, x1 - x0), BAR_HEIGHT))

    def _paint_frames(self, painter: QtGui.QPainter, palette: QtGui.QPalette, top: int) -> None:
        if self._selection is None or not self._selection.ts:
            return
        colour = palette.color(QtGui.QPalette.ColorRole.Text)
        colour.setAlphaF(0.55)
        painter.setPen(QtGui.QPen(colour, 1))
        last = -1
        for ts in self._selection.ts:
            if ts < self.view_start or ts > self.view_end:
                continue
            x = round(self.x_of(ts))
            if x != last:  # thousands of frames fall on a few hundred pixels
                painter.drawLine(x, top, x, top + TICK_HEIGHT)
                last = x

    def _paint_hits(self, painter: QtGui.QPainter, palette: QtGui.QPalette, top: int) -> None:
        if not self._hits:
            return
        colour = palette.color(QtGui.QPalette.ColorRole.Link)
        painter.setPen(QtGui.QPen(palette.color(QtGui.QPalette.ColorRole.Base), 1))
        painter.setBrush(colour)
        for ts in self._hits:
            if self.view_start <= ts <= self.view_end:
                x = round(self.x_of(ts))
                painter.drawPolygon(
                    QtGui.QPolygon(
                        [
                            QtCore.QPoint(x - 5, top - 4),
                            QtCore.QPoint(x + 5, top - 4),
                            QtCore.QPoint(x, top + 5),
                        ]
                    )
                )

"""Frame thumbnails for the timeline: decrypted in memory off the GUI thread, cached, drawn large.

A thumbnail file is AES-GCM encrypted WebP (`core.capture.frames`); opening one costs a read, a
decryption and a WebP decode, several milliseconds for a full-width thumbnail, which the GUI
thread must not pay while the user scrubs. `FrameLoader` runs two worker threads that take
requests from one queue which the GUI thread replaces wholesale whenever the cursor moves: the
frame under the cursor first, then a few neighbours to prefetch. Requests the cursor has left
behind are therefore dropped before they are decoded, and the current frame never waits behind
them. A worker turns the Pillow image into a `QImage` (allowed off the GUI thread, unlike
`QPixmap`) already in the format the raster painter draws fastest, queues it, and posts an event
to an object living on the GUI thread, which hands every result queued so far to the view in one
go (results that piled up while the GUI thread was busy cost one wake-up, not one each). The
plaintext exists only in memory: `read_frame` decrypts the file's bytes and decodes them without
a temporary file.

The worker also shrinks the picture to the size the frame pane shows it at (`FrameLoader.fit`,
which the view keeps up to date), so the GUI thread only blits it and the cache holds no pixels
the screen cannot show; a picture smaller than the pane is enlarged once, on the GUI thread, when
it is shown (enlarged copies would only fill the cache). `FrameCache` keeps the decoded images
in LRU order under a count and a byte budget, so scrubbing back over frames already seen shows
them at once; prefetched frames wait in a small pool of their own, so guesses cannot push out
more than a handful of the frames the user actually looked at. `FrameView` draws the frame
fitted to its size, the search highlights mapped from thumbnail pixels to the widget, and a plain
message in place of the picture when a frame's file was pruned by retention or is damaged. While
the next frame decodes it keeps showing the previous one, so scrubbing never flickers to an empty
pane.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image

from app.qt import QObject, Qt, QtCore, QtGui, QtWidgets
from core.capture.frames import FrameCipher, read_frame
from core.errors import FrameCorruptError, NotFoundError

UNAVAILABLE = "This frame is no longer available"
WORKERS = 2
CACHE_FRAMES = 400
CACHE_BYTES = 256 * 1024 * 1024  # about seventy 1280-pixel thumbnails, thousands of small ones
PREFETCHED_FRAMES = 12  # decoded ahead of the cursor and not shown yet


def to_qimage(image: Image.Image) -> QtGui.QImage:
    """A QImage owning its pixels, in the 32-bit format the raster painter blits without converting."""
    rgbx = image if image.mode == "RGBX" else image.convert("RGBX")
    data = rgbx.tobytes()
    width, height = rgbx.size
    wrapped = QtGui.QImage(data, width, height, width * 4, QtGui.QImage.Format.Format_RGBX8888)
    # The conversion copies the pixels, so the QImage no longer depends on `data`.
    return wrapped.convertToFormat(QtGui.QImage.Format.Format_RGB32)


def fitted_size(source: QtCore.QSize, area: QtCore.QSize) -> QtCore.QSize:
    """`source` scaled to fit inside `area`, aspect ratio kept (at least one pixel each way)."""
    size = source.scaled(area, Qt.AspectRatioMode.KeepAspectRatio)
    return QtCore.QSize(max(1, size.width()), max(1, size.height()))


def fit_image(image: QtGui.QImage, area: QtCore.QSize | None) -> QtGui.QImage:
    """The image smoothly shrunk to fit `area` (device pixels); never enlarged."""
    if area is None or area.isEmpty():
        return image
    size = fitted_size(image.size(), area)
    if size.width() >= image.width() or size.height() >= image.height():
        return image
    return image.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


Loaded = Callable[[str, QtGui.QImage], None]  # frame id, decoded picture
Failed = Callable[[str, str], None]  # frame id, why it cannot be shown
_DELIVERED = QtCore.QEvent.Type(QtCore.QEvent.registerEventType())


class _Delivery(QObject):
    """Lives on the GUI thread; workers queue results here and post it an event to hand them on."""

    def __init__(self, loaded: Loaded, failed: Failed) -> None:
        super().__init__()
        self.loaded = loaded
        self.failed = failed
        self.closed = False
        self._results: deque[tuple[str, QtGui.QImage | None, str]] = deque()

    def post(self, frame_id: str, image: QtGui.QImage | None, error: str) -> None:
        """Called on a worker thread."""
        self._results.append((frame_id, image, error))
        QtCore.QCoreApplication.postEvent(self, QtCore.QEvent(_DELIVERED))

    def customEvent(self, event: QtCore.QEvent) -> None:
        if event.type() != _DELIVERED:
            return
        while self._results and not self.closed:
            frame_id, image, error = self._results.popleft()
            if image is None:
                self.failed(frame_id, error)
            else:
                self.loaded(frame_id, image)


class FrameLoader:
    """Decodes requested frames on worker threads, most wanted first, dropping stale requests."""

    def __init__(
        self,
        frames_dir: Path,
        cipher: FrameCipher,
        loaded: Loaded,
        failed: Failed,
        workers: int = WORKERS,
    ) -> None:
        self.frames_dir = frames_dir
        self.cipher = cipher
        # No parent: the loader owns it, so it outlives every worker that posts to it.
        self._delivery = _Delivery(loaded, failed)
        self.decode_ms: deque[float] = deque(maxlen=4096)  # off-thread cost per frame, for benches
        self.fit: QtCore.QSize | None = None  # the pane's picture area in device pixels
        self._pending: list[tuple[str, str]] = []
        self._inflight: set[str] = set()
        self._cond = threading.Condition()
        self._stopped = False
        self._threads = [
            threading.Thread(target=self._work, name=f"mnemo-frames-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def want(self, requests: Sequence[tuple[str, str]]) -> None:
        """Replace the queue with `(frame id, relative path)` requests, most wanted first."""
        with self._cond:
            seen: set[str] = set()
            pending = []
            for frame_id, path in requests:
                if frame_id not in seen and frame_id not in self._inflight:
                    seen.add(frame_id)
                    pending.append((frame_id, path))
            changed = pending != self._pending
            self._pending = pending
            # Waking the workers for nothing would make the GUI thread wait for the GIL.
            if pending and changed:
                self._cond.notify(min(len(pending), len(self._threads)))

    def busy(self) -> bool:
        """Whether frames are waiting for or being decoded."""
        with self._cond:
            return bool(self._pending or self._inflight)

    def close(self) -> None:
        """Stop the workers (a decode under way finishes first) and wait for them."""
        self._delivery.closed = True
        with self._cond:
            self._stopped = True
            self._pending = []
            self._cond.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)

    def _work(self) -> None:
        """A worker: take the most wanted request, decode it, post the result."""
        while True:
            with self._cond:
                while not self._stopped and not self._pending:
                    self._cond.wait()
                if self._stopped:
                    return
                frame_id, rel = self._pending.pop(0)
                self._inflight.add(frame_id)
            try:
                image, error = self._decode(frame_id, rel)
                with self._cond:
                    if self._stopped:
                        return
                    try:
                        self._delivery.post(frame_id, image, error)
                    except RuntimeError:  # the application is shutting down
                        self._stopped = True
                        return
            finally:
                with self._cond:
                    self._inflight.discard(frame_id)

    def _decode(self, frame_id: str, rel: str) -> tuple[QtGui.QImage | None, str]:
        """Read, decrypt and decode one frame in memory; the image, or None and why not."""
        started = time.perf_counter()
        fit = self.fit
        try:
            image = fit_image(
                to_qimage(read_frame(self.frames_dir / rel, frame_id, self.cipher)), fit
            )
        except NotFoundError:
            return None, "Its file was removed, most likely by the retention limits."
        except FrameCorruptError:
            return None, "Its file is damaged and cannot be decrypted."
        except Exception as exc:
            # The error type only: a message from a lower layer could quote a window title.
            return None, f"Its file could not be read ({type(exc).__name__})."
        self.decode_ms.append((time.perf_counter() - started) * 1000)
        return image, ""


class FrameCache:
    """Decoded frames under a count and a byte budget: seen ones in LRU order, guesses apart.

    Frames decoded ahead of the cursor (prefetched) wait in a small pool of their own, so a run of
    guesses can push out at most that many frames the user actually looked at; a prefetched frame
    joins the seen ones when it is shown.
    """

    def __init__(
        self,
        max_frames: int = CACHE_FRAMES,
        max_bytes: int = CACHE_BYTES,
        max_prefetched: int = PREFETCHED_FRAMES,
    ) -> None:
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        self.max_prefetched = max_prefetched
        self.bytes = 0
        self._seen: OrderedDict[str, QtGui.QImage] = OrderedDict()
        self._prefetched: OrderedDict[str, QtGui.QImage] = OrderedDict()

    def __contains__(self, frame_id: object) -> bool:
        return frame_id in self._seen or frame_id in self._prefetched

    def __len__(self) -> int:
        return len(self._seen) + len(self._prefetched)

    def get(self, frame_id: str) -> QtGui.QImage | None:
        """The cached image (now the most recently seen), or None."""
        image = self._prefetched.pop(frame_id, None)
        if image is not None:
            self._seen[frame_id] = image
            return image
        image = self._seen.get(frame_id)
        if image is not None:
            self._seen.move_to_end(frame_id)
        return image

    def put(self, frame_id: str, image: QtGui.QImage, seen: bool = True) -> None:
        """Keep `image`, as seen (shown to the user) or as prefetched."""
        for pool in (self._seen, self._prefetched):
            old = pool.pop(frame_id, None)
            if old is not None:
                self.bytes -= old.sizeInBytes()
        (self._seen if seen else self._prefetched)[frame_id] = image
        self.bytes += image.sizeInBytes()
        while len(self._prefetched) > self.max_prefetched:
            self._evict(self._prefetched)
        while len(self) > 1 and (len(self) > self.max_frames or self.bytes > self.max_bytes):
            self._evict(self._seen if self._seen else self._prefetched)

    def _evict(self, pool: OrderedDict[str, QtGui.QImage]) -> None:
        _, image = pool.popitem(last=False)
        self.bytes -= image.sizeInBytes()

    def clear(self) -> None:
        """Forget every cached frame."""
        self._seen.clear()
        self._prefetched.clear()
        self.bytes = 0


class FrameView(QtWidgets.QWidget):
    """The frame at the cursor, fitted to the widget, with search highlights or a message."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Frame at the cursor")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(240, 135)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding
        )
        self._frame_id: str | None = None
        self._image: QtGui.QImage | None = None
        self._source = QtCore.QSize()  # the thumbnail's size: highlights are in its pixels
        self._highlights: list[QtCore.QRectF] = []
        self._message = ""
        self._detail = ""
        self._scaled: QtGui.QImage | None = None
        self._scaled_key: tuple[int, int, int] | None = None

    # -- what is shown -----------------------------------------------------------------------
    def frame_id(self) -> str | None:
        """The frame whose picture (or unavailability) is shown now."""
        return self._frame_id

    def message(self) -> str:
        """The message shown instead of a picture ('' while a picture is shown)."""
        return self._message

    def highlights(self) -> list[QtCore.QRectF]:
        """The highlighted rectangles, in thumbnail pixels."""
        return list(self._highlights)

    def image(self) -> QtGui.QImage | None:
        """The picture shown (None while a message is shown)."""
        return self._image

    def picture_area(self) -> QtCore.QSize:
        """The largest picture the pane can show, in device pixels (what the loader fits to)."""
        ratio = self.devicePixelRatioF()
        area = self.contentsRect().size()
        return QtCore.QSize(round(area.width() * ratio), round(area.height() * ratio))

    def show_image(
        self,
        frame_id: str,
        image: QtGui.QImage,
        source: QtCore.QSize | None = None,
        highlights: Sequence[QtCore.QRectF] = (),
    ) -> None:
        """Show a decoded frame of thumbnail size `source` and rectangles to highlight (its pixels)."""
        self._frame_id = frame_id
        self._image = image
        self._source = source if source is not None and not source.isEmpty() else image.size()
        self._highlights = list(highlights)
        self._message = self._detail = ""
        self.update()

    def show_message(self, frame_id: str | None, message: str, detail: str = "") -> None:
        """Show a message instead of a picture (a missing frame, an empty day)."""
        self._frame_id = frame_id
        self._image = None
        self._scaled = None
        self._scaled_key = None
        self._highlights = []
        self._message = message
        self._detail = detail
        self.setAccessibleDescription(f"{message}. {detail}".strip())
        self.update()

    # -- drawing -----------------------------------------------------------------------------
    def target_rect(self) -> QtCore.QRect:
        """Where the picture goes: fitted to the widget, centred, aspect ratio kept."""
        area = self.contentsRect()
        if self._image is None or self._image.isNull():
            return area
        size = fitted_size(self._source, area.size())
        x = area.x() + (area.width() - size.width()) // 2
        y = area.y() + (area.height() - size.height()) // 2
        return QtCore.QRect(x, y, size.width(), size.height())

    def _fitted(self, target: QtCore.QRect) -> QtGui.QImage | None:
        """The picture scaled to `target`, computed once per frame and size."""
        if self._image is None:
            return None
        ratio = self.devicePixelRatioF()
        key = (
            self._image.cacheKey(),
            round(target.width() * ratio),
            round(target.height() * ratio),
        )
        if self._scaled_key != key:
            if (key[1], key[2]) == (self._image.width(), self._image.height()):
                self._scaled = self._image
            else:
                self._scaled = self._image.scaled(
                    key[1],
                    key[2],
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
                self._scaled.setDevicePixelRatio(ratio)
            self._scaled_key = key
        return self._scaled

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QtGui.QPalette.ColorRole.Base))
        if self._message:
            self._paint_message(painter, palette)
            return
        target = self.target_rect()
        fitted = self._fitted(target)
        if fitted is None:
            return
        painter.drawImage(target.topLeft(), fitted)
        if self._highlights and self._image is not None:
            scale = target.width() / max(1, self._source.width())
            colour = palette.color(QtGui.QPalette.ColorRole.Highlight)
            fill = QtGui.QColor(colour)
            fill.setAlpha(70)
            painter.setPen(QtGui.QPen(colour, 2))
            painter.setBrush(fill)
            for rect in self._highlights:
                painter.drawRect(
                    QtCore.QRectF(
                        target.x() + rect.x() * scale,
                        target.y() + rect.y() * scale,
                        rect.width() * scale,
                        rect.height() * scale,
                    ).adjusted(-2, -2, 2, 2)
                )

    def _paint_message(self, painter: QtGui.QPainter, palette: QtGui.QPalette) -> None:
        area = self.contentsRect().adjusted(16, 16, -16, -16)
        painter.setPen(palette.color(QtGui.QPalette.ColorRole.Text))
        font = QtGui.QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        metrics = QtGui.QFontMetrics(font)
        head = QtCore.QRect(area.x(), area.center().y() - metrics.height(), area.width(), 0)
        head.setHeight(metrics.height() * 2)
        painter.drawText(
            head, int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap), self._message
        )
        if self._detail:
            painter.setFont(self.font())
            painter.setPen(palette.color(QtGui.QPalette.ColorRole.PlaceholderText))
            top = head.bottom() + 4
            below = QtCore.QRect(area.x(), top, area.width(), max(0, area.bottom() - top))
            painter.drawText(
                below,
                int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap),
                self._detail,
            )

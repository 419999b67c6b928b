"""Grabbing the pixels of every monitor at once with mss.

One grab covers the virtual screen (the bounding box of all monitors), so a frame is one picture in
the same coordinates the window system uses for window rectangles; the monitors' own rectangles
are kept so the change gate can compare each monitor with its last stored picture. The pixels are
BGRA in a writable array, because privacy masking blacks out excluded windows in place before
anything else looks at them. mss objects belong to the thread that made them, so a `MssScreen`
is created by (and used on) the capture thread only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from PIL import Image

from core.capture.desktop import Rect
from core.errors import CaptureUnavailableError

Pixels = npt.NDArray[np.uint8]


@dataclass
class Grab:
    """The whole virtual screen at one moment: BGRA pixels, where they are, and the monitors."""

    pixels: Pixels  # H x W x 4, BGRA, writable
    origin: Rect
    monitors: tuple[Rect, ...]

    def crop(self, region: Rect) -> Image.Image:
        """The region as an RGB image of its own (it does not keep the grab's buffer alive)."""
        x0, y0 = region.x - self.origin.x, region.y - self.origin.y
        part = np.ascontiguousarray(
            self.pixels[y0 : y0 + region.height, x0 : x0 + region.width, :3]
        )
        return Image.frombuffer(
            "RGB", (region.width, region.height), part.tobytes(), "raw", "BGR", 0, 1
        )


class Screen(Protocol):
    """Something that can grab all monitors."""

    def grab(self) -> Grab: ...

    def close(self) -> None: ...


class ScreenGrabError(Exception):
    """A single grab failed (the display went away, a monitor was unplugged mid-grab)."""


class MssScreen:
    """All monitors through mss (XShm on X11, falling back to XGetImage)."""

    def __init__(self, display: str | None = None) -> None:
        import mss
        import mss.exception

        self._errors: tuple[type[Exception], ...] = (mss.exception.ScreenShotError, OSError)
        try:
            self._sct = mss.MSS(display=display) if display else mss.MSS()
        except self._errors as exc:
            raise CaptureUnavailableError(f"cannot read the screen: {exc}") from None

    def grab(self) -> Grab:
        """Grab the virtual screen; raise ScreenGrabError on failure."""
        try:
            monitors = self._sct.monitors
            whole = monitors[0]
            shot = self._sct.grab(whole)
        except self._errors as exc:
            raise ScreenGrabError(str(exc)) from None
        height, width = shot.height, shot.width
        pixels = np.frombuffer(shot.raw, dtype=np.uint8).reshape(height, width, 4)
        origin = Rect(int(whole["left"]), int(whole["top"]), width, height)
        rects = tuple(
            Rect(int(m["left"]), int(m["top"]), int(m["width"]), int(m["height"]))
            for m in monitors[1:]
        )
        return Grab(pixels, origin, rects or (origin,))

    def close(self) -> None:
        self._sct.close()

"""The change gate: is this screen different enough from the last stored frame to keep?

Every tick grabs the screen, but only a changed screen is worth a thumbnail and OCR. The gate keeps
a signature of the last stored frame: a downscaled grayscale copy (every 4th pixel in each
direction of the green channel, which carries most of the luminance: 1/16 of the pixels, about
130 kB for 1920x1080, made by one strided numpy copy). A new grab is compared with it sample by
sample; samples that moved by more than a tolerance are "changed". The share of changed samples is
measured per monitor and the largest counts, so a small change on one monitor of three is not
diluted; the bounding box of the changed samples is the region OCR reads. Comparing with the last
*stored* frame (not the last grab) means slow changes accumulate until they are worth a frame, and
an unchanged screen costs one strided copy and one comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.capture.desktop import Rect
from core.capture.screen import Grab

STEP = 4
TOLERANCE = 24  # grey levels: below it is noise (cursor blink anti-aliasing, dithering)

Signature = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Change:
    """How much of the screen changed since the last stored frame, and where."""

    fraction: float  # the largest share of changed samples on any one monitor, 0..1
    region: Rect  # bounding box of the changed pixels, in screen coordinates (empty if none)
    first: bool = False  # there was no stored frame to compare with


def signature(grab: Grab) -> Signature:
    """The downscaled grayscale signature of a grab."""
    return np.ascontiguousarray(grab.pixels[::STEP, ::STEP, 1])


class ChangeGate:
    """Compares grabs with the last stored frame's signature."""

    def __init__(self, tolerance: int = TOLERANCE) -> None:
        self.tolerance = tolerance
        self._last: Signature | None = None
        self._origin: Rect | None = None

    def compare(self, grab: Grab, sig: Signature) -> Change:
        """The change between `sig` (of `grab`) and the last stored frame."""
        if self._last is None or self._last.shape != sig.shape or self._origin != grab.origin:
            return Change(1.0, grab.origin, first=True)
        diff = np.abs(sig.astype(np.int16) - self._last.astype(np.int16)) > self.tolerance
        if not diff.any():
            return Change(0.0, Rect(0, 0, 0, 0))
        fraction = 0.0
        for monitor in grab.monitors:
            part = monitor.intersect(grab.origin)
            if part.empty:
                continue
            rows = slice(
                (part.y - grab.origin.y) // STEP, -(-(part.bottom - grab.origin.y) // STEP)
            )
            cols = slice((part.x - grab.origin.x) // STEP, -(-(part.right - grab.origin.x) // STEP))
            window = diff[rows, cols]
            if window.size:
                fraction = max(fraction, float(window.mean()))
        ys = np.flatnonzero(diff.any(axis=1))
        xs = np.flatnonzero(diff.any(axis=0))
        region = Rect(
            grab.origin.x + int(xs[0]) * STEP,
            grab.origin.y + int(ys[0]) * STEP,
            (int(xs[-1]) - int(xs[0]) + 1) * STEP,
            (int(ys[-1]) - int(ys[0]) + 1) * STEP,
        ).intersect(grab.origin)
        return Change(fraction, region)

    def accept(self, grab: Grab, sig: Signature) -> None:
        """Remember `sig` as the last stored frame."""
        self._last = sig
        self._origin = grab.origin

    def reset(self) -> None:
        """Forget the last stored frame (the next grab counts as changed)."""
        self._last = None

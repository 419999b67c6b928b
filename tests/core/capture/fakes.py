"""Scripted stand-ins for the desktop, the screen and OCR, for fast monitor tests (tests only)."""

from __future__ import annotations

import numpy as np

from core.capture.desktop import DesktopState, Rect, Window
from core.capture.ocr import OcrJob, Reading, Word, redact_reading
from core.capture.screen import Grab

SCREEN = Rect(0, 0, 640, 360)


def window(wid: int, app: str, title: str, rect: Rect = SCREEN) -> Window:
    return Window(wid, app, title, rect)


class FakeDesktop:
    name = "fake"

    def __init__(self, *windows: Window) -> None:
        self.windows = list(windows)
        self.focused: Window | None = windows[-1] if windows else None
        self.locked = False
        self.snapshots = 0
        self.move_during_grab = False

    def focus(self, w: Window) -> None:
        self.windows = [x for x in self.windows if x.id != w.id] + [w]
        self.focused = w

    def snapshot(self) -> DesktopState:
        self.snapshots += 1
        windows = list(self.windows)
        if self.move_during_grab and self.snapshots % 2 == 0:
            first = windows[0]
            windows[0] = Window(first.id, first.app, first.title, first.rect.grow(-5))
        return DesktopState(tuple(windows), self.focused, self.locked)

    def wait_for_focus_change(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        pass


class FakeScreen:
    """Returns a copy of `pixels` on each grab (masking writes into the grab)."""

    def __init__(self, rect: Rect = SCREEN) -> None:
        self.rect = rect
        self.pixels = np.full((rect.height, rect.width, 4), 255, dtype=np.uint8)
        self.grabs = 0

    def paint(self, rect: Rect, value: int) -> None:
        self.pixels[rect.y : rect.bottom, rect.x : rect.right, :3] = value

    def grab(self) -> Grab:
        self.grabs += 1
        return Grab(self.pixels.copy(), self.rect, (self.rect,))

    def close(self) -> None:
        pass


class FakeReader:
    """OCR that 'reads' the lines scripted for the current screen."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.jobs: list[OcrJob] = []

    def __call__(self, job: OcrJob) -> Reading:
        self.jobs.append(job)
        words = []
        for row, line in enumerate(self.lines):
            x = job.offset[0]
            out = []
            for token in line.split():
                out.append(
                    Word(token, Rect(x, job.offset[1] + 30 * row, 12 * len(token), 20), 95.0)
                )
                x += 12 * len(token) + 12
            words.append(out)
        return redact_reading(words)

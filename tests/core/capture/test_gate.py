"""The change gate: an unchanged screen is 0, a change is measured per monitor and located."""

from __future__ import annotations

import numpy as np

from core.capture.desktop import Rect
from core.capture.gate import ChangeGate, signature
from core.capture.screen import Grab


def grab(pixels: np.ndarray, monitors: tuple[Rect, ...] | None = None) -> Grab:
    h, w = pixels.shape[:2]
    origin = Rect(0, 0, w, h)
    return Grab(pixels, origin, monitors or (origin,))


def screen(w: int = 400, h: int = 200) -> np.ndarray:
    return np.full((h, w, 4), 255, dtype=np.uint8)


def test_first_grab_counts_as_changed_and_identical_grabs_as_unchanged() -> None:
    gate = ChangeGate()
    g = grab(screen())
    first = gate.compare(g, signature(g))
    assert first.first and first.fraction == 1.0
    gate.accept(g, signature(g))
    again = grab(screen())
    change = gate.compare(again, signature(again))
    assert change.fraction == 0.0 and change.region.empty


def test_a_changed_block_is_located_and_measured() -> None:
    gate = ChangeGate()
    g = grab(screen())
    gate.accept(g, signature(g))
    pixels = screen()
    pixels[40:80, 100:180] = 0  # black text-sized block
    g2 = grab(pixels)
    change = gate.compare(g2, signature(g2))
    assert 0.03 < change.fraction < 0.05  # 40x80 of 400x200
    assert change.region.x <= 100 and change.region.right >= 176
    assert change.region.y <= 40 and change.region.bottom >= 76


def test_noise_below_the_tolerance_is_not_a_change() -> None:
    gate = ChangeGate()
    g = grab(screen())
    gate.accept(g, signature(g))
    pixels = screen()
    pixels[:, :] = 245  # a slight shade change everywhere (dithering, night light)
    g2 = grab(pixels)
    assert gate.compare(g2, signature(g2)).fraction == 0.0


def test_change_is_measured_per_monitor_so_a_small_monitor_is_not_diluted() -> None:
    big, small = Rect(0, 0, 800, 200), Rect(800, 0, 200, 200)
    gate = ChangeGate()
    g = grab(screen(1000, 200), (big, small))
    gate.accept(g, signature(g))
    pixels = screen(1000, 200)
    pixels[:, 900:1000] = 0  # half of the small monitor
    g2 = grab(pixels, (big, small))
    change = gate.compare(g2, signature(g2))
    assert change.fraction > 0.45  # of the small monitor, not 10% of the whole screen


def test_after_reset_the_next_grab_is_first_again() -> None:
    gate = ChangeGate()
    g = grab(screen())
    gate.accept(g, signature(g))
    gate.reset()
    assert gate.compare(g, signature(g)).first

"""Masking: only the visible part of an excluded window turns black, whatever the stacking."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from core.capture.desktop import Rect, Window
from core.capture.exclusions import ExclusionRules
from core.capture.mask import INSET, PAD, black_out, mask_excluded

WHITE = 255


def frame(width: int = 200, height: int = 100, channels: int = 4) -> np.ndarray:
    return np.full((height, width, channels), WHITE, dtype=np.uint8)


def win(app: str, x: int, y: int, w: int, h: int) -> Window:
    return Window(id=hash((app, x, y)), app=app, title="", rect=Rect(x, y, w, h))


def secret(window: Window) -> str | None:
    return "secret app" if window.app.startswith("secret") else None


def black(image: np.ndarray) -> np.ndarray:
    """Per pixel: every channel is 0."""
    return (image == 0).all(axis=-1) if image.ndim == 3 else image == 0


def expected(shape: tuple[int, int], *rects: Rect) -> np.ndarray:
    out = np.zeros(shape, dtype=bool)
    for r in rects:
        out[max(r.y, 0) : max(r.bottom, 0), max(r.x, 0) : max(r.right, 0)] = True
    return out


def test_an_excluded_window_alone_is_black_and_nothing_else() -> None:
    img = frame()
    result = mask_excluded(
        img, Rect(0, 0, 200, 100), [win("secret", 20, 10, 50, 40)], secret, pad=0
    )
    assert (black(img) == expected((100, 200), Rect(20, 10, 50, 40))).all()
    assert result.count == 1
    assert result.rects == (Rect(20, 10, 50, 40),)
    assert result.reasons == ("secret app",)


def test_the_covered_part_stays_and_the_visible_part_is_black() -> None:
    img = frame()
    img[:, :, 0] = np.arange(200, dtype=np.uint8)  # content that must survive where covered
    before = img.copy()
    windows = [win("secret", 20, 10, 100, 60), win("editor", 70, 30, 100, 60)]
    result = mask_excluded(img, Rect(0, 0, 200, 100), windows, secret, pad=0, inset=0)
    visible = expected((100, 200), Rect(20, 10, 100, 60)) & ~expected(
        (100, 200), Rect(70, 30, 100, 60)
    )
    assert (black(img) == visible).all()
    assert (img[~visible] == before[~visible]).all()
    assert result.count == 1


def test_an_excluded_window_on_top_of_a_normal_one_is_black_entirely() -> None:
    img = frame()
    windows = [win("editor", 0, 0, 150, 80), win("secret", 100, 40, 80, 50)]
    mask_excluded(img, Rect(0, 0, 200, 100), windows, secret, pad=0, inset=0)
    assert (black(img) == expected((100, 200), Rect(100, 40, 80, 50))).all()


def test_a_fully_covered_excluded_window_masks_nothing() -> None:
    img = frame()
    windows = [win("secret", 20, 20, 40, 40), win("editor", 0, 0, 200, 100)]
    result = mask_excluded(img, Rect(0, 0, 200, 100), windows, secret)
    assert not black(img).any()
    assert result.count == 0 and result.rects == ()


def test_stacked_excluded_and_normal_windows() -> None:
    img = frame()
    windows = [
        win("secret-a", 0, 0, 100, 100),
        win("editor", 50, 0, 100, 50),
        win("secret-b", 120, 20, 60, 60),
        win("term", 160, 60, 40, 40),
    ]
    result = mask_excluded(img, Rect(0, 0, 200, 100), windows, secret, pad=0, inset=0)
    shape = (100, 200)
    want = (expected(shape, Rect(0, 0, 100, 100)) & ~expected(shape, Rect(50, 0, 100, 50))) | (
        expected(shape, Rect(120, 20, 60, 60)) & ~expected(shape, Rect(160, 60, 40, 40))
    )
    assert (black(img) == want).all()
    assert result.count == 2
    assert result.rects == (Rect(0, 0, 100, 100), Rect(120, 20, 60, 60))


def test_excluded_edges_grow_by_the_pad() -> None:
    img = frame()
    mask_excluded(img, Rect(0, 0, 200, 100), [win("secret", 50, 30, 40, 20)], secret)
    assert PAD > 0
    assert (black(img) == expected((100, 200), Rect(50, 30, 40, 20).grow(PAD))).all()


def test_a_covering_window_edge_does_not_count_as_covering() -> None:
    # Rounded corners and soft edges of the window on top let the excluded one show through.
    img = frame()
    windows = [win("secret", 0, 0, 200, 100), win("editor", 50, 20, 100, 60)]
    mask_excluded(img, Rect(0, 0, 200, 100), windows, secret)
    assert INSET > 0
    kept = expected((100, 200), Rect(50, 20, 100, 60).grow(-INSET))
    assert (black(img) == ~kept).all()


def test_windows_beyond_the_frame_edges_are_clipped() -> None:
    img = frame()
    windows = [
        win("secret-left", -500, -50, 530, 80),
        win("secret-right", 180, 90, 400, 400),
        win("secret-away", 1000, 1000, 50, 50),
        win("editor", -10, -10, 15, 15),
    ]
    result = mask_excluded(img, Rect(0, 0, 200, 100), windows, secret, pad=0, inset=0)
    shape = (100, 200)
    want = (expected(shape, Rect(0, 0, 30, 30)) & ~expected(shape, Rect(0, 0, 5, 5))) | expected(
        shape, Rect(180, 90, 20, 10)
    )
    assert (black(img) == want).all()
    assert result.count == 2
    assert result.rects == (Rect(0, 0, 30, 30), Rect(180, 90, 20, 10))


def test_a_frame_of_a_second_monitor_uses_screen_coordinates() -> None:
    img = frame()
    origin = Rect(1920, 0, 200, 100)  # the second monitor's grab
    windows = [win("secret", 1900, 10, 60, 20), win("secret-other-screen", 100, 10, 60, 20)]
    result = mask_excluded(img, origin, windows, secret, pad=0)
    assert (black(img) == expected((100, 200), Rect(0, 10, 40, 20))).all()
    assert result.rects == (Rect(1920, 10, 40, 20),)


def test_rgb_and_grey_frames() -> None:
    for img in (frame(channels=3), np.full((100, 200), WHITE, dtype=np.uint8)):
        mask_excluded(img, Rect(0, 0, 200, 100), [win("secret", 10, 10, 20, 20)], secret, pad=0)
        assert (black(img) == expected((100, 200), Rect(10, 10, 20, 20))).all()


def test_a_boolean_predicate_and_exclusion_rules_work_as_excluders() -> None:
    img = frame()
    result = mask_excluded(img, Rect(0, 0, 200, 100), [win("x", 0, 0, 10, 10)], lambda w: True)
    assert result.reasons == ("excluded",)
    rules = ExclusionRules()
    windows = [win("KeePassXC", 0, 0, 50, 50), win("firefox", 100, 0, 50, 50)]
    result = mask_excluded(frame(), Rect(0, 0, 200, 100), windows, rules.excludes)
    assert result.reasons == ("password manager KeePassXC",)


def test_nothing_excluded_leaves_the_frame_untouched() -> None:
    img = frame()
    result = mask_excluded(img, Rect(0, 0, 200, 100), [win("editor", 0, 0, 200, 100)], secret)
    assert result.count == 0 and (img == WHITE).all()


def test_a_frame_that_does_not_match_its_origin_is_a_bug() -> None:
    with pytest.raises(ValueError):
        mask_excluded(frame(), Rect(0, 0, 100, 100), [], secret)


def painter(shape: tuple[int, int], windows: list[Window], pad: int, inset: int) -> np.ndarray:
    """Reference: paint bottom to top on a per-pixel mask, clipping by hand."""
    mask = np.zeros(shape, dtype=bool)
    for w in windows:
        r = w.rect.grow(pad if secret(w) else -inset)
        if r.width <= 0 or r.height <= 0:
            continue
        region = (
            slice(max(r.y, 0), max(min(r.bottom, shape[0]), 0)),
            slice(max(r.x, 0), max(min(r.right, shape[1]), 0)),
        )
        mask[region] = bool(secret(w))
    return mask


@pytest.mark.parametrize("seed", range(40))
def test_matches_painting_bottom_to_top(seed: int) -> None:
    rnd = random.Random(seed)
    windows = [
        win(rnd.choice(["secret", "editor", "term"]) + str(i), *xywh)
        for i in range(rnd.randint(1, 12))
        for xywh in [
            (rnd.randint(-60, 180), rnd.randint(-40, 90), rnd.randint(1, 120), rnd.randint(1, 80))
        ]
    ]
    pad, inset = rnd.choice([(0, 0), (PAD, INSET), (2, 7)])
    img = frame()
    mask_excluded(img, Rect(0, 0, 200, 100), windows, secret, pad=pad, inset=inset)
    assert (black(img) == painter((100, 200), windows, pad, inset)).all()


def test_full_hd_with_a_few_windows_is_fast() -> None:
    img = np.full((1080, 1920, 4), WHITE, dtype=np.uint8)
    windows = [
        win("editor", 0, 0, 1920, 1080),
        win("secret", 300, 200, 1000, 700),
        win("term", 800, 400, 600, 500),
        win("secret-2", 1500, 800, 800, 600),
        win("chat", 100, 100, 300, 300),
    ]
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        result = mask_excluded(img, Rect(0, 0, 1920, 1080), windows, secret)
        timings.append(time.perf_counter() - start)
    assert result.count == 2
    assert min(timings) < 0.005


def test_black_out_clips_and_ignores_empty_rects() -> None:
    img = frame()
    black_out(img, [Rect(-10, -10, 20, 20), Rect(190, 95, 50, 50), Rect(50, 50, 0, 10)])
    want = expected((100, 200), Rect(0, 0, 10, 10), Rect(190, 95, 10, 5))
    assert (black(img) == want).all()


def test_a_translucent_or_shadowed_window_on_top_does_not_unmask_what_is_below() -> None:
    from core.capture.desktop import Rect as R
    from core.capture.desktop import Window as W
    from core.capture.mask import mask_excluded as mask

    frame = np.full((100, 200, 4), 255, dtype=np.uint8)
    private = W(1, "firefox", "x - Private Browsing", R(0, 0, 100, 100))
    glass = W(2, "term", "glass", R(0, 0, 100, 100), cover=R(0, 0, 0, 0))
    assert (
        mask(frame, R(0, 0, 200, 100), [private, glass], lambda w: "p" if w.id == 1 else None).count
        == 1
    )
    assert frame[50, 50, :3].max() == 0
    frame[:] = 255
    shadowed = W(3, "gedit", "doc", R(0, 0, 100, 100), cover=R(20, 20, 60, 60))
    mask(frame, R(0, 0, 200, 100), [private, shadowed], lambda w: "p" if w.id == 1 else None)
    assert frame[10, 10, :3].max() == 0  # in the shadow margin: still black
    assert frame[50, 50, :3].min() == 255  # under the opaque content: the top window's pixels

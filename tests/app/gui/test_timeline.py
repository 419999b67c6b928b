"""The timeline browser: scrubbing, days, search highlights, lazy decoding, memories, filters."""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import app.gui.timeline as timeline
import app.gui.timeline_frames as timeline_frames
from app.gui.context import AppContext
from app.gui.timeline import TimelineView, highlight_rects
from app.gui.timeline_frames import UNAVAILABLE, FrameCache
from app.qt import Qt, QtCore, QtGui, QtWidgets
from core.capture.desktop import Rect
from core.capture.frames import thumbnail, write_frame
from core.memory import Memory, MemoryType, Observation, Source, Trust, uuid7

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench.gui_timeline import build_month, measure_scrub

DAY = date(2026, 3, 10)
SCREEN = Rect(100, 50, 1600, 900)  # a second monitor's origin is not (0, 0)
THUMB = (320, 180)  # 1600 x 900 at scale 0.2, as the recorder would keep it


def at(hour: int, minute: int = 0, second: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second).astimezone()


def add_segment(
    ctx: AppContext,
    app: str | None,
    start: datetime,
    count: int,
    step: float = 30.0,
    title: str = "A window",
    words: list[list[Any]] | None = None,
) -> tuple[str, list[str]]:
    """A segment of `count` frames with real encrypted WebP thumbnails, as the recorder stores it."""
    segment_id = uuid7()
    times = [start + timedelta(seconds=step * n) for n in range(count)]
    with ctx.store.write() as conn:
        conn.execute(
            "INSERT INTO segments (id, app, title, start, start_ts, end, end_ts, closed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 2)",
            (
                segment_id,
                app,
                title,
                times[0].isoformat(),
                times[0].timestamp(),
                times[-1].isoformat(),
                times[-1].timestamp(),
            ),
        )
    ids: list[str] = []
    rng = np.random.default_rng(int(start.timestamp()))
    for when in times:
        frame_id = uuid7()
        rel = f"{when:%Y/%m/%d}/{frame_id}.mnf"
        pixels = rng.integers(0, 255, (THUMB[1], THUMB[0], 3), dtype=np.uint8)
        webp, _ = thumbnail(pixels, THUMB[0], 50)
        write_frame(ctx.home.frames_dir / rel, frame_id, webp, ctx.cipher)
        text = " ".join(str(w[0]) for w in words or [])
        with ctx.store.write() as conn:
            conn.execute(
                "INSERT INTO frames (id, segment_id, time, ts, path, bytes, width, height, screen, "
                "app, title, masked, ocr, ocr_region, text, words) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'done', NULL, ?, ?)",
                (
                    frame_id,
                    segment_id,
                    when.isoformat(),
                    when.timestamp(),
                    rel,
                    len(webp),
                    THUMB[0],
                    THUMB[1],
                    json.dumps([SCREEN.x, SCREEN.y, SCREEN.width, SCREEN.height]),
                    app,
                    title,
                    text,
                    json.dumps(words or []),
                ),
            )
        ids.append(frame_id)
    return segment_id, ids


def observe(ctx: AppContext, segment_id: str, when: datetime) -> str:
    """The screen observation a finished segment becomes."""
    obs = Observation(
        source=Source.SCREEN,
        time=when,
        text="what the segment showed",
        trust=Trust.SCREEN,
        external_id=f"segment:{segment_id}",
    )
    ctx.store.add_observation(obs)
    with ctx.store.write() as conn:
        conn.execute("UPDATE segments SET observation_id = ? WHERE id = ?", (obs.id, segment_id))
    return obs.id


@pytest.fixture
def view(ctx: AppContext, qtbot: Any) -> Iterator[TimelineView]:
    widget = TimelineView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    yield widget


def shown(view: TimelineView, frame_id: str) -> bool:
    """The frame's picture is on screen (decoded), not just under the cursor."""
    return view.frame_view.frame_id() == frame_id and view.frame_view.image() is not None


def test_arrow_and_page_keys_step_through_frames_and_segments(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    _, browser = add_segment(ctx, "firefox", at(9), 3)
    _, editor = add_segment(ctx, "code", at(10), 2)
    view.show_day(DAY)
    assert view.current_frame().id == browser[0]
    qtbot.keyClick(view.axis, Qt.Key.Key_Right)
    assert view.current_frame().id == browser[1]
    assert view.caption.text().startswith("09:00:30 · firefox")
    qtbot.keyClick(view.axis, Qt.Key.Key_Left)
    assert view.current_frame().id == browser[0]
    qtbot.keyClick(view.axis, Qt.Key.Key_PageDown)
    assert view.current_frame().id == editor[0]
    qtbot.keyClick(view.axis, Qt.Key.Key_PageUp)
    assert view.current_frame().id == browser[0]
    qtbot.keyClick(view.frame_view, Qt.Key.Key_End)
    assert view.current_frame().id == editor[1]
    qtbot.keyClick(view.axis, Qt.Key.Key_Right)  # already the last frame: a message, no move
    assert view.current_frame().id == editor[1]
    assert "last frame of the day" in view.status.text()
    qtbot.keyClick(view.axis, Qt.Key.Key_Home)
    assert view.current_frame().id == browser[0]
    qtbot.waitUntil(lambda: shown(view, browser[0]))


def test_clicking_the_axis_scrubs_to_the_nearest_frame_and_keys_zoom(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    _, morning = add_segment(ctx, "firefox", at(9), 2)
    _, afternoon = add_segment(ctx, "code", at(15), 2)
    view.show()
    view.show_day(DAY)
    x = round(view.axis.x_of(at(14, 50).timestamp()))
    qtbot.mouseClick(view.axis, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, 30))
    assert view.current_frame().id == afternoon[0]
    full = view.axis.span
    qtbot.keyClick(view.axis, Qt.Key.Key_Plus)
    assert view.axis.span == pytest.approx(full / 1.5)
    assert view.axis.view_start <= at(15).timestamp() <= view.axis.view_end
    qtbot.keyClick(view.axis, Qt.Key.Key_0)
    assert view.axis.span == full
    view.axis.setFocus()
    qtbot.keyClick(view.axis, Qt.Key.Key_Home)
    assert view.current_frame().id == morning[0]


def test_day_buttons_and_jump_to_date_change_the_day(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    _, first = add_segment(ctx, "firefox", at(9), 2)
    _, later = add_segment(ctx, "code", at(11, day=DAY + timedelta(days=2)), 2)
    view.show()
    view.show_day(DAY)
    qtbot.mouseClick(view.next_day_button, Qt.MouseButton.LeftButton)
    assert view.day() == DAY + timedelta(days=1)
    assert view.current_frame() is None
    assert view.frame_view.message().startswith("No frames on Wednesday 11 March 2026")
    view.next_day_button.click()
    assert view.day() == DAY + timedelta(days=2)
    assert view.current_frame().id == later[0]
    assert view.date_edit.date() == QtCore.QDate(2026, 3, 12)
    view.date_edit.setDate(QtCore.QDate(2026, 3, 10))  # what the calendar popup does
    assert view.day() == DAY
    assert view.current_frame().id == first[0]
    view.previous_day_button.click()
    assert view.day() == DAY - timedelta(days=1)


def test_shortcuts_focus_the_date_and_search_and_change_day(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    add_segment(ctx, "firefox", at(9), 2)
    view.show()
    view.show_day(DAY)
    view.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is view)
    view.axis.setFocus()
    qtbot.keyClick(view.axis, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert view.date_edit.hasFocus()
    qtbot.keyClick(view.date_edit, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search_box.hasFocus()
    view.axis.setFocus()
    qtbot.keyClick(view.axis, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert view.day() == DAY + timedelta(days=1)


def test_open_frame_on_the_event_bus_shows_that_frame_on_its_day(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    add_segment(ctx, "firefox", at(9), 2)
    _, other = add_segment(ctx, "code", at(16, day=DAY - timedelta(days=3)), 3)
    view.show_day(DAY)
    view.set_app_filter("firefox")  # hides the code frame: opening it clears the filter
    ctx.events.open_frame.emit(other[1])
    assert view.day() == DAY - timedelta(days=3)
    assert view.current_frame().id == other[1]
    assert view.app_combo.currentData() is None
    qtbot.waitUntil(lambda: shown(view, other[1]))
    assert view.show_frame("no-such-frame") is False
    assert "no longer stored" in view.status.text()
    assert view.current_frame().id == other[1]


def test_show_time_puts_the_cursor_on_the_closest_frame(
    ctx: AppContext, view: TimelineView
) -> None:
    _, ids = add_segment(ctx, "firefox", at(9), 4, step=600)
    view.show_time(at(9, 21))
    assert view.day() == DAY and view.current_frame().id == ids[2]


def test_search_moves_to_the_hit_and_outlines_the_matching_words(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    words = [["Invoice", 300, 200, 120, 30, 95.0], ["total", 450, 200, 80, 30, 91.0]]
    add_segment(ctx, "firefox", at(9), 3, words=[["Weather", 110, 60, 90, 20, 90.0]])
    _, hit_frames = add_segment(ctx, "mail", at(14, day=DAY + timedelta(days=1)), 1, words=words)
    view.show_day(DAY)
    qtbot.keyClicks(view.search_box, "invoice")
    qtbot.keyClick(view.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shown(view, hit_frames[0]))
    assert view.day() == DAY + timedelta(days=1)
    assert view.results_list.count() == 1
    assert "mail" in view.results_list.item(0).text()
    # (300 - 100) * 0.2 = 40, (200 - 50) * 0.2 = 30, 120 * 0.2 = 24, 30 * 0.2 = 6
    assert view.frame_view.highlights() == [QtCore.QRectF(40, 30, 24, 6)]
    assert view.frame_view.highlights() == highlight_rects(
        [Rect(300, 200, 120, 30)], SCREEN, THUMB[0]
    )
    assert view.status.text() == "Hit 1 of 1 for “invoice”."
    view.clear_search()
    assert view.frame_view.highlights() == [] and view.results_list.count() == 0


def test_search_with_no_hit_says_so_and_keeps_the_cursor(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    _, ids = add_segment(ctx, "firefox", at(9), 2, words=[["Weather", 110, 60, 90, 20, 90.0]])
    view.show_day(DAY)
    view.step(1)
    view.search_box.setText("zeppelin")
    view.run_search()
    qtbot.waitUntil(lambda: "No stored frame" in view.status.text())
    assert view.status.text() == "No stored frame contains “zeppelin”."
    assert view.current_frame().id == ids[1]
    assert not view.next_hit_button.isEnabled()


def test_next_and_previous_hit_walk_the_results(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    words = [["Porto", 200, 100, 60, 20, 90.0]]
    _, first = add_segment(ctx, "firefox", at(9), 1, words=words)
    _, second = add_segment(ctx, "mail", at(9, day=DAY + timedelta(days=1)), 1, words=words)
    view.show_day(DAY)
    view.search_box.setText("porto")
    view.run_search()
    qtbot.waitUntil(lambda: len(view.hits()) == 2 and view.current_frame() is not None)
    order = [hit.id for hit in view.hits()]
    assert sorted(order) == sorted([first[0], second[0]])
    assert view.current_frame().id == order[0]
    view.next_hit()
    assert view.current_frame().id == order[1]
    qtbot.keyClick(view.search_box, Qt.Key.Key_Return)  # Enter again: the next (wrapping) hit
    assert view.current_frame().id == order[0]
    view.previous_hit()
    assert view.current_frame().id == order[1]


def test_frames_decode_lazily_once_and_come_back_from_the_cache(
    ctx: AppContext, view: TimelineView, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: Counter[str] = Counter()
    real = timeline_frames.read_frame

    def counting(path: Path, frame_id: str, cipher: Any) -> Any:
        decoded[frame_id] += 1
        return real(path, frame_id, cipher)

    monkeypatch.setattr(timeline_frames, "read_frame", counting)
    _, ids = add_segment(ctx, "firefox", at(9), 8)
    view.show_day(DAY)
    qtbot.waitUntil(lambda: shown(view, ids[0]))
    image = view.frame_view.image()
    assert image.width() / image.height() == pytest.approx(THUMB[0] / THUMB[1], rel=0.05)
    view.step(1)
    qtbot.waitUntil(lambda: shown(view, ids[1]))
    view.step(-1)
    assert shown(view, ids[0])  # at once: no decoding, no waiting
    qtbot.waitUntil(lambda: not view.loader.busy())
    assert decoded[ids[0]] == 1 and decoded[ids[1]] == 1
    assert set(decoded) <= set(ids[:5])  # only the cursor's frame and a few ahead were read


def test_the_previous_frame_stays_up_while_the_next_decodes_and_stale_requests_are_dropped(
    ctx: AppContext, view: TimelineView, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    decoded: list[str] = []
    real = timeline_frames.read_frame

    def gated(path: Path, frame_id: str, cipher: Any) -> Any:
        gate.wait(10)
        decoded.append(frame_id)
        return real(path, frame_id, cipher)

    _, ids = add_segment(ctx, "firefox", at(9), 20)
    view.show_day(DAY)
    qtbot.waitUntil(lambda: shown(view, ids[0]))
    view.loader.want([])
    qtbot.waitUntil(lambda: not view.loader.busy())
    view.cache.clear()
    monkeypatch.setattr(timeline_frames, "read_frame", gated)
    view.step(1)  # both workers take a frame (1 and 2) and wait at the gate
    qtbot.waitUntil(lambda: len(view.loader._inflight) == 2)
    assert view.current_frame().id == ids[1]
    assert view.frame_view.frame_id() == ids[0]  # still the previous picture, no blank pane
    for _ in range(13):
        view.step(1)
    assert view.current_frame().id == ids[14]
    gate.set()
    qtbot.waitUntil(lambda: shown(view, ids[14]))
    qtbot.waitUntil(lambda: not view.loader.busy())
    skipped = set(ids[3:13])
    assert not skipped & set(decoded), "frames the cursor passed over were decoded"
    assert len(decoded) == len(set(decoded))


def test_memories_of_the_moment_are_listed_and_a_click_opens_one(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    segment, _ = add_segment(ctx, "mail", at(9), 3)
    obs_id = observe(ctx, segment, at(9))
    other_segment, _ = add_segment(ctx, "code", at(11), 1)
    other_obs = observe(ctx, other_segment, at(11))
    fact = Memory(MemoryType.SEMANTIC, "The invoice is due on Friday.", sources=[obs_id])
    secret = Memory(MemoryType.VAULT, "IBAN DE44 5001 0517 5407 3249 31", sources=[obs_id])
    nearby = Memory(MemoryType.EPISODIC, "Called the bank.", valid_from=at(9, 3))
    later = Memory(MemoryType.EPISODIC, "Lunch with Ana.", valid_from=at(13))
    elsewhere = Memory(MemoryType.SEMANTIC, "The build is green.", sources=[other_obs])
    for memory in (fact, secret, nearby, later, elsewhere):
        ctx.store.add_memory(memory)
    view.show_day(DAY)
    qtbot.waitUntil(lambda: view.memory_list.count() == 3)
    assert set(view.memory_list.memory_ids()) == {fact.id, secret.id, nearby.id}
    texts = [view.memory_list.item(row).text() for row in range(3)]
    assert "semantic: The invoice is due on Friday." in texts
    assert not any("DE44" in text for text in texts)  # vault text stays hidden
    row = view.memory_list.memory_ids().index(fact.id)
    item_rect = view.memory_list.visualItemRect(view.memory_list.item(row))
    with qtbot.waitSignal(ctx.events.open_memory, timeout=2000) as opened:
        qtbot.mouseClick(
            view.memory_list.viewport(), Qt.MouseButton.LeftButton, pos=item_rect.center()
        )
    assert opened.args == [fact.id]
    view.memory_list.setCurrentRow(view.memory_list.memory_ids().index(nearby.id))
    with qtbot.waitSignal(ctx.events.open_memory, timeout=2000) as opened:
        qtbot.keyClick(view.memory_list, Qt.Key.Key_Return)
    assert opened.args == [nearby.id]
    view.step_segment(1)
    qtbot.waitUntil(lambda: view.memory_list.memory_ids() == [elsewhere.id])
    assert view.memory_list.memory_ids() == [elsewhere.id]


def test_the_app_filter_lists_the_days_apps_and_limits_the_cursor(
    ctx: AppContext, view: TimelineView
) -> None:
    add_segment(ctx, "firefox", at(9), 2)
    _, code_one = add_segment(ctx, "code", at(9, 10), 1)
    add_segment(ctx, "firefox", at(9, 20), 2)
    _, code_two = add_segment(ctx, "code", at(9, 30), 1)
    add_segment(ctx, None, at(9, 40), 1)
    view.show_day(DAY)
    items = [view.app_combo.itemText(i) for i in range(view.app_combo.count())]
    assert items == ["All applications", "firefox", "code", "Unknown application"]
    view.app_combo.setCurrentIndex(items.index("code"))
    assert view.current_frame().id == code_one[0]
    assert len(view.selection()) == 2
    view.step(1)
    assert view.current_frame().id == code_two[0]
    view.step(1)
    assert view.current_frame().id == code_two[0]
    view.app_combo.setCurrentIndex(items.index("Unknown application"))
    assert view.current_frame().app is None and len(view.selection()) == 1
    view.app_combo.setCurrentIndex(0)
    assert len(view.selection()) == 7


def test_the_memory_type_filter_keeps_the_moments_with_such_memories(
    ctx: AppContext, view: TimelineView
) -> None:
    plain, _ = add_segment(ctx, "firefox", at(9), 2)
    howto, howto_frames = add_segment(ctx, "terminal", at(10), 2)
    ctx.store.add_memory(
        Memory(
            MemoryType.PROCEDURAL, "Deploy with make ship.", sources=[observe(ctx, howto, at(10))]
        )
    )
    ctx.store.add_memory(
        Memory(MemoryType.SEMANTIC, "It rains.", sources=[observe(ctx, plain, at(9))])
    )
    view.show_day(DAY)
    view.set_type_filter(MemoryType.PROCEDURAL)
    assert [view.selection().frames.ids[i] for i in view.selection().indices] == howto_frames
    view.set_type_filter(MemoryType.CORE)
    assert view.current_frame() is None
    assert view.frame_view.message() == "No frames match the filters"


def test_a_missing_or_damaged_frame_file_shows_a_message_instead(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    _, ids = add_segment(ctx, "firefox", at(9), 3)
    with ctx.reader.read() as conn:
        paths = dict(conn.execute("SELECT id, path FROM frames").fetchall())
    (ctx.home.frames_dir / paths[ids[0]]).unlink()  # pruned by retention
    (ctx.home.frames_dir / paths[ids[1]]).write_bytes(b"MNF1" + b"\0" * 64)  # damaged
    view.show_day(DAY)
    qtbot.waitUntil(lambda: view.frame_view.frame_id() == ids[0])
    assert view.frame_view.message() == UNAVAILABLE == "This frame is no longer available"
    view.step(1)
    qtbot.waitUntil(lambda: view.frame_view.frame_id() == ids[1])
    assert view.frame_view.message() == UNAVAILABLE
    view.step(1)
    qtbot.waitUntil(lambda: shown(view, ids[2]))
    assert view.frame_view.message() == ""
    view.step(-2)  # failures are remembered: shown at once, not read again
    assert view.frame_view.frame_id() == ids[0]
    assert view.frame_view.message() == UNAVAILABLE


def test_a_new_memory_appears_beside_the_frame_when_memories_change(
    ctx: AppContext, view: TimelineView, qtbot: Any
) -> None:
    segment, _ = add_segment(ctx, "mail", at(9), 1)
    obs_id = observe(ctx, segment, at(9))
    view.show_day(DAY)
    qtbot.wait(MEMORY_SETTLE_MS)
    assert view.memory_list.count() == 0
    memory = ctx.store.add_memory(Memory(MemoryType.SEMANTIC, "Rent is due.", sources=[obs_id]))
    ctx.events.memories_changed.emit()
    qtbot.waitUntil(lambda: view.memory_list.memory_ids() == [memory.id])
    assert view.memory_list.memory_ids() == [memory.id]


MEMORY_SETTLE_MS = 300


def test_new_frames_of_today_appear_while_capture_runs_and_the_zoom_stays(
    ctx: AppContext, view: TimelineView, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = date.today()
    _, ids = add_segment(ctx, "firefox", at(0, 5, day=today), 3)
    view.show()  # opens today on its latest frame
    assert view.day() == today and view.current_frame().id == ids[-1]
    view.axis.zoom(4)
    span = view.axis.span
    _, newer = add_segment(ctx, "code", at(0, 10, day=today), 2)
    ctx.events.capture_health.emit(None)  # too soon after opening: no re-read yet
    assert len(view.selection()) == 3
    monkeypatch.setattr(timeline, "LIVE_REFRESH_SECONDS", 0.0)
    ctx.events.capture_health.emit(None)
    assert len(view.selection()) == 5
    assert view.current_frame().id == newer[-1]  # it was on the latest frame: it follows
    assert view.axis.span == pytest.approx(span)


def test_the_cache_keeps_seen_frames_when_prefetching_floods_it() -> None:
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_RGB32)  # 400 bytes
    cache = FrameCache(max_frames=100, max_bytes=4000, max_prefetched=3)
    for n in range(8):
        cache.put(f"seen{n}", image)
    for n in range(20):
        cache.put(f"guess{n}", image, seen=False)
    assert len(cache) == 10 and cache.bytes == 4000
    assert [f"seen{n}" in cache for n in range(8)] == [False] + [True] * 7
    assert [f"guess{n}" in cache for n in (16, 17, 18, 19)] == [False, True, True, True]
    assert cache.get("guess18") is image  # shown: now a seen frame, the newest
    cache.put("seen8", image)
    assert "guess18" in cache and "seen1" not in cache


def test_the_scrub_benchmark_measures_every_kind_of_step(ctx: AppContext, qtbot: Any) -> None:
    month = build_month(
        ctx.store, ctx.home.frames_dir, ctx.cipher, DAY, days=2, per_day=60, width=160, height=90
    )
    assert month.frames == 120 and month.days == [DAY, DAY + timedelta(days=1)]
    view = TimelineView(ctx)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    report = measure_scrub(view, month.days, positions=20, key_steps=10)
    summary = report.summary()
    for name in ("open_day", "scrub", "deliver", "latency", "cached", "keys", "decode"):
        assert summary[name]["n"] > 0, name
    assert summary["open_day"]["n"] == 2
    assert report.cached_shown_at_once == 1.0  # dragging back: every frame from the cache

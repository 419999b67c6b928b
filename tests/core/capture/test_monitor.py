"""The monitor's decisions, with a scripted desktop and screen (the real X tests are in test_capture_x11)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from core.capture import health as healthfile
from core.capture.desktop import Rect
from core.capture.frames import KEY_INFO, FrameCipher, read_frame
from core.capture.health import State
from core.capture.monitor import Monitor
from core.home import Home
from core.memory import Source
from core.pipeline.ingest import Pipeline
from core.pipeline.rules import SpeakerRoles
from core.settings import CaptureSettings
from core.store import MemoryFilter, Store
from tests.core.capture.fakes import SCREEN, FakeDesktop, FakeReader, FakeScreen, window

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


EDITOR = window(1, "Gedit", "notes.txt - gedit")
BROWSER = window(2, "firefox", "Flights - Mozilla Firefox")
PRIVATE = window(3, "firefox", "Bank - Mozilla Firefox Private Browsing", Rect(100, 100, 200, 100))


@pytest.fixture
def rig(
    store: Store, mnemo_home: Home
) -> Iterator[tuple[Monitor, FakeDesktop, FakeScreen, FakeReader, Clock]]:
    desktop = FakeDesktop(EDITOR)
    screen = FakeScreen()
    reader = FakeReader()
    clock = Clock()
    roles = SpeakerRoles.of(["me"], ["mnemo"])
    pipeline = Pipeline(store, roles)

    def ingest(obs):  # type: ignore[no-untyped-def]
        report = pipeline.ingest(obs)
        return report.added + report.updated

    monitor = Monitor(
        store,
        mnemo_home,
        CaptureSettings(interval=2, max_interval=30, min_free_gb=0),
        desktop,
        lambda: screen,
        ingest,
        clock=clock,
        read=reader,
    )
    yield monitor, desktop, screen, reader, clock
    monitor.close()


def frames(store: Store) -> list[tuple]:
    return store.conn.execute(
        "SELECT id, path, ocr, text, app, segment_id FROM frames ORDER BY ts"
    ).fetchall()


def test_an_unchanged_screen_keeps_one_frame_and_backs_off_until_it_changes(
    rig, store: Store
) -> None:  # type: ignore[no-untyped-def]
    monitor, _, screen, _, clock = rig
    intervals = []
    for _ in range(20):
        monitor.tick()
        intervals.append(monitor.interval)
        clock.advance(monitor.interval)
    monitor.wait_idle()
    assert len(frames(store)) == 1
    assert monitor.health.counters.unchanged == 19
    assert intervals[1] > intervals[0] and intervals[-1] == 30  # grew to the cap
    screen.paint(Rect(10, 10, 300, 60), 0)
    assert monitor.tick().outcome == "kept"
    assert monitor.interval == 2  # snapped back


def test_a_small_change_is_not_kept_until_changes_add_up(rig, store: Store) -> None:  # type: ignore[no-untyped-def]
    monitor, _, screen, _, _ = rig
    monitor.tick()
    screen.paint(Rect(10, 10, 8, 8), 0)  # a cursor-sized change
    assert monitor.tick().outcome == "unchanged"
    screen.paint(Rect(10, 40, 200, 40), 0)
    assert monitor.tick().outcome == "kept"


def test_an_excluded_window_in_focus_keeps_nothing(rig, store: Store) -> None:  # type: ignore[no-untyped-def]
    monitor, desktop, _, _, _ = rig
    desktop.focus(PRIVATE)
    result = monitor.tick(force=True)
    assert result.outcome == "excluded" and "private browsing" in result.detail
    assert monitor.health.state is State.EXCLUDED
    monitor.wait_idle()
    assert frames(store) == []


def test_an_excluded_window_behind_the_focused_one_is_blacked_out(
    rig, store: Store, key: bytes
) -> None:  # type: ignore[no-untyped-def]
    monitor, desktop, screen, _, _ = rig
    desktop.windows = [
        PRIVATE,
        EDITOR.__class__(EDITOR.id, EDITOR.app, EDITOR.title, Rect(400, 0, 240, 360)),
    ]
    desktop.focused = desktop.windows[-1]
    screen.paint(PRIVATE.rect, 128)  # grey "bank page"
    result = monitor.tick()
    assert result.outcome == "kept" and result.masked == 1
    monitor.wait_idle()
    (frame_id, rel, *_rest) = frames(store)[0]
    image = read_frame(monitor.frames_dir / rel, frame_id, FrameCipher(store.derive_key(KEY_INFO)))
    scale = image.width / SCREEN.width
    inside = image.getpixel((int(200 * scale), int(150 * scale)))
    outside = image.getpixel((int(50 * scale), int(300 * scale)))
    assert max(inside[:3]) < 10 and min(outside[:3]) > 240


def test_pause_and_lock_keep_nothing_and_resume_records_again(
    rig, store: Store, mnemo_home: Home
) -> None:  # type: ignore[no-untyped-def]
    monitor, desktop, screen, _, clock = rig
    healthfile.pause(mnemo_home.capture_pause_path, clock(), timedelta(minutes=15))
    assert monitor.tick(force=True).outcome == "paused" and screen.grabs == 0
    clock.advance(16 * 60)
    assert monitor.tick(force=True).outcome == "kept"
    desktop.locked = True
    assert monitor.tick(force=True).outcome == "locked"
    assert monitor.health.state is State.LOCKED


def test_below_the_disk_floor_capture_stops_with_a_clear_status(
    store: Store, mnemo_home: Home
) -> None:
    desktop, screen = FakeDesktop(EDITOR), FakeScreen()
    monitor = Monitor(
        store,
        mnemo_home,
        CaptureSettings(min_free_gb=1),
        desktop,
        lambda: screen,
        read=FakeReader(),
        disk_free=lambda: 200_000_000,
    )
    try:
        result = monitor.tick(force=True)
        assert result.outcome == "disk-full" and "200 MB free" in result.detail
        assert monitor.health.verdict(monitor.health.last_tick_at)[0] is State.DISK_FULL
        assert screen.grabs == 0
    finally:
        monitor.close()
    assert frames(store) == []


def test_a_grab_during_which_windows_moved_is_thrown_away(rig, store: Store) -> None:  # type: ignore[no-untyped-def]
    monitor, desktop, _, _, _ = rig
    desktop.move_during_grab = True
    assert monitor.tick(force=True).outcome == "layout-changed"
    assert monitor.health.counters.layout_changed == 1
    monitor.wait_idle()
    assert frames(store) == []


def test_frames_of_one_window_form_one_segment_observation_with_deduplicated_text(
    rig, store: Store
) -> None:  # type: ignore[no-untyped-def]
    monitor, desktop, screen, reader, clock = rig
    reader.lines = ["Meeting notes", "Lisbon trip on 12 December"]
    monitor.tick()
    monitor.wait_idle()  # the scripted reader reads `lines` when it runs
    clock.advance(2)
    screen.paint(Rect(0, 100, 640, 60), 0)
    reader.lines = ["Meeting notes", "Lisbon trip on 12 December", "Book the hotel"]
    assert monitor.tick().outcome == "kept"
    monitor.wait_idle()
    clock.advance(2)
    desktop.focus(BROWSER)
    reader.lines = ["LH 1234 Berlin to Lisbon"]
    assert monitor.tick().outcome == "kept"  # a new window always keeps a frame
    monitor.close()
    segments = store.conn.execute(
        "SELECT app, title, closed, observation_id FROM segments ORDER BY start_ts"
    ).fetchall()
    assert [(s[0], s[2]) for s in segments] == [("Gedit", 2), ("firefox", 2)]
    obs = store.get_observation(segments[0][3])
    assert obs.source is Source.SCREEN and obs.app == "Gedit" and obs.window == "notes.txt - gedit"
    assert obs.text == "Meeting notes\nLisbon trip on 12 December\nBook the hotel"
    assert obs.frame_path is not None and (monitor.frames_dir / obs.frame_path).exists()
    assert monitor.health.counters.observations == 2
    # extraction ran per segment, and the memories point at the screen observation
    memories = store.list_memories(MemoryFilter(sources=["screen"]), limit=50)
    assert memories and all(m.sources for m in memories)


def test_a_secret_read_on_screen_is_redacted_in_the_text_and_blacked_out_in_the_frame(
    rig, store: Store
) -> None:  # type: ignore[no-untyped-def]
    monitor, _, screen, reader, _ = rig
    screen.paint(Rect(0, 0, 640, 360), 200)
    reader.lines = ["card 4111 1111 1111 1111 expires soon"]
    monitor.tick(force=True)
    monitor.close()
    (frame_id, rel, ocr, text, *_rest) = frames(store)[0]
    assert ocr == "done" and "4111" not in text and "[redacted card]" in text
    image = read_frame(monitor.frames_dir / rel, frame_id, FrameCipher(store.derive_key(KEY_INFO)))
    scale = image.width / SCREEN.width
    # the card digits were at x 60..300, y 0..20 on screen: black now; the rest stays grey
    assert max(image.getpixel((int(100 * scale), int(10 * scale)))[:3]) < 30
    assert min(image.getpixel((int(100 * scale), int(200 * scale)))[:3]) > 170
    assert monitor.health.counters.secrets_redacted == 1


def test_no_frame_file_holds_plaintext(rig, store: Store) -> None:  # type: ignore[no-untyped-def]
    monitor, _, screen, _, _ = rig
    screen.pixels[:] = np.random.default_rng(1).integers(
        0, 255, screen.pixels.shape, dtype=np.uint8
    )
    monitor.tick(force=True)
    monitor.close()
    (frame_id, rel, *_rest) = frames(store)[0]
    blob = (monitor.frames_dir / rel).read_bytes()
    plain = FrameCipher(store.derive_key(KEY_INFO)).open(frame_id, blob)
    assert plain[:4] == b"RIFF" and b"RIFF" not in blob and b"WEBP" not in blob
    assert plain[100:132] not in blob
    leftovers = [
        p for p in Path(monitor.frames_dir).rglob("*") if p.is_file() and p.suffix != ".mnf"
    ]
    assert leftovers == []


def test_a_crash_mid_segment_is_finished_at_the_next_start(store: Store, mnemo_home: Home) -> None:
    desktop, screen, reader = FakeDesktop(EDITOR), FakeScreen(), FakeReader()
    reader.lines = ["Draft budget for 2027"]
    monitor = Monitor(
        store, mnemo_home, CaptureSettings(min_free_gb=0), desktop, lambda: screen, read=reader
    )
    monitor.tick(force=True)
    monitor.wait_idle()
    # a killed process: nothing closed the segment; a new monitor recovers it
    monitor.ocr.stop(drain=False)
    monitor.recorder.stop()
    monitor._lock.close()  # the OS drops a dead process's lock
    again = Monitor(
        store, mnemo_home, CaptureSettings(min_free_gb=0), desktop, lambda: screen, read=reader
    )
    again.wait_idle()
    row = store.conn.execute("SELECT closed, observation_id FROM segments").fetchone()
    again.close()
    assert row[0] == 2 and row[1] is not None
    assert store.get_observation(row[1]).text == "Draft budget for 2027"


def test_a_second_monitor_on_the_same_profile_is_refused(
    rig, store: Store, mnemo_home: Home
) -> None:  # type: ignore[no-untyped-def]
    from core.errors import CaptureUnavailableError

    with pytest.raises(CaptureUnavailableError, match="already running"):
        Monitor(store, mnemo_home, CaptureSettings(), FakeDesktop(EDITOR), FakeScreen)


def test_secrets_in_window_titles_are_redacted_before_storage(rig, store: Store) -> None:  # type: ignore[no-untyped-def]
    monitor, desktop, _, _, _ = rig
    desktop.focus(window(9, "Gedit", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 - gedit"))
    monitor.tick(force=True)
    monitor.close()
    titles = [
        r[0]
        for r in store.conn.execute("SELECT title FROM frames UNION ALL SELECT title FROM segments")
    ]
    assert titles and all("ghp_" not in t and "[redacted" in t for t in titles)


def test_below_threshold_flicker_is_not_reported_as_a_stall(rig, store: Store) -> None:  # type: ignore[no-untyped-def]
    monitor, _, screen, _, clock = rig
    monitor.tick()
    for n in range(10):
        screen.paint(Rect(5, 5, 4, 4), 0 if n % 2 else 255)  # a blinking cursor
        clock.advance(30)
        assert monitor.tick().outcome == "unchanged"
    assert monitor.health.verdict(clock())[0] is State.RECORDING


def test_stored_screens_are_found_by_their_words_with_the_words_boxes(rig, store: Store) -> None:  # type: ignore[no-untyped-def]
    from core.capture.timeline import find_frames

    monitor, desktop, _, reader, clock = rig
    reader.lines = ["Quarterly budget review", "Invoices from March"]
    monitor.tick()
    monitor.wait_idle()
    clock.advance(5)
    desktop.focus(BROWSER)
    reader.lines = ["Flight LH 1234 Berlin to Lisbon", "Boarding 9:40"]
    monitor.tick()
    monitor.close()
    (hit,) = find_frames(store, "lisbon flight")
    assert hit.app == "firefox" and "[Lisbon]" in hit.snippet
    assert len(hit.boxes) == 2  # "Flight" and "Lisbon"
    assert find_frames(store, "invoice")[0].app == "Gedit"  # stemmed: invoices
    assert find_frames(store, "lisbon budget") != []  # no frame has both: any word counts
    assert find_frames(store, "the a of") == []


def test_a_secret_stays_black_on_later_frames_whose_ocr_only_read_another_region(
    rig, store: Store
) -> None:  # type: ignore[no-untyped-def]
    monitor, _, screen, reader, _ = rig
    screen.paint(Rect(0, 0, 640, 360), 200)
    reader.lines = ["card 4111 1111 1111 1111 expires soon"]
    monitor.tick(force=True)
    monitor.wait_idle()
    screen.paint(Rect(0, 200, 640, 60), 0)  # a change far below the card number
    reader.lines = ["a new line typed below"]
    assert monitor.tick().outcome == "kept"
    monitor.close()
    second_id, rel = frames(store)[1][:2]
    image = read_frame(monitor.frames_dir / rel, second_id, FrameCipher(store.derive_key(KEY_INFO)))
    scale = image.width / SCREEN.width
    assert max(image.getpixel((int(100 * scale), int(10 * scale)))[:3]) < 30


def test_a_thumbnail_that_cannot_be_cleaned_of_a_secret_is_deleted(
    rig, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monitor, _, _, reader, _ = rig

    def full_disk(*args: object, **kwargs: object) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.capture.recorder.redact_boxes", full_disk)
    reader.lines = ["card 4111 1111 1111 1111"]
    monitor.tick(force=True)
    monitor.close()
    (_, rel, ocr, text, *_rest) = frames(store)[0]
    assert not (monitor.frames_dir / rel).exists()
    assert ocr == "done" and "[redacted card]" in text  # the text is kept, redacted
    assert "deleted" in monitor.health.last_error


def test_a_segment_whose_ingest_crashes_does_not_hold_up_later_segments(
    store: Store, mnemo_home: Home
) -> None:
    desktop, screen, reader = FakeDesktop(EDITOR), FakeScreen(), FakeReader()
    seen: list[str] = []

    def ingest(obs):  # type: ignore[no-untyped-def]
        seen.append(obs[0].app)
        if obs[0].app == "Gedit":
            raise RuntimeError("the model crashed")
        return 0

    monitor = Monitor(
        store,
        mnemo_home,
        CaptureSettings(min_free_gb=0),
        desktop,
        lambda: screen,
        ingest,
        read=reader,
    )
    reader.lines = ["first window text"]
    monitor.tick(force=True)
    monitor.wait_idle()
    desktop.focus(BROWSER)
    reader.lines = ["second window text"]
    monitor.tick(force=True)
    monitor.close()
    assert seen == ["Gedit", "firefox"]
    states = dict(store.conn.execute("SELECT app, closed FROM segments").fetchall())
    assert states == {"Gedit": 1, "firefox": 2}  # the failed one waits for the next start
    assert (
        "RuntimeError" in monitor.health.last_error
        and "the model crashed" not in monitor.health.last_error
    )


def test_frame_files_left_by_a_killed_process_are_removed_at_the_next_start(
    store: Store, mnemo_home: Home
) -> None:
    orphan = mnemo_home.frames_dir / "2026/01/01/orphan.mnf"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"MNF1" + b"x" * 64)
    import os

    os.utime(orphan, (0, 0))
    monitor = Monitor(
        store,
        mnemo_home,
        CaptureSettings(min_free_gb=0),
        FakeDesktop(EDITOR),
        FakeScreen,
        read=FakeReader(),
    )
    monitor.wait_idle()
    monitor.close()
    assert not orphan.exists()

"""Capture on a real X server: Xvfb + openbox, real windows with known text, mss and tesseract."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.capture.frames import KEY_INFO, FrameCipher, read_frame
from core.capture.monitor import Monitor
from core.capture.ocr import OcrJob, Reading, read_image
from core.capture.retention import frames_footprint, prune_frames
from core.capture.screen import MssScreen
from core.capture.x11 import X11Desktop
from core.home import Home
from core.memory import Observation, Source, Trust
from core.pipeline.ingest import Pipeline
from core.pipeline.rules import SpeakerRoles
from core.settings import CaptureSettings
from core.store import MemoryFilter, Store
from tests.app.test_cli import lines, mnemo
from tests.core.capture.xdesktop import XWindow

OpenWindow = Callable[..., XWindow]
CANARY = "zebrafinch"
BUILDS = [
    ["Build started"],
    ["Compiling the parser module", "Linking the renderer"],
    ["Running the integration tests", "Seventeen suites passed"],
    ["Packaging release candidate two", "Signing the installer"],
    ["Uploading artifacts to the mirror", "Deployment finished"],
]
STEPS = [
    ["Call the dentist about the appointment", "Monday morning"],
    ["Renew the passport before March", "Bring two photos"],
    ["Water the plants on the balcony", "Buy fertiliser"],
    ["Send the quarterly report to Ana", "Include the sales figures"],
    ["Book train tickets to Porto", "Window seat please"],
    ["Pick up the dry cleaning", "Closes at six"],
]
NOTES = ["Dentist appointment on Tuesday", "Invoice 4471 for the Lisbon trip"]


@pytest.fixture
def monitor_factory(
    xdisplay: str, store: Store, mnemo_home: Home
) -> Iterator[Callable[..., Monitor]]:
    made: list[tuple[Monitor, X11Desktop]] = []
    pipeline = Pipeline(store, SpeakerRoles.of(["me"], ["mnemo"]))

    def make(settings: CaptureSettings | None = None, **kwargs: object) -> Monitor:
        desktop = X11Desktop(xdisplay)
        monitor = Monitor(
            store,
            mnemo_home,
            settings or CaptureSettings(min_free_gb=0),
            desktop,
            lambda: MssScreen(xdisplay),
            lambda obs: pipeline.ingest(obs).added,
            **kwargs,  # type: ignore[arg-type]
        )
        made.append((monitor, desktop))
        return monitor

    yield make
    for monitor, desktop in made:
        monitor.close()
        desktop.close()


def cipher(store: Store) -> FrameCipher:
    return FrameCipher(store.derive_key(KEY_INFO))


def frame_rows(store: Store) -> list[tuple[str, str, str]]:
    return store.conn.execute("SELECT id, path, ocr FROM frames ORDER BY ts").fetchall()


def database_text(store: Store) -> str:
    """Every value of every table (FTS shadow tables included), decrypted, as one string."""
    tables = [
        r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    values = []
    for table in tables:
        for row in store.conn.execute(f'SELECT * FROM "{table}"'):
            values.extend(
                v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row
            )
    return "\n".join(values)


def test_capture_once_reads_the_words_of_a_real_window(
    xdisplay: str, xwindows: OpenWindow, mnemo_home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", xdisplay)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    xwindows("todo.txt - Mousepad", "Mousepad", NOTES, x=200, y=150, width=900, height=300).focus()
    mnemo("init", home=mnemo_home)
    data = lines(mnemo("capture", "once", "--json", home=mnemo_home))[0]
    assert data["outcome"] == "kept"
    frame = data["frame"]
    assert frame["app"] == "Mousepad" and frame["title"] == "todo.txt - Mousepad"
    assert frame["ocr"] == "done" and frame["observation"]
    for word in ("Dentist", "appointment", "Tuesday", "Invoice", "Lisbon"):
        assert word in frame["text"]
    found = lines(mnemo("capture", "search", "--json", "dentist", "tuesday", home=mnemo_home))
    assert found and found[0]["app"] == "Mousepad" and len(found[0]["boxes"]) == 2
    text = mnemo("capture", "once", home=mnemo_home).stdout
    assert "Kept frame" in text and "Dentist appointment on Tuesday" in text
    status = mnemo("capture", "status", home=mnemo_home).stdout
    assert "Stored: 2 frames" in status and "not running" in status


def test_a_private_window_is_black_in_the_frame_and_its_canary_is_stored_nowhere(
    xwindows: OpenWindow, monitor_factory: Callable[..., Monitor], store: Store, mnemo_home: Home
) -> None:
    private = xwindows(
        "Online banking - Mozilla Firefox Private Browsing",
        "firefox",
        [f"Balance {CANARY} 8812", f"{CANARY} account"],
        x=100,
        y=100,
        width=700,
        height=300,
    )
    notes = xwindows("notes - Mousepad", "Mousepad", NOTES, x=900, y=100, width=800, height=300)
    notes.focus()
    monitor = monitor_factory()
    result = monitor.tick(force=True)
    assert result.outcome == "kept" and result.masked == 1
    private.focus()
    assert monitor.tick(force=True).outcome == "excluded"  # in focus: no frame at all
    monitor.close()
    rows = frame_rows(store)
    assert len(rows) == 1
    frame_id, rel, _ = rows[0]
    image = read_frame(mnemo_home.frames_dir / rel, frame_id, cipher(store)).convert("RGB")
    scale = image.width / 1920
    box = (int(110 * scale), int(130 * scale), int(790 * scale), int(390 * scale))
    assert np.asarray(image.crop(box)).max() < 16  # black, not merely dark
    assert (
        np.asarray(
            image.crop((int(910 * scale), int(130 * scale), int(1690 * scale), int(390 * scale)))
        ).mean()
        > 128
    )
    # the canary is nowhere: not in any table, not in the thumbnail's pixels, not in any file
    dump = database_text(store)
    assert CANARY not in dump.lower() and "Dentist" in dump
    assert CANARY not in read_image(image, (0, 0), "eng", 0).text.lower()
    for path in mnemo_home.data_dir.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes().lower()


def test_an_unchanged_screen_over_50_ticks_keeps_one_frame(
    xwindows: OpenWindow, monitor_factory: Callable[..., Monitor], store: Store
) -> None:
    xwindows("notes - Mousepad", "Mousepad", NOTES, x=200, y=200, width=800, height=300).focus()
    monitor = monitor_factory()
    outcomes = [monitor.tick().outcome for _ in range(50)]
    monitor.close()
    assert outcomes[0] == "kept" and set(outcomes[1:]) == {"unchanged"}
    assert len(frame_rows(store)) == 1
    assert monitor.health.counters.ticks == 50 and monitor.health.counters.unchanged == 49


def test_a_full_ocr_queue_drops_the_oldest_frames_and_counts_them(
    xwindows: OpenWindow, monitor_factory: Callable[..., Monitor], store: Store
) -> None:
    window = xwindows(
        "log - Mousepad", "Mousepad", ["Build 0 started"], x=100, y=100, width=1200, height=400
    )
    window.focus()
    release, busy = threading.Event(), threading.Event()

    def slow_read(job: OcrJob) -> Reading:
        busy.set()
        release.wait(30)
        return read_image(job.image, job.offset, "eng", 40)

    monitor = monitor_factory(CaptureSettings(min_free_gb=0, ocr_queue=1), read=slow_read)
    assert monitor.tick().outcome == "kept"
    assert busy.wait(10)  # the first frame is being read; the queue holds one more at most
    for n in range(1, 5):
        window.set_text(BUILDS[n])
        assert monitor.tick().outcome == "kept"
    assert monitor.health.counters.ocr_dropped == 3  # frames 1, 2, 3: each replaced by a newer one
    release.set()
    monitor.close()
    states = [row[2] for row in frame_rows(store)]
    assert states == ["done", "dropped", "dropped", "dropped", "done"]
    assert monitor.health.counters.ocr_done == 2


def test_retention_prunes_frames_past_the_cap_and_leaves_memories_intact(
    xwindows: OpenWindow, monitor_factory: Callable[..., Monitor], store: Store, mnemo_home: Home
) -> None:
    window = xwindows("plan - Mousepad", "Mousepad", ["Plan"], x=100, y=100, width=1200, height=500)
    window.focus()
    pipeline = Pipeline(store, SpeakerRoles.of(["me"], ["mnemo"]))
    from datetime import UTC, datetime

    pipeline.ingest(
        [
            Observation(
                Source.CHAT, datetime.now(UTC), "My dentist is Dr. Lee.", Trust.USER, speaker="me"
            )
        ]
    )
    monitor = monitor_factory()
    for n in range(6):
        window.set_text(STEPS[n])
        assert monitor.tick().outcome == "kept"
    monitor.close()
    memories_before = store.list_memories(MemoryFilter(include_superseded=True), limit=1000)
    count, total = frames_footprint(store)
    assert count == 6
    paths = [mnemo_home.frames_dir / row[1] for row in frame_rows(store)]
    report = prune_frames(
        store, mnemo_home.frames_dir, timedelta(days=30), total // 2, datetime.now(UTC)
    )
    assert report.by_size >= 3 and report.by_age == 0
    left, size = frames_footprint(store)
    assert left == 6 - report.frames and size <= total // 2
    assert [p.exists() for p in paths] == [False] * report.frames + [True] * left  # oldest went
    memories_after = store.list_memories(MemoryFilter(include_superseded=True), limit=1000)
    assert [m.id for m in memories_after] == [m.id for m in memories_before]
    assert any("dentist" in m.text.lower() for m in memories_after)
    # past the age limit, everything goes; the screen observation keeps its text
    report = prune_frames(
        store,
        mnemo_home.frames_dir,
        timedelta(seconds=0),
        total,
        datetime.now(UTC) + timedelta(seconds=1),
    )
    assert frames_footprint(store) == (0, 0) and report.by_age == left
    obs = store.conn.execute(
        "SELECT text, frame_path FROM observations WHERE source = 'screen'"
    ).fetchall()
    assert obs and all(row[1] is None for row in obs)
    assert "dentist" in obs[0][0].lower()


def test_no_frame_file_contains_the_plaintext_of_its_frame(
    xwindows: OpenWindow, monitor_factory: Callable[..., Monitor], store: Store, mnemo_home: Home
) -> None:
    window = xwindows("notes - Mousepad", "Mousepad", NOTES, x=100, y=100, width=1000, height=300)
    window.focus()
    monitor = monitor_factory()
    monitor.tick()
    window.set_text(["Something else entirely", "and a second line"])
    monitor.tick()
    monitor.close()
    rows = frame_rows(store)
    assert len(rows) == 2
    for frame_id, rel, _ in rows:
        blob = (mnemo_home.frames_dir / rel).read_bytes()
        plain = cipher(store).open(frame_id, blob)
        assert plain.startswith(b"RIFF") and plain[8:12] == b"WEBP"
        assert b"RIFF" not in blob and b"WEBP" not in blob and b"VP8" not in blob
        for start in range(0, len(plain) - 16, max(1, len(plain) // 64)):
            assert plain[start : start + 16] not in blob
        image = Image.open(__import__("io").BytesIO(plain))
        assert image.width == 1280
    files = [p for p in Path(mnemo_home.frames_dir).rglob("*") if p.is_file()]
    assert sorted(p.name for p in files) == sorted(Path(r[1]).name for r in rows)


def test_capture_run_for_a_few_seconds_prints_its_counters(
    xdisplay: str, xwindows: OpenWindow, mnemo_home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", xdisplay)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    xwindows("notes - Mousepad", "Mousepad", NOTES, x=100, y=100, width=1000, height=300).focus()
    mnemo("init", home=mnemo_home)
    out = mnemo("capture", "run", "--for", "3", home=mnemo_home).stdout
    assert "frames kept" in out and "OCR: 1 read, 0 dropped" in out
    mnemo("capture", "pause", "--for", "15m", home=mnemo_home)
    data = lines(mnemo("capture", "status", "--json", home=mnemo_home))[0]
    assert data["state"] == "stopped" and "paused for 15 min" in str(data["paused"])
    out = mnemo("capture", "once", home=mnemo_home).stdout
    assert out.startswith("Nothing kept: paused")
    assert mnemo("capture", "resume", home=mnemo_home).stdout == "Capture resumed.\n"


def test_a_focus_change_triggers_a_grab_without_waiting_for_the_interval(
    xwindows: OpenWindow, monitor_factory: Callable[..., Monitor], store: Store
) -> None:
    first = xwindows("notes - Mousepad", "Mousepad", NOTES, x=100, y=100, width=800, height=300)
    second = xwindows("plan - Gnumeric", "Gnumeric", STEPS[0], x=950, y=100, width=800, height=300)
    first.focus()
    monitor = monitor_factory(CaptureSettings(min_free_gb=0, interval=60, max_interval=60))
    stop = threading.Event()
    runner = threading.Thread(target=monitor.run, args=(stop,))
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while monitor.health.counters.frames_kept < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        switched_at = time.monotonic()
        second.focus()
        while monitor.health.counters.frames_kept < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        reacted = time.monotonic() - switched_at
    finally:
        stop.set()
        runner.join(10)
    assert monitor.health.counters.frames_kept == 2
    assert reacted < 5  # the interval is 60 s: only the focus change can explain it
    apps = [r[0] for r in store.conn.execute("SELECT app FROM segments ORDER BY start_ts")]
    assert apps == ["Mousepad", "Gnumeric"]

"""The database side of capture: frames, OCR results and activity segments, on one writer thread.

The grabber never touches the database: it writes the encrypted frame file and hands a record to
the `Recorder`, whose single thread applies records in order (frame rows, OCR words, segment
boundaries). That keeps the grabber's tick short even while the memory pipeline holds the write
transaction for a long model call. A segment (consecutive frames of one window) is finished once it
is closed and none of its frames still waits for OCR: its frames' lines are de-duplicated into one
screen observation, which goes through the memory pipeline, so extraction runs once per segment,
not once per frame. After a crash, `recover` closes segments left open, marks frames whose OCR was
lost, and finishes what it can, so nothing waits forever.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.capture.desktop import Rect
from core.capture.frames import FrameCipher, redact_boxes
from core.capture.health import Health
from core.capture.ocr import Reading
from core.errors import MnemoError
from core.files import write_atomic
from core.memory import Observation, Source, Trust
from core.store import Store

log = logging.getLogger(__name__)

SEGMENT_TEXT_LIMIT = 20_000  # characters of de-duplicated text per segment observation

Ingest = Callable[[Sequence[Observation]], int]  # returns how many memories it added or changed


@dataclass(frozen=True)
class SegmentOpened:
    id: str
    app: str | None
    title: str | None
    start: datetime


@dataclass(frozen=True)
class SegmentClosed:
    id: str
    end: datetime


@dataclass(frozen=True)
class FrameKept:
    id: str
    segment_id: str
    time: datetime
    path: str  # relative to the frames folder
    bytes: int
    width: int
    height: int
    scale: float
    screen: Rect
    app: str | None
    title: str | None
    masked: int
    ocr: str  # 'pending' or 'skipped'
    ocr_region: Rect | None


@dataclass(frozen=True)
class OcrFinished:
    frame_id: str
    reading: Reading | None  # None: OCR failed on this frame
    dropped: bool = False


@dataclass(frozen=True)
class _Call:
    fn: Callable[[], object]


Event = SegmentOpened | SegmentClosed | FrameKept | OcrFinished | _Call


def _rect_json(rect: Rect | None) -> str | None:
    return None if rect is None else json.dumps([rect.x, rect.y, rect.width, rect.height])


def _norm(line: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", line).casefold().split())


class Recorder:
    """Applies capture records to the store on its own thread, in order."""

    def __init__(
        self,
        store: Store,
        frames_dir: Path,
        cipher: FrameCipher,
        health: Health,
        ingest: Ingest | None,
        thumbnail_quality: int = 50,
    ) -> None:
        self.store = store
        self.frames_dir = frames_dir
        self.cipher = cipher
        self.health = health
        self.ingest = ingest
        self.quality = thumbnail_quality
        # Secrets OCR found, per segment, in screen coordinates: blacked out on every later
        # frame of the segment too (OCR reads only what changed, so it will not see them again).
        self._secrets: dict[str, list[Rect]] = {}
        self._stopped = False
        self._failed: set[str] = set()
        self._events: queue.Queue[Event | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="mnemo-recorder", daemon=True)
        self._thread.start()

    # -- the grabber and the OCR worker call these -------------------------------------------
    def put(self, event: Event) -> None:
        if not self._stopped:  # a late OCR result after stop: the frame is recovered as lost
            self._events.put(event)

    def call(self, fn: Callable[[], object]) -> None:
        """Run `fn` on the recorder thread, after the records queued before it."""
        self._events.put(_Call(fn))

    def flush(self) -> None:
        """Wait until every record queued so far is applied."""
        self._events.join()

    def stop(self) -> None:
        self._stopped = True
        self._events.put(None)
        self._thread.join()

    # -- the recorder thread -----------------------------------------------------------------
    def _work(self) -> None:
        while True:
            event = self._events.get()
            try:
                if event is None:
                    return
                self._apply(event)
            except MnemoError as exc:
                self.health.problem(exc.message)
                log.warning("capture record not saved (%s)", type(exc).__name__)
            except Exception as exc:
                # The type only: messages of lower layers can quote captured text.
                self.health.problem(f"a capture record was not saved ({type(exc).__name__})")
                log.warning("capture record not saved (%s)", type(exc).__name__)
            finally:
                self._events.task_done()

    def _apply(self, event: Event) -> None:
        if isinstance(event, SegmentOpened):
            with self.store.write() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO segments (id, app, title, start, start_ts, end, end_ts) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.id,
                        event.app,
                        event.title,
                        event.start.isoformat(),
                        event.start.timestamp(),
                        event.start.isoformat(),
                        event.start.timestamp(),
                    ),
                )
            self.health.counters.segments += 1
        elif isinstance(event, FrameKept):
            with self.store.write() as conn:
                conn.execute(
                    "INSERT INTO frames (id, segment_id, time, ts, path, bytes, width, height, "
                    "screen, app, title, masked, ocr, ocr_region) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.id,
                        event.segment_id,
                        event.time.isoformat(),
                        event.time.timestamp(),
                        event.path,
                        event.bytes,
                        event.width,
                        event.height,
                        _rect_json(event.screen),
                        event.app,
                        event.title,
                        event.masked,
                        event.ocr,
                        _rect_json(event.ocr_region),
                    ),
                )
                conn.execute(
                    "UPDATE segments SET end = ?, end_ts = ? WHERE id = ? AND end_ts < ?",
                    (
                        event.time.isoformat(),
                        event.time.timestamp(),
                        event.segment_id,
                        event.time.timestamp(),
                    ),
                )
            if self._secrets.get(event.segment_id):
                self._black_out(event.id, self._secrets[event.segment_id])
        elif isinstance(event, OcrFinished):
            self._ocr_finished(event)
            self.finish_segments()
        elif isinstance(event, SegmentClosed):
            with self.store.write() as conn:
                conn.execute(
                    "UPDATE segments SET closed = 1, end = max(end, ?), "
                    "end_ts = max(end_ts, ?) WHERE id = ? AND closed = 0",
                    (event.end.isoformat(), event.end.timestamp(), event.id),
                )
            self.finish_segments()
        else:
            event.fn()

    def _ocr_finished(self, event: OcrFinished) -> None:
        reading = event.reading
        if event.dropped or reading is None:
            state = "dropped" if event.dropped else "lost"
            with self.store.write() as conn:
                conn.execute("UPDATE frames SET ocr = ? WHERE id = ?", (state, event.frame_id))
            return
        if reading.secret_boxes:
            self.health.counters.secrets_redacted += len(reading.secret_kinds)
            row = self.store.conn.execute(
                "SELECT segment_id, ts FROM frames WHERE id = ?", (event.frame_id,)
            ).fetchone()
            if row is not None:
                boxes = self._secrets.setdefault(row[0], [])
                boxes.extend(reading.secret_boxes)
                later = self.store.conn.execute(
                    "SELECT id FROM frames WHERE segment_id = ? AND ts >= ? ORDER BY ts",
                    (row[0], row[1]),
                ).fetchall()
                for (frame_id,) in later:  # this frame and those kept while it waited for OCR
                    self._black_out(frame_id, boxes)
        words = json.dumps(
            [w.row() for w in reading.words], ensure_ascii=False, separators=(",", ":")
        )
        with self.store.write() as conn:
            conn.execute(
                "UPDATE frames SET ocr = 'done', text = ?, words = ? WHERE id = ?",
                (reading.text, words, event.frame_id),
            )

    def _black_out(self, frame_id: str, boxes: Sequence[Rect]) -> None:
        """Black out secrets on a stored thumbnail; if that fails, the thumbnail goes instead."""
        row = self.store.conn.execute(
            "SELECT path, width, screen FROM frames WHERE id = ?", (frame_id,)
        ).fetchone()
        if row is None:
            return
        path = self.frames_dir / row[0]
        x, y, width, _ = json.loads(row[2])
        local = [Rect(b.x - x, b.y - y, b.width, b.height) for b in boxes]
        try:
            webp = self.cipher.open(frame_id, path.read_bytes())
            cleaned = redact_boxes(webp, local, row[1] / width, self.quality)
            write_atomic(path, self.cipher.seal(frame_id, cleaned))
        except FileNotFoundError:
            return  # pruned meanwhile
        except (OSError, MnemoError) as exc:
            # A thumbnail showing a secret must not stay: better no picture than that one.
            path.unlink(missing_ok=True)
            self.health.problem(f"a frame showing a secret was deleted ({type(exc).__name__})")

    def finish_segments(self) -> None:
        """Turn closed segments whose OCR is complete into observations for the memory pipeline."""
        rows = self.store.conn.execute(
            "SELECT s.id, s.app, s.title, s.start, s.end FROM segments s WHERE s.closed = 1 "
            "AND NOT EXISTS (SELECT 1 FROM frames f WHERE f.segment_id = s.id AND f.ocr = 'pending') "
            "ORDER BY s.start_ts"
        ).fetchall()
        for seg_id, app, title, start, _end in rows:
            if seg_id in self._failed:
                continue
            self._finish(seg_id, app, title, datetime.fromisoformat(start))

    def _finish(self, seg_id: str, app: str | None, title: str | None, start: datetime) -> None:
        frames = self.store.conn.execute(
            "SELECT text, path FROM frames WHERE segment_id = ? ORDER BY ts", (seg_id,)
        ).fetchall()
        text = segment_text(row[0] for row in frames)
        obs_id: str | None = None
        if text:
            obs = Observation(
                source=Source.SCREEN,
                time=start,
                text=text,
                trust=Trust.SCREEN,
                external_id=f"segment:{seg_id}",
                app=app,
                window=title,
                frame_path=frames[-1][1] if frames else None,
            )
            try:
                changed = (
                    self.ingest([obs]) if self.ingest is not None else _store_only(self.store, obs)
                )
            except Exception as exc:  # a model crash must not hold up every later segment
                self._failed.add(seg_id)
                self.health.problem(
                    f"a screen segment could not be turned into memories ({type(exc).__name__}); "
                    "it is tried again at the next start"
                )
                log.warning("segment not ingested (%s)", type(exc).__name__)
                return
            self.health.counters.observations += 1
            self.health.counters.memories += changed
            known = self.store.observation_by_external(str(Source.SCREEN), f"segment:{seg_id}")
            obs_id = known.id if known else None
        with self.store.write() as conn:
            conn.execute(
                "UPDATE segments SET closed = 2, observation_id = ? WHERE id = ?", (obs_id, seg_id)
            )

    def recover(self, started: datetime) -> None:
        """After a crash: close open segments, mark lost OCR, finish what can be finished, and
        delete frame files written before `started` that no row knows (killed before recording)."""
        with self.store.write() as conn:
            conn.execute("UPDATE frames SET ocr = 'lost' WHERE ocr = 'pending'")
            conn.execute("UPDATE segments SET closed = 1 WHERE closed = 0")
        known = {row[0] for row in self.store.conn.execute("SELECT path FROM frames")}
        cutoff = started.timestamp()
        for path in self.frames_dir.rglob("*"):
            if not path.is_file() or path.relative_to(self.frames_dir).as_posix() in known:
                continue
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
        self.finish_segments()


def _store_only(store: Store, obs: Observation) -> int:
    store.add_observation(obs)
    return 0


def segment_text(texts: Any) -> str:
    """The frames' lines in order of first appearance, each distinct line once."""
    seen: set[str] = set()
    lines: list[str] = []
    size = 0
    for text in texts:
        for line in str(text or "").split("\n"):
            key = _norm(line)
            if not key or key in seen:
                continue
            seen.add(key)
            lines.append(line.strip())
            size += len(line) + 1
            if size >= SEGMENT_TEXT_LIMIT:
                return "\n".join(lines)[:SEGMENT_TEXT_LIMIT]
    return "\n".join(lines)

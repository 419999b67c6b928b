"""What the timeline shows for one day, read once and kept in flat arrays.

Opening a day costs one query for its frames (id, time, app, title, file, size, screen, segment)
and one for its activity segments, both on the GUI thread's reading connection (`ctx.reader`):
a day of a busy user is a few thousand rows, read in a few milliseconds. The columns are kept as
parallel tuples ordered by time, so "the frame at this time" is a bisect and moving the cursor
never touches the database. The memories of the day's moments are read with the day too: the
memories whose sources include the screen observation each segment became (a closed segment's
frames are turned into one observation, `segments.observation_id`), and the episodic memories
whose `valid_from` falls inside the day, so the panel beside the frame and the memory-type filter
are lookups as well. No Qt here: the widgets in `timeline.py` draw what these classes hold.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.capture.desktop import Rect
from core.memory import Memory, MemoryType
from core.store import Store
from core.store.store import MemoryFilter

EPISODIC_WINDOW = timedelta(minutes=5)  # an episodic memory belongs to the moments this close
SEGMENT_REACH = 86_400.0  # seconds: segments are cut far shorter, so none starts earlier than this
NO_APP = ""  # the app filter's key for frames whose application was not known


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight (23 or 25 hours on a daylight-saving change)."""
    start = datetime.combine(day, time.min).astimezone()
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone()
    return start, end


def local_day(when: datetime) -> date:
    """The local calendar day `when` falls on."""
    return when.astimezone().date()


def local_time(ts: float) -> datetime:
    """A stored timestamp as a local, timezone-aware datetime."""
    return datetime.fromtimestamp(ts).astimezone()


def parse_screen(raw: str | None) -> Rect | None:
    """The screen rectangle stored with a frame (`[x, y, width, height]`), None if unreadable."""
    try:
        x, y, width, height = json.loads(raw or "")
        rect = Rect(int(x), int(y), int(width), int(height))
    except (ValueError, TypeError):
        return None
    return None if rect.empty else rect


@dataclass(frozen=True)
class FrameRef:
    """One stored frame: what the cursor points at."""

    index: int  # position in the day's arrays
    id: str
    ts: float
    app: str | None
    title: str | None
    path: str  # relative to the profile's frames folder
    width: int  # the thumbnail's size in pixels
    height: int
    screen: Rect | None  # the grabbed screen area, in screen coordinates
    segment_id: str

    @property
    def time(self) -> datetime:
        """When the frame was kept, in local time."""
        return local_time(self.ts)


@dataclass(frozen=True)
class Segment:
    """An activity segment: consecutive frames of one window."""

    id: str
    app: str | None
    title: str | None
    start: float
    end: float
    observation_id: str | None


class DayFrames:
    """The frames and segments of one local day, ordered by time, in parallel arrays."""

    def __init__(
        self,
        day: date,
        rows: Sequence[Sequence[object]],
        segments: Sequence[Segment],
    ) -> None:
        self.day = day
        start, end = day_bounds(day)
        self.start, self.end = start.timestamp(), end.timestamp()
        columns = list(zip(*rows, strict=True)) if rows else [()] * 9
        self.ids: tuple[str, ...] = tuple(columns[0])
        self.ts: tuple[float, ...] = tuple(columns[1])
        self.apps: tuple[str | None, ...] = tuple(columns[2])
        self.titles: tuple[str | None, ...] = tuple(columns[3])
        self.paths: tuple[str, ...] = tuple(columns[4])
        self.widths: tuple[int, ...] = tuple(columns[5])
        self.heights: tuple[int, ...] = tuple(columns[6])
        self.screens: tuple[str, ...] = tuple(columns[7])
        self.segment_ids: tuple[str, ...] = tuple(columns[8])
        self.segments = list(segments)
        self._by_id = {frame_id: i for i, frame_id in enumerate(self.ids)}

    @classmethod
    def load(cls, store: Store, day: date) -> DayFrames:
        """Read a day's frames and segments: one query each."""
        start, end = (moment.timestamp() for moment in day_bounds(day))
        with store.read() as conn:
            rows = conn.execute(
                "SELECT id, ts, app, title, path, width, height, screen, segment_id FROM frames "
                "WHERE ts >= ? AND ts < ? ORDER BY ts, rowid",
                (start, end),
            ).fetchall()
            segments = [
                Segment(row[0], row[1], row[2], float(row[3]), float(row[4]), row[5])
                for row in conn.execute(
                    "SELECT id, app, title, start_ts, end_ts, observation_id FROM segments "
                    "WHERE start_ts >= ? AND start_ts < ? AND end_ts >= ? ORDER BY start_ts",
                    (start - SEGMENT_REACH, end, start),
                )
            ]
        return cls(day, rows, segments)

    def __len__(self) -> int:
        return len(self.ids)

    def frame(self, index: int) -> FrameRef:
        """The frame at `index` of the day's arrays."""
        return FrameRef(
            index=index,
            id=self.ids[index],
            ts=float(self.ts[index]),
            app=self.apps[index],
            title=self.titles[index],
            path=self.paths[index],
            width=int(self.widths[index]),
            height=int(self.heights[index]),
            screen=parse_screen(self.screens[index]),
            segment_id=self.segment_ids[index],
        )

    def index_of(self, frame_id: str) -> int | None:
        """Where frame `frame_id` is in the day's arrays, None if not on this day."""
        return self._by_id.get(frame_id)

    def apps_by_count(self) -> list[str]:
        """The day's application keys (NO_APP for unknown), most frames first."""
        counts: dict[str, int] = {}
        for app in self.apps:
            key = app or NO_APP
            counts[key] = counts.get(key, 0) + 1
        return sorted(counts, key=lambda key: (-counts[key], key.casefold()))


class Selection:
    """The frames the filters let through: indices into the day and their times, for bisecting."""

    def __init__(self, frames: DayFrames, indices: Iterable[int]) -> None:
        self.frames = frames
        self.indices = list(indices)
        self.ts = [frames.ts[i] for i in self.indices]
        self._position = {index: pos for pos, index in enumerate(self.indices)}
        segment_ids = frames.segment_ids
        # The positions where a new segment starts, for PageUp / PageDown.
        self.segment_starts = [
            pos
            for pos, index in enumerate(self.indices)
            if pos == 0 or segment_ids[index] != segment_ids[self.indices[pos - 1]]
        ]

    def __len__(self) -> int:
        return len(self.indices)

    def position_of(self, index: int) -> int | None:
        """Where the day's frame `index` is in the selection, None if filtered out."""
        return self._position.get(index)

    def nearest(self, ts: float) -> int | None:
        """The selection position of the frame closest in time to `ts`."""
        if not self.ts:
            return None
        pos = bisect.bisect_left(self.ts, ts)
        if pos == 0:
            return 0
        if pos == len(self.ts):
            return pos - 1
        return pos if self.ts[pos] - ts < ts - self.ts[pos - 1] else pos - 1

    def segment_step(self, pos: int, step: int) -> int:
        """The first frame of the next (step 1) or previous (-1) segment from position `pos`."""
        current = bisect.bisect_right(self.segment_starts, pos) - 1
        if step < 0 and self.segment_starts[current] < pos:
            return self.segment_starts[current]  # back to the start of this segment first
        target = min(max(current + step, 0), len(self.segment_starts) - 1)
        return self.segment_starts[target]


class DayMemories:
    """The memories of a day's moments: per segment (via its observation) and episodic by time."""

    def __init__(
        self,
        by_segment: dict[str, list[Memory]],
        episodic: Sequence[Memory],
    ) -> None:
        self.by_segment = by_segment
        self.episodic = sorted(
            (m for m in episodic if m.valid_from is not None),
            key=lambda m: m.valid_from.timestamp() if m.valid_from else 0.0,
        )
        self.episodic_ts = [m.valid_from.timestamp() for m in self.episodic if m.valid_from]
        self._segment_types = {
            seg: {m.type for m in memories} for seg, memories in by_segment.items()
        }

    @classmethod
    def load(cls, store: Store, frames: DayFrames) -> DayMemories:
        """The current (live, active) memories sourced from the day's segments, and its episodes."""
        segment_of = {s.observation_id: s.id for s in frames.segments if s.observation_id}
        links: list[tuple[int, str]] = []
        observation_ids = list(segment_of)
        with store.read() as conn:
            for start in range(0, len(observation_ids), 500):
                chunk = observation_ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                links += conn.execute(
                    "SELECT m.rowid, ms.observation_id FROM memory_sources ms "
                    "JOIN memories m ON m.id = ms.memory_id "
                    f"WHERE ms.observation_id IN ({marks}) AND m.status = 'active' "
                    "AND m.superseded_at IS NULL ORDER BY m.event_ts, m.rowid",
                    chunk,
                ).fetchall()
            memories = store.memories_by_rowid([rowid for rowid, _ in links])
            window = EPISODIC_WINDOW
            episodic = store.list_memories(
                MemoryFilter(
                    types=[MemoryType.EPISODIC],
                    since=datetime.fromtimestamp(frames.start).astimezone() - window,
                    until=datetime.fromtimestamp(frames.end).astimezone() + window,
                    include_cold=True,
                ),
                limit=100_000,
            )
        by_segment: dict[str, list[Memory]] = {}
        for rowid, obs_id in links:
            if rowid in memories:
                by_segment.setdefault(segment_of[obs_id], []).append(memories[rowid])
        return cls(by_segment, episodic)

    def _episodes_near(self, ts: float) -> list[Memory]:
        reach = EPISODIC_WINDOW.total_seconds()
        low = bisect.bisect_left(self.episodic_ts, ts - reach)
        high = bisect.bisect_right(self.episodic_ts, ts + reach)
        return self.episodic[low:high]

    def at(self, segment_id: str, ts: float) -> list[Memory]:
        """The memories of the moment: the segment's, then the episodes within the window."""
        found: dict[str, Memory] = {m.id: m for m in self.by_segment.get(segment_id, [])}
        for memory in self._episodes_near(ts):
            found.setdefault(memory.id, memory)
        return list(found.values())

    def has_type(self, segment_id: str, ts: float, kind: MemoryType) -> bool:
        """Whether the moment at `ts` in `segment_id` has a memory of type `kind`."""
        if kind in self._segment_types.get(segment_id, ()):
            return True
        return kind is MemoryType.EPISODIC and bool(self._episodes_near(ts))


def select(
    frames: DayFrames,
    memories: DayMemories | None,
    app: str | None,
    kind: MemoryType | None,
) -> Selection:
    """The frames of `app` (NO_APP: unknown app; None: any) with memories of `kind` (None: any)."""
    indices: Iterable[int] = range(len(frames))
    if app is not None:
        apps = frames.apps
        indices = [i for i in indices if (apps[i] or NO_APP) == app]
    if kind is not None:
        if memories is None:
            indices = []
        else:
            segs, ts = frames.segment_ids, frames.ts
            indices = [i for i in indices if memories.has_type(segs[i], ts[i], kind)]
    return Selection(frames, indices)

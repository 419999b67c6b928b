"""Frame retention: frames older than a number of days, or beyond a total size, are deleted.

Whichever limit is hit first wins: first every frame older than the age limit goes, then the oldest
frames go until the rest fits the size limit. A frame's size is its encrypted file plus its OCR
text and words in the database. Pruning removes the file first and the row second, so a crash in
between leaves a row whose file is gone (the timeline shows the frame as pruned), never a file
that no row knows about. Memories, observations and segments are never touched: the segment's
observation keeps its de-duplicated text; only its reference to a pruned frame is cleared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.settings import CaptureSettings
from core.store import Store

BATCH = 500
FOOTPRINT = "(bytes + length(words) + length(text))"


@dataclass
class PruneReport:
    """What one retention pass deleted."""

    frames: int = 0
    bytes: int = 0
    by_age: int = 0
    by_size: int = 0


def frames_footprint(store: Store) -> tuple[int, int]:
    """(number of frames, their total size in bytes: files plus OCR text)."""
    row = store.conn.execute(
        f"SELECT count(*), coalesce(sum({FOOTPRINT}), 0) FROM frames"
    ).fetchone()
    return int(row[0]), int(row[1])


def prune_by_settings(
    store: Store, frames_dir: Path, settings: CaptureSettings, now: datetime
) -> PruneReport:
    """`prune_frames` with the limits of the capture settings."""
    return prune_frames(
        store,
        frames_dir,
        timedelta(days=settings.retention_days),
        int(settings.retention_gb * 1e9),
        now,
    )


def prune_frames(
    store: Store, frames_dir: Path, max_age: timedelta, max_bytes: int, now: datetime
) -> PruneReport:
    """Delete frames older than `max_age`, then the oldest until the rest fits in `max_bytes`."""
    report = PruneReport()
    cutoff = (now - max_age).timestamp()
    while True:
        rows = store.conn.execute(
            f"SELECT rowid, path, {FOOTPRINT}, segment_id FROM frames WHERE ts < ? ORDER BY ts LIMIT ?",
            (cutoff, BATCH),
        ).fetchall()
        if not rows:
            break
        _delete(store, frames_dir, rows, report)
        report.by_age += len(rows)
    _, total = frames_footprint(store)
    while total > max_bytes:
        rows = store.conn.execute(
            f"SELECT rowid, path, {FOOTPRINT}, segment_id FROM frames ORDER BY ts LIMIT ?", (BATCH,)
        ).fetchall()
        if not rows:
            break
        chosen = []
        for row in rows:
            if total <= max_bytes:
                break
            chosen.append(row)
            total -= int(row[2])
        _delete(store, frames_dir, chosen, report)
        report.by_size += len(chosen)
    return report


def _delete(
    store: Store, frames_dir: Path, rows: Sequence[Sequence[Any]], report: PruneReport
) -> None:
    folders: set[Path] = set()
    for _, rel, _, _ in rows:
        path = frames_dir / rel
        path.unlink(missing_ok=True)
        folders.add(path.parent)
    paths = [row[1] for row in rows]
    with store.write() as conn:
        conn.executemany("DELETE FROM frames WHERE rowid = ?", [(row[0],) for row in rows])
        # The segment's observation points at one of its frames; clear it if that one went.
        conn.execute(
            "UPDATE observations SET frame_path = NULL WHERE id IN (SELECT observation_id FROM "
            "segments WHERE id IN (SELECT value FROM json_each(?))) "
            "AND frame_path IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted({row[3] for row in rows})), json.dumps(paths)),
        )
    report.frames += len(rows)
    report.bytes += sum(int(row[2]) for row in rows)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        # Empty day/month/year folders go too; a non-empty one stays (rmdir refuses).
        while folder != frames_dir and frames_dir in folder.parents:
            with suppress(OSError):
                folder.rmdir()
            if folder.exists():
                break
            folder = folder.parent

"""Finding screens again: full-text search over the OCR text of stored frames, with word boxes.

Each frame's redacted OCR text is indexed (FTS5, external content, porter stemming) when OCR
finishes. A search ranks frames by BM25 with every query word required (a screen is found by the
words that were on it together), falling back to any word when no frame has them all. Each hit
carries the boxes of the words that matched, in screen coordinates, so the timeline can draw the
highlight on the thumbnail (scaled by the thumbnail's width over the screen's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from core.capture.desktop import Rect
from core.store import Store
from core.text import STOPWORDS, stem, tokenize


@dataclass(frozen=True)
class FrameHit:
    """A stored frame whose text matched, and where on the screen the matching words were."""

    id: str
    time: datetime
    app: str | None
    title: str | None
    path: str
    segment_id: str
    screen: Rect
    snippet: str
    boxes: tuple[Rect, ...]


def find_frames(
    store: Store,
    query: str,
    limit: int = 20,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[FrameHit]:
    """Frames whose OCR text matches `query`, best first, with the matching words' boxes."""
    words = list(dict.fromkeys(t for t in tokenize(query) if t not in STOPWORDS))
    if not words:
        return []
    wanted = {stem(w) for w in words}
    for joiner in (" AND ", " OR "):
        match = joiner.join(f'"{w}"' for w in words)
        rows = store.conn.execute(
            "SELECT f.id, f.time, f.app, f.title, f.path, f.segment_id, f.screen, f.words, "
            "snippet(frames_fts, 0, '[', ']', ' … ', 12) FROM frames_fts "
            "JOIN frames f ON f.rowid = frames_fts.rowid WHERE frames_fts MATCH ? "
            "AND f.ts >= ? AND f.ts < ? ORDER BY bm25(frames_fts) LIMIT ?",
            (
                match,
                since.timestamp() if since else float("-inf"),
                until.timestamp() if until else float("inf"),
                limit,
            ),
        ).fetchall()
        if rows or len(words) == 1:
            break
    hits = []
    for row in rows:
        boxes = tuple(
            Rect(int(w[1]), int(w[2]), int(w[3]), int(w[4]))
            for w in json.loads(row[7])
            if any(stem(t) in wanted for t in tokenize(str(w[0])))
        )
        x, y, width, height = json.loads(row[6])
        hits.append(
            FrameHit(
                id=row[0],
                time=datetime.fromisoformat(row[1]),
                app=row[2],
                title=row[3],
                path=row[4],
                segment_id=row[5],
                screen=Rect(x, y, width, height),
                snippet=row[8],
                boxes=boxes,
            )
        )
    return hits

"""A store seeded for the sleep job: duplicates, stale facts, recalls, several days of episodes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from core.memory import Link, LinkKind, Memory, MemoryType, Observation, Source, Trust
from core.store import Store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
DAY = timedelta(days=1)


def _obs(store: Store, text: str, when: datetime, source: Source = Source.CHAT) -> str:
    obs = Observation(
        source=source,
        time=when,
        text=text,
        trust=Trust.USER if source is Source.CHAT else Trust.SCREEN,
        speaker="user" if source is Source.CHAT else None,
        app=None if source is Source.CHAT else "firefox",
    )
    store.add_observation(obs)
    return obs.id


def _mem(store: Store, mtype: MemoryType, text: str, when: datetime, **extra: Any) -> Memory:
    source = _obs(store, text, when)
    memory = Memory(
        type=mtype, text=text, valid_from=when, recorded_at=when, sources=[source], **extra
    )
    store.add_memories([memory])
    return memory


def seed(store: Store) -> dict[str, Any]:
    """Fill `store`; return the ids the tests look for, by role."""
    ids: dict[str, Any] = {}
    week_ago = NOW - 9 * DAY
    # Exact duplicates (said three times) and near duplicates (different wording).
    ids["sister"] = [
        _mem(store, MemoryType.SEMANTIC, "My sister Anna lives in Porto.", week_ago + i * DAY).id
        for i in range(3)
    ]
    ids["tea"] = [
        _mem(store, MemoryType.SEMANTIC, "I prefer green tea in the morning.", week_ago).id,
        _mem(store, MemoryType.SEMANTIC, "I prefer green tea in the mornings", week_ago + DAY).id,
    ]
    # Not duplicates: different numbers, and the same episode text on different days.
    ids["gate"] = [
        _mem(store, MemoryType.SEMANTIC, "The office door code is 4411.", week_ago).id,
        _mem(store, MemoryType.SEMANTIC, "The office door code is 9321.", week_ago + DAY).id,
    ]
    # Equal memories recorded 60 days ago, one recalled three times since.
    old = NOW - 60 * DAY
    ids["recalled"] = _mem(
        store,
        MemoryType.SEMANTIC,
        "Tom's favourite band is Wilco.",
        old,
        recall_count=3,
        last_recalled_at=NOW - 20 * DAY,
    ).id
    ids["unrecalled"] = _mem(store, MemoryType.SEMANTIC, "Eva's favourite band is Low.", old).id
    # Stale facts nobody asked about for a year; a pinned and a core one as old.
    stale = NOW - 400 * DAY
    ids["stale"] = [
        _mem(store, MemoryType.SEMANTIC, "The printer on floor 3 needs toner.", stale).id,
        _mem(store, MemoryType.RESOURCE, "The wiki page for the old VPN setup.", stale).id,
    ]
    ids["pinned"] = _mem(
        store, MemoryType.SEMANTIC, "Grandma's birthday is 2 March.", stale, pinned=True
    ).id
    ids["core"] = _mem(store, MemoryType.CORE, "My name is Robin Keller.", stale).id
    ids["vault"] = _mem(store, MemoryType.VAULT, "The safe combination is 12-34-56.", stale).id
    # A conflict the update step kept side by side (untrusted text against the user's word).
    slot = {"key": "user|dentist", "subject": "user", "attribute": "dentist"}
    ids["dentist"] = [
        _mem(
            store,
            MemoryType.CORE,
            "My dentist is Dr. Lee.",
            week_ago,
            fields={"slot": {**slot, "value": "Dr. Lee"}},
        ).id,
        _mem(
            store,
            MemoryType.CORE,
            "My dentist is Dr. Park.",
            week_ago + DAY,
            fields={"slot": {**slot, "value": "Dr. Park"}},
        ).id,
    ]
    # Several days of episodes, two a day, plus screen activity segments.
    episodes: dict[str, list[str]] = {}
    for d in range(1, 10):
        day = (NOW - d * DAY).replace(hour=0, minute=0)
        texts = [f"Went running along the river, lap {d}", f"Called Anna about her trip number {d}"]
        for h, text in zip((8, 18), texts, strict=True):
            memory = _mem(
                store,
                MemoryType.EPISODIC,
                text,
                day + timedelta(hours=h),
                fields={"entities": ["Anna"]} if "Anna" in text else {},
            )
            episodes.setdefault(day.date().isoformat(), []).append(memory.id)
        _segment(store, day + timedelta(hours=9), 90, "firefox", "Flights to Porto - Firefox")
        _segment(store, day + timedelta(hours=14), 40, "code", "sleep.py - Visual Studio Code")
    ids["episodes"] = episodes
    store.add_links(
        [Link(ids["dentist"][1], ids["dentist"][0], LinkKind.CONTRADICTS, created_by="rules")]
    )
    return ids


def _segment(store: Store, start: datetime, minutes: int, app: str, title: str) -> None:
    end = start + timedelta(minutes=minutes)
    obs = _obs(store, f"{title}: reading", start, Source.SCREEN)
    seg_id = hashlib.sha256(f"{start}{app}".encode()).hexdigest()[:32]
    with store.write() as conn:
        conn.execute(
            "INSERT INTO segments (id, app, title, start, start_ts, end, end_ts, closed, "
            "observation_id) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (
                seg_id,
                app,
                title,
                start.isoformat(),
                start.timestamp(),
                end.isoformat(),
                end.timestamp(),
                obs,
            ),
        )


# Tables whose rows are the store's content (the sleep job's own bookkeeping and timings left out).
CONTENT = {
    "memories": "SELECT rowid, id, type, text, fields, valid_from, valid_to, recorded_at, "
    "superseded_at, event_ts, version, supersedes, importance, strength, last_recalled_at, "
    "recall_count, tier, status, content_hash, source, app, pinned FROM memories ORDER BY rowid",
    "memory_sources": "SELECT * FROM memory_sources ORDER BY memory_id, observation_id",
    "links": "SELECT * FROM links ORDER BY src, dst, kind",
    "observations": "SELECT * FROM observations ORDER BY id",
    "decisions": "SELECT * FROM decisions ORDER BY id",
    "segments": "SELECT * FROM segments ORDER BY id",
    "frames": "SELECT * FROM frames ORDER BY id",
    "fts": "SELECT rowid, text FROM memories_fts ORDER BY rowid",
}


def dump(conn: Any, with_vectors: str | None = None) -> dict[str, str]:
    """A canonical dump of the store's content, to compare two stores or two moments."""
    out = {
        name: json.dumps(conn.execute(sql).fetchall(), default=str) for name, sql in CONTENT.items()
    }
    if with_vectors:
        rows = conn.execute(
            f"SELECT rowid, mtype, state, t, embedding FROM {with_vectors} ORDER BY rowid"
        ).fetchall()
        out["vectors"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out

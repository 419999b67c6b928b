"""Link: connect each new memory to what it belongs with; evolve: let neighbours learn from it.

`link` gives every memory that arrived since the last run typed edges (A-MEM's note links):
- `same-entity` to a near neighbour that names the same person, place or thing (the extracted
  entities, or the subject of a slot such as "dentist"), else `related` to near neighbours above
  `link_similarity`, weighted by similarity;
- `follows` from an episode to the episode just before it (and from the one just after it) when
  they are at most `follows_hours` apart;
- `contradicts` between current memories that give one slot different values, which the update
  step keeps side by side when untrusted text disagrees with what the user said.
Links never change memories, so the neighbour index built at the start serves the whole phase and
a resumed phase finds the same neighbours.

`evolve` is A-MEM's memory evolution: when a new memory adds context to an older neighbour, the
model rewrites the neighbour's wording to include it, recorded as the neighbour's next version
(the old wording stays in its history). It needs the model: rules cannot rewrite a sentence
faithfully, so without one the phase reports that it was skipped.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import ExpectedError
from core.memory import Link, LinkKind, Memory, MemoryType, normalize_text
from core.pipeline import rules
from core.pipeline.guard import DataFence
from core.sleep.common import (
    ORIGINAL_OR_MERGE,
    Context,
    PhaseLog,
    Step,
    made_by_sleep,
    model_text,
    planned,
    sleep_id,
    span,
)
from core.sleep.neighbours import NeighbourIndex
from core.store.connection import Connection

EVOLVE_LIMIT = 200  # model calls per run at most; the rest wait for the next night


def _new_memories(ctx: Context, lo: int, hi: int) -> list[int]:
    """Rowids of current memories that arrived in (lo, hi], leaving out vault memories and the
    summaries and rewrites the sleep job made itself (merges are new facts and take part)."""
    return [
        int(r[0])
        for r in ctx.store.conn.execute(
            "SELECT rowid FROM memories WHERE rowid > ? AND rowid <= ? AND superseded_at IS NULL "
            "AND status = 'active' AND type != 'vault' "
            f"AND {ORIGINAL_OR_MERGE} ORDER BY rowid",
            (lo, hi),
        )
    ]


@dataclass(frozen=True)
class _Row:
    """What linking needs of a memory (no sources, no dates parsed)."""

    rowid: int
    id: str
    type: str
    event_ts: float
    fields: dict[str, Any]


def _rows(ctx: Context, rowids: Sequence[int]) -> dict[int, _Row]:
    found: dict[int, _Row] = {}
    wanted = sorted(set(rowids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for rowid, mid, mtype, ts, fields in ctx.store.conn.execute(
            "SELECT rowid, id, type, event_ts, fields FROM memories "
            f"WHERE rowid IN ({', '.join('?' * len(chunk))})",
            chunk,
        ):
            parsed = json.loads(fields) if fields != "{}" else {}
            found[int(rowid)] = _Row(int(rowid), mid, mtype, float(ts), parsed)
    return found


class _Episodes:
    """The current episodes in time order, for 'follows' (fixed for the phase)."""

    def __init__(self, ctx: Context, hi: int) -> None:
        rows = ctx.store.conn.execute(
            "SELECT event_ts, rowid, id FROM memories WHERE type = 'episodic' "
            "AND superseded_at IS NULL AND status = 'active' AND rowid <= ? "
            f"AND {ORIGINAL_OR_MERGE} "
            "ORDER BY event_ts, rowid",
            (hi,),
        ).fetchall()
        self.keys = [(float(r[0]), int(r[1])) for r in rows]
        self.ids = [str(r[2]) for r in rows]

    def around(self, row: _Row, gap: float) -> tuple[str | None, str | None]:
        """The episodes just before and just after `row` (within `gap` seconds)."""
        at = bisect_left(self.keys, (row.event_ts, row.rowid))
        before = after = None
        if at > 0 and row.event_ts - self.keys[at - 1][0] <= gap:
            before = self.ids[at - 1]
        nxt = at + 1 if at < len(self.keys) and self.keys[at][1] == row.rowid else at
        if nxt < len(self.keys) and self.keys[nxt][0] - row.event_ts <= gap:
            after = self.ids[nxt]
        return before, after


def _slot_conflicts(ctx: Context, hi: int) -> dict[str, list[tuple[int, str, str]]]:
    """Slot key -> (rowid, id, value) of current memories, for keys held with two values."""
    groups: dict[str, list[tuple[int, str, str]]] = {}
    for key, rowid, mid, value in ctx.store.conn.execute(
        "SELECT json_extract(fields, '$.slot.key'), rowid, id, json_extract(fields, "
        "'$.slot.value') FROM memories WHERE superseded_at IS NULL AND status = 'active' "
        "AND rowid <= ? AND json_extract(fields, '$.slot.key') IS NOT NULL "
        "AND coalesce(json_extract(fields, '$.slot.attribute'), '') != ''",
        (hi,),
    ):
        groups.setdefault(str(key), []).append((int(rowid), mid, normalize_text(str(value))))
    return {k: v for k, v in groups.items() if len({value for _, _, value in v}) > 1}


def link(ctx: Context, log: PhaseLog) -> None:
    lo, hi = span(ctx, log, "link")
    queries = [r for r in _new_memories(ctx, lo, hi) if r > log.cursor]
    total = int(log.detail.setdefault("total", len(queries)))
    if queries:
        index = NeighbourIndex.of_store(ctx.store, hi)
        episodes = _Episodes(ctx, hi)
        conflicts = _slot_conflicts(ctx, hi)
    batch = ctx.sleep.batch_size
    for start in range(0, len(queries), batch):
        chunk = queries[start : start + batch]
        links = _links_for(ctx, index, episodes, conflicts, chunk)
        with ctx.batch(log) as conn:
            if not ctx.dry_run:
                _insert(conn, links)
            for lk in links:
                log.count(str(lk.kind))
            log.cursor = chunk[-1]
            log.detail["done"] = int(log.detail.get("done", 0)) + len(chunk)
        ctx.tick("link", int(log.detail["done"]), total)
    with ctx.batch(log) as conn:
        ctx.set_mark(conn, "link", hi)


def _links_for(
    ctx: Context,
    index: NeighbourIndex,
    episodes: _Episodes,
    conflicts: dict[str, list[tuple[int, str, str]]],
    rowids: list[int],
) -> list[Link]:
    cfg = ctx.sleep
    found = index.search(rowids, cfg.link_neighbours)
    near = [[(r, s) for r, s in hits if s >= cfg.link_similarity] for hits in found]
    rows = _rows(ctx, [*rowids, *(r for h in near for r, _ in h)])
    gap = cfg.follows_hours * 3600
    links: list[Link] = []
    for rowid, hits in zip(rowids, near, strict=True):
        row = rows.get(rowid)
        if row is None:
            continue
        for other_rowid, similarity in hits:
            other = rows.get(other_rowid)
            if other is None or made_by_sleep(other.fields) in ("day", "week"):
                continue
            kind = LinkKind.SAME_ENTITY if _entities(row) & _entities(other) else LinkKind.RELATED
            links.append(_edge(ctx, row, other, kind, similarity))
        if row.type == MemoryType.EPISODIC.value:
            before, after = episodes.around(row, gap)
            if before is not None:
                links.append(Link(row.id, before, LinkKind.FOLLOWS, 1.0, "sleep", ctx.now))
            if after is not None:
                links.append(Link(after, row.id, LinkKind.FOLLOWS, 1.0, "sleep", ctx.now))
        slot = row.fields.get("slot")
        key = str(slot.get("key")) if isinstance(slot, dict) else ""
        for other_rowid, other_id, value in conflicts.get(key, []):
            mine = normalize_text(str(slot.get("value", ""))) if isinstance(slot, dict) else ""
            if other_id != row.id and value != mine:
                other = _Row(other_rowid, other_id, "", 0.0, {})
                links.append(_edge(ctx, row, other, LinkKind.CONTRADICTS, 1.0))
    return links


def _edge(ctx: Context, a: _Row, b: _Row, kind: LinkKind, weight: float) -> Link:
    """One undirected link, stored from the newer memory to the older so it exists once."""
    newer, older = (a, b) if a.rowid > b.rowid else (b, a)
    return Link(newer.id, older.id, kind, round(weight, 4), "sleep", ctx.now)


def _entities(row: _Row) -> set[str]:
    names = {normalize_text(str(e)) for e in row.fields.get("entities", []) or []}
    slot = row.fields.get("slot")
    if isinstance(slot, dict) and slot.get("subject") and slot.get("attribute"):
        names.add(normalize_text(f"{slot['subject']} {slot['attribute']}"))
    return {n for n in names if n}


def _insert(conn: Connection, links: Sequence[Link]) -> None:
    """Insert links that are not there yet, in key order (fewer B-tree pages touched)."""
    links = sorted(links, key=lambda lk: (lk.src, lk.dst, str(lk.kind)))
    conn.executemany(
        "INSERT OR IGNORE INTO links (src, dst, kind, weight, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (lk.src, lk.dst, str(lk.kind), lk.weight, lk.created_by, lk.created_at.isoformat())
            for lk in links
        ],
    )


# -- evolve --------------------------------------------------------------------------------------
def evolve(ctx: Context, log: PhaseLog) -> None:
    if ctx.llm is None:
        log.detail["note"] = "skipped: rewriting a neighbour's wording needs the model"
        with ctx.batch(log) as conn:  # the memories seen stay seen: no backlog for a later model
            ctx.set_mark(conn, "evolve", ctx.max_rowid())
        return
    lo, hi = span(ctx, log, "evolve")

    def count(step: Step) -> None:
        log.count("evolved")
        log.example("evolved", step)

    planned(
        ctx,
        log,
        lambda: _plan_evolution(ctx, lo, hi),
        lambda step: _evolve_one(ctx, log, step),
        count,
        ctx.sleep.batch_size,
    )
    with ctx.batch(log) as conn:
        ctx.set_mark(conn, "evolve", hi)


def _plan_evolution(ctx: Context, lo: int, hi: int) -> list[dict[str, Any]]:
    """For new memories with a close older neighbour: the neighbour's wording after the model
    folded the new memory's context in (only where it changed, at most EVOLVE_LIMIT calls)."""
    queries = _new_memories(ctx, lo, hi)
    if not queries:
        return []
    index = NeighbourIndex.of_store(ctx.store, hi)
    plan: list[dict[str, Any]] = []
    touched: set[str] = set()
    calls = 0
    for start in range(0, len(queries), ctx.sleep.batch_size):
        chunk = queries[start : start + ctx.sleep.batch_size]
        found = index.search(chunk, 1)
        pairs = [
            (q, hits[0][0])
            for q, hits in zip(chunk, found, strict=True)
            if hits and hits[0][1] >= ctx.sleep.link_similarity and hits[0][0] < q
        ]
        memories = ctx.store.memories_by_rowid(sorted({r for p in pairs for r in p}))
        for q, n in pairs:
            new, old = memories.get(q), memories.get(n)
            if new is None or old is None or old.id in touched or made_by_sleep(old.fields):
                continue
            if calls >= EVOLVE_LIMIT:
                return plan
            calls += 1
            text = _refined(ctx, old, new)
            if text is not None:
                touched.add(old.id)
                plan.append({"target": old.id, "by": new.id, "text": text})
    return plan


def _refined(ctx: Context, old: Memory, new: Memory) -> str | None:
    fence = DataFence.new()
    prompt = (
        "An older memory and a newer one about the same thing, as quoted data:\n"
        f"{fence.wrap([old.text, new.text])}\n"
        "If the newer memory [1] adds context that makes the older memory [0] clearer or more "
        "complete, rewrite [0] to include that context in one sentence; otherwise repeat [0] "
        "exactly. Keep every detail of [0]. Give the text and the type of [0]."
    )
    text = model_text(ctx, prompt)
    if text is None or normalize_text(text) == normalize_text(old.text):
        return None
    kept = set(normalize_text(old.text).split())
    allowed = kept | set(normalize_text(new.text).split())
    words = normalize_text(text).split()
    if (
        not rules.is_memorable(text)
        or len(kept & set(words)) < 0.6 * len(kept)  # it must still say what [0] said
        or any(any(c.isdigit() for c in w) and w not in allowed for w in words)
    ):
        return None
    return text


def _evolve_one(ctx: Context, log: PhaseLog, step: dict[str, Any]) -> None:
    store = ctx.store
    try:
        old = store.get_memory(step["target"])
    except ExpectedError:
        old = None
    if old is None or not old.is_current:
        log.count("skipped")
        return
    new = Memory(
        type=old.type,
        text=step["text"],
        fields={**old.fields, "sleep": "evolve", "evolved_by": step["by"]},
        valid_from=old.valid_from,
        valid_to=old.valid_to,
        recorded_at=ctx.now,
        sources=sorted(set(old.sources) | set(store.get_memory(step["by"]).sources)),
        importance=old.importance,
        strength=old.strength,
        last_recalled_at=old.last_recalled_at,
        recall_count=old.recall_count,
        tier=old.tier,
        id=sleep_id("evolve", old.id, step["by"]),
    )
    store.supersede(old.id, new, when=ctx.now)
    # The new version keeps the old one's links and is linked to the memory that refined it.
    inherited = [
        Link(
            new.id if lk.src == old.id else lk.src,
            new.id if lk.dst == old.id else lk.dst,
            lk.kind,
            lk.weight,
            "sleep",
            ctx.now,
        )
        for lk in store.links_of([old.id])
        if lk.kind is not LinkKind.MERGED_INTO
    ]
    inherited.append(Link(new.id, step["by"], LinkKind.RELATED, 1.0, "sleep", ctx.now))
    _insert(store.conn, inherited)
    log.count("evolved")
    log.example("evolved", {"memory_id": new.id, "from": old.id, "text": new.text[:200]})

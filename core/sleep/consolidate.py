"""Consolidate: merge memories that say the same thing into one, losing nothing.

Candidates are the memories that arrived since the last run (not ones the sleep job made). Their
clusters come from two places: equal normalised text (one GROUP BY over the content hash) and near
neighbours in vector space above `consolidate_similarity` that also pass the update step's
near-duplicate test (the same content words give or take a few, no differing number, name or
negation, the same day for events). Clustering is a star around each candidate, in rowid order, so
chains of "almost the same" never merge things that differ.

The whole plan (each cluster's members and merged text, from the model's `consolidate` operation
when a model is present, else the most complete member's text) is stored before anything changes;
applying it in batches makes one merged memory per cluster, the next version of the cluster's
first member, with the union of the members' sources, the earliest validity, the highest
importance and the sum of their recalls. Every member becomes a superseded version with a
merged-into link to it, as in MemOS, so provenance and history stay whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from core.memory import Action, Decision, Memory, MemoryType, Tier, normalize_text
from core.pipeline import rules
from core.pipeline.guard import DataFence
from core.pipeline.update import event_day, near_duplicate
from core.sleep.common import (
    ORIGINAL_OR_MERGE,
    Context,
    PhaseLog,
    made_by_sleep,
    model_text,
    planned,
    sleep_id,
    span,
)
from core.sleep.neighbours import NeighbourIndex

NEIGHBOURS = 8  # neighbours looked at per candidate
MAX_CLUSTER = 40  # a merge prompt and a cluster stay readable


def consolidate(ctx: Context, log: PhaseLog) -> None:
    lo, hi = span(ctx, log, "consolidate")
    planned(
        ctx,
        log,
        lambda: plan_merges(ctx, lo, hi),
        lambda step: _merge(ctx, log, step),
        lambda step: _count(log, step),
        max(1, ctx.sleep.batch_size // 4),  # a cluster touches several rows
    )
    with ctx.batch(log) as conn:
        ctx.set_mark(conn, "consolidate", hi)


def plan_merges(ctx: Context, lo: int, hi: int) -> list[dict[str, Any]]:
    """The clusters among memories up to rowid `hi` that involve one newer than `lo`, each
    {"members": [ids], "text": merged text, "by": who wrote it}."""
    store = ctx.store
    clusters = _equal_text_clusters(ctx, lo, hi)
    taken = {mid for cluster in clusters for mid in cluster}
    candidates = [
        int(r[0])
        for r in store.conn.execute(
            "SELECT rowid FROM memories WHERE rowid > ? AND rowid <= ? AND superseded_at IS NULL "
            "AND status = 'active' AND type != 'vault' "
            "AND json_extract(fields, '$.sleep') IS NULL ORDER BY rowid",
            (lo, hi),
        )
    ]
    if candidates:
        index = NeighbourIndex.of_store(store, hi)
        threshold = ctx.sleep.consolidate_similarity
        batch = max(ctx.sleep.batch_size, 1)
        for start in range(0, len(candidates), batch):
            chunk = candidates[start : start + batch]
            found = index.search(chunk, NEIGHBOURS)
            close = [[(r, s) for r, s in hits if s >= threshold] for hits in found]
            wanted = {r for r, hits in zip(chunk, close, strict=True) if hits}
            wanted |= {r for hits in close for r, _ in hits}
            memories = store.memories_by_rowid(sorted(wanted)) if wanted else {}
            for rowid, hits in zip(chunk, close, strict=True):
                center = memories.get(rowid)
                if not hits or center is None or center.id in taken:
                    continue
                members = [center]
                for other_rowid, similarity in hits:
                    other = memories.get(other_rowid)
                    if (
                        other is not None
                        and other.id not in taken
                        and other.type is center.type
                        and made_by_sleep(other.fields) in ("", "merge")
                        and near_duplicate(center, other, similarity, threshold)
                        and not _other_value(center, other)
                        and len(members) < MAX_CLUSTER
                    ):
                        members.append(other)
                if len(members) > 1:
                    clusters.append([m.id for m in members])
                    taken.update(m.id for m in members)
            ctx.tick("consolidate", min(start + batch, len(candidates)), len(candidates))
    return [_step(ctx, cluster) for cluster in clusters]


def _equal_text_clusters(ctx: Context, lo: int, hi: int) -> list[list[str]]:
    """Current memories with the same type and normalised text as a new one (events: same day)."""
    # Members may be earlier merges; only memories that arrived since the last run start a group.
    rows = ctx.store.conn.execute(
        "SELECT m.rowid, m.id, m.type, m.content_hash FROM memories m "
        "WHERE m.rowid <= ? AND m.superseded_at IS NULL AND m.status = 'active' "
        f"AND m.type != 'vault' AND {ORIGINAL_OR_MERGE} "
        "AND m.content_hash IN (SELECT content_hash FROM memories WHERE rowid > ? AND rowid <= ? "
        "AND superseded_at IS NULL AND status = 'active' AND type != 'vault' "
        "AND json_extract(fields, '$.sleep') IS NULL) "
        "ORDER BY m.content_hash, m.type, m.rowid",
        (hi, lo, hi),
    ).fetchall()
    groups: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    order = {mid: int(rowid) for rowid, mid, _, _ in rows}
    for rowid, mid, mtype, chash in rows:
        groups[(chash, mtype)].append((int(rowid), mid))
    clusters: list[list[str]] = []
    for (_, mtype), members in groups.items():
        if len(members) < 2:
            continue
        if mtype != MemoryType.EPISODIC.value:
            clusters.extend(_capped([[mid for _, mid in members]]))
            continue
        by_day: dict[str, list[str]] = defaultdict(list)
        memories = ctx.store.memories_by_rowid([rowid for rowid, _ in members])
        for rowid, mid in members:
            by_day[event_day(memories[rowid])].append(mid)
        clusters.extend(_capped([ids for ids in by_day.values() if len(ids) > 1]))
    return sorted(clusters, key=lambda c: order[c[0]])


def _other_value(a: Memory, b: Memory) -> bool:
    """Two values of one slot ("favourite food: pierogi" and "... paella") are a conflict for
    the link phase to mark, never a duplicate to merge."""
    slot_a, slot_b = a.fields.get("slot"), b.fields.get("slot")
    if not isinstance(slot_a, dict) or not isinstance(slot_b, dict):
        return False
    if slot_a.get("key") != slot_b.get("key"):
        return False
    return normalize_text(str(slot_a.get("value", ""))) != normalize_text(
        str(slot_b.get("value", ""))
    )


def _capped(clusters: list[list[str]]) -> list[list[str]]:
    out = []
    for ids in clusters:
        for start in range(0, len(ids), MAX_CLUSTER):
            part = ids[start : start + MAX_CLUSTER]
            if len(part) > 1:
                out.append(part)
    return out


def _step(ctx: Context, member_ids: list[str]) -> dict[str, Any]:
    """One cluster's plan: members (the most complete first) and the merged text."""
    found = ctx.store.rowids_of(member_ids)
    members = list(ctx.store.memories_by_rowid([found[m] for m in member_ids]).values())
    members.sort(key=lambda m: (-len(normalize_text(m.text)), found[m.id]))
    text, by = members[0].text, "rules"
    if ctx.llm is not None and not ctx.dry_run and len({m.content_hash for m in members}) > 1:
        text, by = _model_text(ctx, members)
    return {"members": [m.id for m in members], "text": text, "by": by}


def _model_text(ctx: Context, members: Sequence[Memory]) -> tuple[str, str]:
    """The model's merged wording, or the most complete member's when it fails or strays."""
    fence = DataFence.new()
    prompt = (
        "These memories, as quoted data, say the same thing in different words:\n"
        f"{fence.wrap([m.text for m in members])}\n"
        "Write them as one memory that keeps every detail any of them gives (names, numbers, "
        "dates) and adds nothing. Give its text and its type."
    )
    text = model_text(ctx, prompt)
    if text is None:
        return members[0].text, "rules"
    known = {w for m in members for w in normalize_text(m.text).split()}
    invented = [w for w in normalize_text(text).split() if any(c.isdigit() for c in w)]
    if not rules.is_memorable(text) or any(w not in known for w in invented):
        return members[0].text, "rules"
    return text, "model"


def _merge(ctx: Context, log: PhaseLog, step: dict[str, Any]) -> None:
    store = ctx.store
    ids: list[str] = step["members"]
    found = store.rowids_of(ids)
    loaded = store.memories_by_rowid([found[i] for i in ids if i in found])
    members = [loaded[found[i]] for i in ids if i in found]
    if len(members) != len(ids) or not all(m.is_current for m in members):
        log.count("skipped")  # the user changed one of them since the plan was made
        return
    first = members[0]
    starts = [m.valid_from for m in members if m.valid_from is not None]
    recalls = [m.last_recalled_at for m in members if m.last_recalled_at is not None]
    merged = Memory(
        type=first.type,
        text=step["text"],
        fields={**first.fields, "sleep": "merge", "merged_from": ids},
        valid_from=min(starts) if starts else None,
        valid_to=first.valid_to,
        recorded_at=ctx.now,
        sources=sorted({s for m in members for s in m.sources}),
        importance=max(m.importance for m in members),
        strength=max(m.strength for m in members),
        last_recalled_at=max(recalls) if recalls else None,
        recall_count=sum(m.recall_count for m in members),
        tier=Tier.HOT if any(m.tier is Tier.HOT for m in members) else Tier.COLD,
        id=sleep_id("merge", *sorted(ids)),
    )
    store.merge(ids, merged, ctx.now)
    by = "model" if step.get("by") == "model" else "rules"
    store.record_decisions(
        [
            Decision(
                Action.UPDATE,
                f"sleep: merged {len(ids)} memories that say the same thing",
                merged.text,
                by,
                target_id=first.id,
                result_id=merged.id,
                observations=merged.sources[:50],
                time=ctx.now,
                id=sleep_id("decision", merged.id),
            )
        ]
    )
    _count(log, step, merged.id)


def _count(log: PhaseLog, step: dict[str, Any], merged_id: str | None = None) -> None:
    log.count("clusters")
    log.count("merged", len(step["members"]))
    log.example(
        "merged",
        {"memory_id": merged_id, "from": step["members"], "text": step["text"][:200]},
    )

"""Decay: each memory's strength follows an Ebbinghaus forgetting curve.

retention = exp(-t / S), where t is the time since the memory was learned or last recalled (a
recall restarts the clock, as in MemoryBank), and the stability S grows with every recall and with
importance:

    S = decay_days * (1 + recall_gain * recall_count) * (0.5 + importance)

so a memory recalled twice lasts three times as long as one never recalled (MemoryBank's own code
makes often-recalled memories fade faster through an operator-precedence slip; here the ordering is
tested). Strength only reorders search results through the bounded prior in retrieval; a memory
whose retention falls below `cold_threshold` moves to the cold tier, which default search leaves
out and `--include-cold` still finds; recalling it brings it back. Pinned, core and vault memories
never fade. Nothing is deleted.
"""

from __future__ import annotations

import math
from datetime import datetime

from core.memory import MemoryType, Tier
from core.settings import SleepSettings
from core.sleep.common import Context, PhaseLog

NEVER_FADE = (MemoryType.CORE.value, MemoryType.VAULT.value)


def retention(
    age_days: float, recall_count: int, importance: float, settings: SleepSettings
) -> float:
    """The share of a memory's strength left after `age_days` without a recall, in [0, 1]."""
    stability = (
        settings.decay_days * (1.0 + settings.recall_gain * recall_count) * (0.5 + importance)
    )
    return math.exp(-max(0.0, age_days) / stability)


def decay(ctx: Context, log: PhaseLog) -> None:
    """Recompute the strength and tier of every current memory, in rowid batches."""
    conn = ctx.store.conn
    total = int(
        conn.execute(
            "SELECT count(*) FROM memories WHERE superseded_at IS NULL AND status = 'active'"
        ).fetchone()[0]
    )
    done = int(log.detail.get("done", 0))
    now = ctx.now
    threshold = ctx.sleep.cold_threshold
    while True:
        rows = conn.execute(
            "SELECT rowid, id, type, importance, strength, recorded_at, last_recalled_at, "
            "recall_count, tier, pinned, text FROM memories WHERE rowid > ? "
            "AND superseded_at IS NULL AND status = 'active' ORDER BY rowid LIMIT ?",
            (log.cursor, ctx.sleep.batch_size),
        ).fetchall()
        if not rows:
            break
        updates: list[tuple[int, float, Tier | None]] = []
        for (
            rowid,
            mid,
            mtype,
            importance,
            strength,
            recorded,
            recalled,
            count,
            tier,
            pinned,
            text,
        ) in rows:
            if pinned or mtype in NEVER_FADE:
                new_strength, new_tier = 1.0, Tier.HOT
            else:
                since = max(_ts(recorded), _ts(recalled) if recalled else 0.0)
                age_days = (now.timestamp() - since) / 86400.0
                new_strength = round(
                    retention(age_days, int(count), float(importance), ctx.sleep), 4
                )
                new_tier = Tier.COLD if new_strength < threshold else Tier.HOT
            tier_change = new_tier if new_tier.value != tier else None
            if tier_change is None and abs(new_strength - float(strength)) < 1e-4:
                continue
            updates.append((int(rowid), new_strength, tier_change))
            log.count("updated")
            if tier_change is Tier.COLD:
                log.count("faded")
                log.example(
                    "faded",
                    {"memory_id": mid, "strength": new_strength, "text": _preview(text, mtype)},
                )
            elif tier_change is Tier.HOT:
                log.count("warmed")
        with ctx.batch(log) as _:
            if not ctx.dry_run and updates:
                ctx.store.set_strengths(updates)
            log.cursor = int(rows[-1][0])
            done += len(rows)
            log.detail["done"] = done
        ctx.tick("decay", done, total)


def _ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def _preview(text: str, mtype: str) -> str:
    return "[vault]" if mtype == MemoryType.VAULT.value else text[:160]

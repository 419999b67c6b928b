"""What every sleep phase shares: the run's context, its progress log, and stable ids.

A phase is a plain function `phase(ctx, log)`. It works in batches; each batch is one transaction
that holds the batch's changes *and* the phase's progress (`log.save`), so a run killed at any
moment resumes exactly after the last committed batch. Everything a phase decides is computed from
the store and the run's fixed reference time `ctx.now`, and everything it creates gets an id
derived from what it is made of (`sleep_id`), so a resumed or repeated run makes the same rows.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.errors import ExpectedError
from core.home import Home
from core.pipeline.guard import looks_like_injection
from core.pipeline.redaction import redact
from core.pipeline.schemas import CONSOLIDATE
from core.ports import LLM
from core.settings import Settings, SleepSettings
from core.store import Store
from core.store.connection import Connection

PHASES = ("backup", "consolidate", "summarise", "decay", "link", "evolve", "housekeeping")
EXAMPLES = 50  # items of each kind kept in a run's report (the counts are complete)

_NAMESPACE = uuid.UUID("6d6e656d-6f2d-736c-6565-702d69647321")

Progress = Callable[[str, int, int], None]


def sleep_id(*parts: str) -> str:
    """A stable id for something the sleep job makes, derived from what it is made of."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


@dataclass
class PhaseLog:
    """One phase's progress in one run: where it is, what it counted, what it keeps for later."""

    run_id: str
    phase: str
    state: str = "planned"  # planned | done
    cursor: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    _mark: float = field(default_factory=time.perf_counter, repr=False)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def example(self, kind: str, item: dict[str, Any]) -> None:
        """Keep an item for the report (the first few of each kind)."""
        kept = self.detail.setdefault("examples", {}).setdefault(kind, [])
        if len(kept) < EXAMPLES:
            kept.append(item)

    def restart_clock(self) -> None:
        self._mark = time.perf_counter()

    def stop_clock(self) -> None:
        """Add the time since the last save to the phase's running time."""
        now = time.perf_counter()
        self.seconds += now - self._mark
        self._mark = now

    def save(self, conn: Connection) -> None:
        """Record the progress inside the caller's transaction."""
        self.stop_clock()
        conn.execute(
            "INSERT OR REPLACE INTO sleep_progress "
            "(run_id, phase, state, cursor, counts, detail, seconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.run_id,
                self.phase,
                self.state,
                self.cursor,
                json.dumps(self.counts, sort_keys=True),
                json.dumps(self.detail, sort_keys=True, ensure_ascii=False),
                self.seconds,
            ),
        )

    @classmethod
    def load(cls, conn: Connection, run_id: str, phase: str) -> PhaseLog:
        row = conn.execute(
            "SELECT state, cursor, counts, detail, seconds FROM sleep_progress "
            "WHERE run_id = ? AND phase = ?",
            (run_id, phase),
        ).fetchone()
        if row is None:
            return cls(run_id, phase)
        return cls(
            run_id,
            phase,
            row[0],
            int(row[1]),
            json.loads(row[2]),
            json.loads(row[3]),
            float(row[4]),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "counts": dict(sorted(self.counts.items())),
            "seconds": round(self.seconds, 3),
            "examples": self.detail.get("examples", {}),
            "note": self.detail.get("note", ""),
        }


@dataclass
class Context:
    """What a phase works with. `now` is the run's reference time, fixed for the whole run."""

    store: Store
    settings: Settings
    now: datetime
    llm: LLM | None = None
    home: Home | None = None
    dry_run: bool = False
    progress: Progress | None = None

    @property
    def sleep(self) -> SleepSettings:
        return self.settings.sleep

    def tick(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)

    @contextmanager
    def batch(self, log: PhaseLog) -> Iterator[Connection]:
        """One transaction: the batch's changes and the phase's progress land together.

        In a dry run nothing is written: the connection refuses writes (see `runner`), so the
        phase only counts what it would do.
        """
        if self.dry_run:
            yield self.store.conn
            return
        with self.store.write() as conn:
            yield conn
            log.save(conn)

    def mark(self, key: str) -> int:
        """A watermark kept between runs (the last memory rowid a phase has seen)."""
        row = self.store.conn.execute("SELECT value FROM sleep_marks WHERE key = ?", (key,))
        found = row.fetchone()
        return int(found[0]) if found else 0

    def set_mark(self, conn: Connection, key: str, value: int) -> None:
        if not self.dry_run:
            conn.execute(
                "INSERT OR REPLACE INTO sleep_marks (key, value) VALUES (?, ?)", (key, str(value))
            )

    def max_rowid(self) -> int:
        row = self.store.conn.execute("SELECT max(rowid) FROM memories").fetchone()
        return int(row[0] or 0)


# SQL: a memory that is an original or a merge (not a summary or a refinement the job made).
ORIGINAL_OR_MERGE = "coalesce(json_extract(fields, '$.sleep'), 'merge') = 'merge'"


def span(ctx: Context, log: PhaseLog, mark: str) -> tuple[int, int]:
    """The rowids a phase covers, (last run's watermark, newest at the phase's start], fixed when
    the phase first starts so that a resumed phase covers the same memories."""
    if "hi" not in log.detail:
        log.detail["lo"], log.detail["hi"] = ctx.mark(mark), ctx.max_rowid()
    return int(log.detail["lo"]), int(log.detail["hi"])


def model_text(ctx: Context, prompt: str) -> str | None:
    """The model's `consolidate` text for `prompt`, secrets redacted and spaces folded; None if
    the model failed or the text sounds like instructions (callers then keep the rules' text)."""
    assert ctx.llm is not None
    try:
        output = ctx.llm.run("consolidate", prompt, CONSOLIDATE)
    except ExpectedError:
        return None
    raw = output.get("text", "") if isinstance(output, dict) else ""
    text = " ".join(redact(str(raw)).text.split())
    return None if not text or looks_like_injection(text) else text


def made_by_sleep(fields: dict[str, Any]) -> str:
    """What the sleep job made this memory as ('merge', 'day', 'week', 'evolve'), or ''."""
    value = fields.get("sleep", "")
    return value if isinstance(value, str) else ""


Step = dict[str, Any]


def planned(
    ctx: Context,
    log: PhaseLog,
    make_plan: Callable[[], Sequence[Step]],
    apply: Callable[[Step], None],
    count: Callable[[Step], None],
    batch: int,
) -> None:
    """A phase whose changes feed its own later decisions (merging, rewriting): the whole plan
    is made first and stored with the run, then applied `batch` steps per transaction, so a
    resumed run applies the very plan the interrupted one made. A dry run only counts it."""
    if "planned" not in log.detail:
        plan = make_plan()
        if ctx.dry_run:
            for step in plan:
                count(step)
            return
        with ctx.batch(log) as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO sleep_steps (run_id, phase, seq, payload) "
                "VALUES (?, ?, ?, ?)",
                [(log.run_id, log.phase, i, json.dumps(step)) for i, step in enumerate(plan)],
            )
            log.detail["planned"] = len(plan)
    total = int(log.detail["planned"])
    while True:
        rows = ctx.store.conn.execute(
            "SELECT seq, payload FROM sleep_steps WHERE run_id = ? AND phase = ? AND seq >= ? "
            "ORDER BY seq LIMIT ?",
            (log.run_id, log.phase, log.cursor, batch),
        ).fetchall()
        if not rows:
            return
        with ctx.batch(log):
            for seq, payload in rows:
                apply(json.loads(payload))
                log.cursor = int(seq) + 1
        ctx.tick(log.phase, log.cursor, total)

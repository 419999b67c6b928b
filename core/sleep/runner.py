"""The sleep runner: chains the phases, records the run, resumes an interrupted one.

A run is a row in `sleep_runs` with its reference time `now` and the phases it runs. Each phase
keeps its progress in `sleep_progress`, committed with each batch of changes. A run whose process
was killed stays `running`; the next start finds it and carries on with the same `now` from where
each phase stopped, which ends in the same state an uninterrupted run reaches. Only one run per
profile at a time (a lock file). A dry run records nothing and runs with the connection refusing
every write, so it cannot change the store even by mistake.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import InvalidInputError, SleepBusyError
from core.home import Home
from core.memory import uuid7
from core.ports import LLM
from core.settings import Settings
from core.sleep import backup, consolidate, decay, housekeeping, link, summarise
from core.sleep.common import PHASES, Context, PhaseLog, Progress
from core.store import Store
from core.store.connection import read_only

PhaseFn = Callable[[Context, PhaseLog], None]
MAX_ATTEMPTS = 3  # starts of one run before it is given up

PHASE_FUNCTIONS: dict[str, PhaseFn] = {
    "backup": backup.backup,
    "consolidate": consolidate.consolidate,
    "summarise": summarise.summarise,
    "decay": decay.decay,
    "link": link.link,
    "evolve": link.evolve,
    "housekeeping": housekeeping.housekeeping,
}
assert tuple(PHASE_FUNCTIONS) == PHASES


@dataclass
class SleepReport:
    """What one run did, phase by phase."""

    run_id: str
    trigger: str
    now: datetime
    started_at: datetime
    finished_at: datetime | None
    status: str
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)
    dry_run: bool = False
    resumed: bool = False
    error: str | None = None

    @property
    def seconds(self) -> float:
        return float(sum(p.get("seconds", 0.0) for p in self.phases.values()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "trigger": self.trigger,
            "now": self.now.isoformat(),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "dry_run": self.dry_run,
            "resumed": self.resumed,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "phases": self.phases,
        }


def check_phases(names: Sequence[str] | None) -> list[str]:
    """The phases to run, in their fixed order; all of them when `names` is empty."""
    if not names:
        return list(PHASES)
    unknown = [n for n in names if n not in PHASES]
    if unknown:
        raise InvalidInputError(
            f"unknown sleep phase {unknown[0]!r}: choose from {', '.join(PHASES)}"
        )
    return [p for p in PHASES if p in names]


@contextmanager
def exclusive(home: Home | None) -> Iterator[None]:
    """Hold the profile's sleep lock, or refuse: two runs at once would undo each other's plans."""
    if home is None:
        yield
        return
    path: Path = home.sleep_lock_path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SleepBusyError("a sleep run is already in progress for this profile") from None
        yield
    finally:
        os.close(fd)


def pending_run(store: Store) -> tuple[str, datetime, list[str], str] | None:
    """(id, now, phases, trigger) of a run that was interrupted, if there is one.

    A run that failed MAX_ATTEMPTS times in a row (the same error each start, say) is given up
    and marked failed, so one bad night cannot block every later one.
    """
    row = store.conn.execute(
        "SELECT id, now, phases, trigger, attempts FROM sleep_runs WHERE status = 'running' "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    if int(row[4]) >= MAX_ATTEMPTS:
        with store.write() as conn:
            conn.execute(
                "UPDATE sleep_runs SET status = 'failed', finished_at = ? WHERE id = ?",
                (datetime.now(UTC).isoformat(), row[0]),
            )
        return None
    return row[0], datetime.fromisoformat(row[1]), json.loads(row[2]), row[3]


def run_sleep(
    store: Store,
    settings: Settings,
    *,
    home: Home | None = None,
    llm: LLM | None = None,
    now: datetime | None = None,
    phases: Sequence[str] | None = None,
    dry_run: bool = False,
    trigger: str = "manual",
    progress: Progress | None = None,
    resume: bool = True,
) -> SleepReport:
    """Run the sleep job (or resume an interrupted run first, when `resume`) and report it."""
    chosen = check_phases(phases)
    when = now or datetime.now(UTC)
    with exclusive(home), store.page_cache(settings.sleep.cache_mb):
        if dry_run:
            return _dry_run(store, settings, home, llm, when, chosen, progress)
        pending = pending_run(store) if resume else None
        if pending is not None:
            run_id, when, chosen, trigger = pending
            with store.write() as conn:
                conn.execute(
                    "UPDATE sleep_runs SET attempts = attempts + 1 WHERE id = ?", (run_id,)
                )
        else:
            run_id = uuid7()
            with store.write() as conn:
                conn.execute(
                    "INSERT INTO sleep_runs (id, started_at, now, trigger, phases, status) "
                    "VALUES (?, ?, ?, ?, ?, 'running')",
                    (
                        run_id,
                        datetime.now(UTC).isoformat(),
                        when.isoformat(),
                        trigger,
                        json.dumps(chosen),
                    ),
                )
        ctx = Context(store, settings, when, llm, home, False, progress)
        try:
            for phase in chosen:
                log = PhaseLog.load(store.conn, run_id, phase)
                if log.state == "done":
                    continue
                log.restart_clock()
                PHASE_FUNCTIONS[phase](ctx, log)
                log.state = "done"
                with store.write() as conn:
                    log.save(conn)
        except BaseException as exc:
            _record_error(store, run_id, exc)
            raise
        report = load_report(store, run_id)
        assert report is not None
        report.resumed = pending is not None
        report.status, report.error, report.finished_at = "done", None, datetime.now(UTC)
        with store.write() as conn:
            conn.execute(
                "UPDATE sleep_runs SET status = 'done', finished_at = ?, error = NULL, report = ? "
                "WHERE id = ?",
                (report.finished_at.isoformat(), json.dumps(report.as_dict()), run_id),
            )
        return report


def _record_error(store: Store, run_id: str, exc: BaseException) -> None:
    """Note why the run stopped (it stays `running`, so the next start resumes it)."""
    message = getattr(exc, "message", None) or type(exc).__name__
    try:
        with store.write() as conn:
            conn.execute("UPDATE sleep_runs SET error = ? WHERE id = ?", (message, run_id))
    except Exception:  # the store itself may be what failed (a full disk)
        pass


def _dry_run(
    store: Store,
    settings: Settings,
    home: Home | None,
    llm: LLM | None,
    when: datetime,
    chosen: list[str],
    progress: Progress | None,
) -> SleepReport:
    ctx = Context(store, settings, when, llm, home, True, progress)
    started = datetime.now(UTC)
    report = SleepReport("dry-run", "manual", when, started, None, "done", dry_run=True)
    with store.read(), read_only(store.conn):
        for phase in chosen:
            log = PhaseLog("dry-run", phase)
            PHASE_FUNCTIONS[phase](ctx, log)
            log.stop_clock()
            report.phases[phase] = log.as_dict()
    report.finished_at = datetime.now(UTC)
    return report


def load_report(store: Store, run_id: str | None = None) -> SleepReport | None:
    """A run's report (the latest run when `run_id` is None), from its progress rows."""
    if run_id is None:
        row = store.conn.execute(
            "SELECT id FROM sleep_runs ORDER BY started_at DESC, id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        run_id = str(row[0])
    row = store.conn.execute(
        "SELECT id, trigger, now, started_at, finished_at, status, phases, error, report "
        "FROM sleep_runs WHERE id = ?",
        (run_id,),
    ).fetchone()
    if row is None:
        return None
    saved = json.loads(row[8])
    report = SleepReport(
        run_id=row[0],
        trigger=row[1],
        now=datetime.fromisoformat(row[2]),
        started_at=datetime.fromisoformat(row[3]),
        finished_at=datetime.fromisoformat(row[4]) if row[4] else None,
        status=row[5],
        resumed=bool(saved.get("resumed", False)),
        error=row[7],
    )
    for phase in json.loads(row[6]):
        report.phases[phase] = PhaseLog.load(store.conn, run_id, phase).as_dict()
    return report


def last_finished(store: Store) -> datetime | None:
    """When the last complete run started (the scheduler's catch-up test)."""
    row = store.conn.execute(
        "SELECT max(started_at) FROM sleep_runs WHERE status = 'done'"
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None

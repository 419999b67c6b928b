"""When the sleep job runs: every night at a set time, a missed night at the next start, and retries.

This is the one module in `core` that imports APScheduler. A `BackgroundScheduler` (a daemon
thread) holds at most three jobs, named after the trigger they pass to the sleep job: "nightly", a
daily cron at the set time of day; "catch-up", a one-off right after `start()` when the last
completed run began before the most recent slot (the laptop was off or asleep that night); and
"retry", a one-off after `retry_minutes` when an attempt found the machine busy. Every job is an
*attempt*: it asks the `Conditions` first and runs the job only when they allow it, otherwise it
books a single retry, unless the next nightly slot would come first anyway. Attempts never overlap
(a second one while a run is in progress is skipped), never run twice for one slot (a run that
began after the slot already served it), and an exception from the job is logged, never allowed
to stop the scheduler. Decisions use the injected `clock`; APScheduler fires on the real time, so
the clock only differs from it in tests of the slot arithmetic.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from core.settings import SleepSettings
from core.sleep.conditions import Conditions

log = logging.getLogger(__name__)

NIGHTLY = "nightly"
CATCH_UP = "catch-up"
RETRY = "retry"
# A nightly slot missed by less than this (the scheduler thread starved, the laptop resumed just
# after the hour) still runs; later than that it waits for the next start or the next night.
MISFIRE_GRACE_SECONDS = 3600


def last_slot(at: time, now: datetime, tz: tzinfo) -> datetime:
    """The most recent time of day `at` in `tz` at or before `now` (aware)."""
    local = now.astimezone(tz)
    slot = _on(local.date(), at, tz)
    if slot.timestamp() > local.timestamp():
        slot = _on(local.date() - timedelta(days=1), at, tz)
    return slot


def next_slot(at: time, now: datetime, tz: tzinfo) -> datetime:
    """The first time of day `at` in `tz` strictly after `now` (aware)."""
    local = now.astimezone(tz)
    slot = _on(local.date(), at, tz)
    if slot.timestamp() <= local.timestamp():
        slot = _on(local.date() + timedelta(days=1), at, tz)
    return slot


class SleepScheduler:
    """Runs `job(trigger)` nightly at a set time when the machine is free; see the module doc."""

    def __init__(
        self,
        job: Callable[[str], object],
        settings: SleepSettings,
        conditions: Conditions,
        last_run: Callable[[], datetime | None],
        *,
        at: time | None = None,
        clock: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        """Prepare (not start) the schedule; `tz` defaults to the machine's local time zone."""
        self._job = job
        self._settings = settings
        self._conditions = conditions
        self._last_run = last_run
        self._at = (at if at is not None else time(settings.hour, settings.minute)).replace(
            tzinfo=None, microsecond=0
        )
        options: dict[str, Any] = {"daemon": True}
        if tz is not None:
            options["timezone"] = tz
        self._scheduler = BackgroundScheduler(**options)
        self._tz: tzinfo = self._scheduler.timezone
        self._clock = clock or (lambda: datetime.now(self._tz))
        self._running = threading.Lock()  # held while an attempt runs: attempts never overlap
        self._state = threading.Lock()  # guards the status fields below
        self._last_attempt: datetime | None = None
        self._last_reason: str | None = None
        self._last_trigger: str | None = None
        self._last_error: str | None = None

    def start(self) -> None:
        """Start the nightly job, and catch up now if the last slot went without a run."""
        if self._scheduler.running:
            return
        self._scheduler.add_job(
            self._attempt,
            CronTrigger(
                hour=self._at.hour,
                minute=self._at.minute,
                second=self._at.second,
                timezone=self._tz,
            ),
            args=[NIGHTLY],
            id=NIGHTLY,
            name="sleep: nightly",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            replace_existing=True,
        )
        self._scheduler.start()
        now = self._clock()
        slot = last_slot(self._at, now, self._tz)
        last = self._read_last_run()
        if last is None or last < slot:
            log.info("sleep: the %s run was missed (last run %s); catching up now", slot, last)
            self._once(CATCH_UP, now)
        log.info("sleep: scheduled nightly at %s, next %s", self._at, self.next_run())

    def shutdown(self) -> None:
        """Stop the scheduler, waiting for a running job to finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def next_run(self) -> datetime | None:
        """When the next attempt (nightly, catch-up or retry) fires; None when not running."""
        if not self._scheduler.running:
            return None
        times = [job.next_run_time for job in self._scheduler.get_jobs()]
        pending = [t for t in times if t is not None]
        return min(pending) if pending else None

    def status(self) -> dict[str, Any]:
        """Next run, pending retry, last attempt, its reason, the trigger last run, its error."""
        retry = self._scheduler.get_job(RETRY) if self._scheduler.running else None
        with self._state:
            return {
                "next_run": self.next_run(),
                "retry_at": retry.next_run_time if retry is not None else None,
                "last_attempt": self._last_attempt,
                "last_reason": self._last_reason,
                "last_trigger": self._last_trigger,
                "last_error": self._last_error,
                "running": self._running.locked(),
            }

    def _attempt(self, trigger: str) -> None:
        """One attempt: run the job if the machine is free, else book a retry."""
        if not self._running.acquire(blocking=False):
            log.info("sleep: %s attempt skipped, a run is in progress", trigger)
            return
        try:
            self._attempt_locked(trigger)
        finally:
            self._running.release()

    def _attempt_locked(self, trigger: str) -> None:
        now = self._clock()
        self._drop_retry()  # this attempt supersedes any pending one
        last = self._read_last_run()
        slot = last_slot(self._at, now, self._tz)
        if last is not None and last >= slot:
            self._record(now, f"done: ran at {last:%Y-%m-%d %H:%M}")
            log.info(
                "sleep: %s attempt skipped, the %s slot already ran at %s", trigger, slot, last
            )
            return
        try:
            ok, why = self._conditions.ready()
        except Exception:
            log.exception("sleep: checking the conditions failed; trying later")
            ok, why = False, "conditions unreadable"
        self._record(now, why)
        if not ok:
            self._book_retry(now, why)
            return
        log.info("sleep: starting the %s run (%s)", trigger, why)
        with self._state:
            self._last_trigger = trigger
            self._last_error = None
        try:
            self._job(trigger)
        except Exception as exc:
            log.exception("sleep: the %s run failed", trigger)
            with self._state:
                self._last_error = f"{type(exc).__name__}: {exc}"

    def _book_retry(self, now: datetime, why: str) -> None:
        """One retry after retry_minutes, unless the next nightly slot comes first."""
        when = now + timedelta(minutes=self._settings.retry_minutes)
        nightly = next_slot(self._at, now, self._tz)
        if when >= nightly:
            log.info("sleep: not now (%s); the nightly run at %s comes first", why, nightly)
            return
        log.info("sleep: not now (%s); retrying at %s", why, when)
        self._once(RETRY, when)

    def _once(self, trigger: str, when: datetime) -> None:
        """A one-off attempt at `when` (replacing a pending one of the same trigger)."""
        self._scheduler.add_job(
            self._attempt,
            DateTrigger(run_date=when, timezone=self._tz),
            args=[trigger],
            id=trigger,
            name=f"sleep: {trigger}",
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            replace_existing=True,
        )

    def _drop_retry(self) -> None:
        if self._scheduler.get_job(RETRY) is not None:
            # It may fire and be removed between the check and here; that is the same outcome.
            try:
                self._scheduler.remove_job(RETRY)
            except LookupError:
                pass

    def _record(self, when: datetime, reason: str) -> None:
        with self._state:
            self._last_attempt = when
            self._last_reason = reason

    def _read_last_run(self) -> datetime | None:
        """`last_run()`, or None when it cannot be read (then the night is treated as missed)."""
        try:
            return self._last_run()
        except Exception:
            log.exception("sleep: reading the last run's time failed")
            return None


def _on(day: date, at: time, tz: tzinfo) -> datetime:
    """`at` on `day` in `tz`, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)

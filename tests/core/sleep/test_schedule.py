"""The nightly schedule on a real APScheduler and the real clock, with times a second or two away."""

from __future__ import annotations

import logging
import threading
import time as systime
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from core.settings import SleepSettings
from core.sleep.schedule import SleepScheduler, last_slot, next_slot

WAIT = 5.0  # the most any test waits for something that should happen within about 2 s


class FakeConditions:
    """Scripted `Conditions`: each answer is used once, the last one forever."""

    def __init__(self, *answers: tuple[bool, str]) -> None:
        self.answers = list(answers) or [(True, "idle")]
        self.asked = 0

    def ready(self) -> tuple[bool, str]:
        self.asked += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class Job:
    """The sleep job: records its triggers; `fail` makes the next calls raise."""

    def __init__(self, fail: int = 0) -> None:
        self.triggers: list[str] = []
        self.fail = fail
        self.called = threading.Event()

    def __call__(self, trigger: str) -> None:
        self.triggers.append(trigger)
        self.called.set()
        if self.fail:
            self.fail -= 1
            raise RuntimeError("the store is locked")

    def wait(self, count: int = 1, timeout: float = WAIT) -> bool:
        """True once the job ran `count` times (False after `timeout`)."""
        deadline = systime.monotonic() + timeout
        while len(self.triggers) < count:
            remaining = deadline - systime.monotonic()
            if remaining <= 0:
                return False
            self.called.wait(remaining)
            self.called.clear()
        return True


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = systime.monotonic() + timeout
    while not condition():
        if systime.monotonic() > deadline:
            return False
        systime.sleep(0.01)
    return True


def now() -> datetime:
    return datetime.now(UTC)


def in_seconds(seconds: float) -> time:
    """The time of day (UTC) `seconds` from now, to the second (cron has no finer resolution)."""
    return (now() + timedelta(seconds=seconds)).time().replace(microsecond=0)


def hours_from_now(hours: float) -> time:
    return in_seconds(hours * 3600)


@pytest.fixture
def scheduler() -> Iterator[Callable[..., SleepScheduler]]:
    """Build and start a SleepScheduler in UTC; every one is shut down after the test."""
    made: list[SleepScheduler] = []

    def make(
        job: Job,
        *,
        conditions: FakeConditions | None = None,
        last_run: datetime | None = None,
        at: time | None = None,
        **settings: Any,
    ) -> SleepScheduler:
        s = SleepScheduler(
            job,
            SleepSettings(**settings),
            conditions or FakeConditions(),
            lambda: last_run,
            at=at,
            tz=UTC,
        )
        made.append(s)
        s.start()
        return s

    yield make
    for s in made:
        s.shutdown()


def test_the_nightly_job_fires_at_the_set_time(scheduler: Callable[..., SleepScheduler]) -> None:
    job = Job()
    at = in_seconds(2)
    s = scheduler(job, at=at, last_run=now())
    assert s.next_run() == next_slot(at, now(), UTC)
    assert job.wait()
    assert job.triggers == ["nightly"]
    status = s.status()
    assert status["last_trigger"] == "nightly"
    assert status["last_reason"] == "idle"
    # APScheduler moves the cron on to tomorrow as it hands the job to its thread pool.
    assert wait_until(lambda: s.next_run() == next_slot(at, now(), UTC))
    assert s.status()["next_run"] > now() + timedelta(hours=23)


def test_a_missed_night_runs_at_start(scheduler: Callable[..., SleepScheduler]) -> None:
    at = hours_from_now(-1)
    job = Job()
    scheduler(job, at=at, last_run=last_slot(at, now(), UTC) - timedelta(minutes=1))
    assert job.wait()
    assert job.triggers == ["catch-up"]


def test_a_first_start_ever_catches_up(scheduler: Callable[..., SleepScheduler]) -> None:
    job = Job()
    scheduler(job, at=hours_from_now(-1), last_run=None)
    assert job.wait()
    assert job.triggers == ["catch-up"]


def test_no_catch_up_when_the_last_slot_already_ran(
    scheduler: Callable[..., SleepScheduler],
) -> None:
    at = hours_from_now(-1)
    job = Job()
    s = scheduler(job, at=at, last_run=last_slot(at, now(), UTC) + timedelta(minutes=1))
    assert not job.wait(timeout=0.5)  # a catch-up would have fired within milliseconds
    assert s.next_run() == next_slot(at, now(), UTC)


def test_a_busy_machine_is_retried_and_runs_once_free(
    scheduler: Callable[..., SleepScheduler],
) -> None:
    conditions = FakeConditions((False, "busy: load 1.3 per core"), (True, "idle"))
    job = Job()
    scheduler(job, conditions=conditions, last_run=None, retry_minutes=0.01)  # 0.6 s
    assert job.wait()
    assert job.triggers == ["retry"]  # the catch-up found the machine busy
    assert conditions.asked == 2


def test_a_busy_machine_does_not_run_and_books_one_retry(
    scheduler: Callable[..., SleepScheduler],
) -> None:
    conditions = FakeConditions((False, "in use: last input 2 min ago"))
    job = Job()
    s = scheduler(
        job,
        conditions=conditions,
        last_run=None,
        at=hours_from_now(6),
        retry_minutes=15,
    )
    assert wait_until(lambda: s.status()["retry_at"] is not None)
    status = s.status()
    assert status["last_reason"] == "in use: last input 2 min ago"
    assert status["last_trigger"] is None
    retry_at = status["retry_at"]
    assert now() + timedelta(minutes=14) < retry_at < now() + timedelta(minutes=16)
    assert s.next_run() == retry_at
    assert job.triggers == []
    assert conditions.asked == 1


def test_no_retry_when_the_nightly_slot_comes_first(
    scheduler: Callable[..., SleepScheduler],
) -> None:
    conditions = FakeConditions((False, "on battery"))
    at = hours_from_now(5 / 60)
    s = scheduler(job := Job(), conditions=conditions, last_run=None, at=at, retry_minutes=15)
    assert wait_until(lambda: s.status()["last_reason"] == "on battery")
    assert s.status()["retry_at"] is None
    assert s.next_run() == next_slot(at, now(), UTC)
    assert job.triggers == []


def test_a_failing_job_does_not_stop_later_runs(
    scheduler: Callable[..., SleepScheduler], caplog: pytest.LogCaptureFixture
) -> None:
    job = Job(fail=1)
    at = in_seconds(2)
    # The catch-up runs (and fails) at once; the nightly run follows a second or two later.
    s = scheduler(job, at=at, last_run=None)
    assert wait_until(lambda: s.status()["last_error"] is not None)
    assert s.status()["last_error"] == "RuntimeError: the store is locked"
    assert job.wait(count=2)
    assert job.triggers == ["catch-up", "nightly"]
    assert wait_until(lambda: s.status()["last_error"] is None)
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == ["sleep: the catch-up run failed"]


def test_next_run_is_the_next_occurrence_of_the_set_time(
    scheduler: Callable[..., SleepScheduler],
) -> None:
    job = Job()
    earlier = hours_from_now(-2)
    later = hours_from_now(2)
    tomorrow = scheduler(job, at=earlier, last_run=now()).next_run()
    today = scheduler(job, at=later, last_run=now()).next_run()
    assert tomorrow is not None and today is not None
    assert tomorrow.time() == earlier
    assert today.time() == later
    assert now() < tomorrow <= now() + timedelta(days=1)
    assert now() < today <= now() + timedelta(hours=2)


def test_the_default_time_comes_from_the_settings(
    scheduler: Callable[..., SleepScheduler],
) -> None:
    next_ = scheduler(Job(), last_run=now(), hour=4, minute=30).next_run()
    assert next_ is not None
    assert (next_.hour, next_.minute, next_.second) == (4, 30, 0)


def test_next_run_is_none_before_start_and_after_shutdown() -> None:
    s = SleepScheduler(Job(), SleepSettings(), FakeConditions(), lambda: now(), tz=UTC)
    assert s.next_run() is None
    s.start()
    try:
        assert s.next_run() is not None
    finally:
        s.shutdown()
    assert s.next_run() is None
    s.shutdown()  # twice is harmless


def test_the_slots_around_the_set_time() -> None:
    at = time(3, 0)
    before = datetime(2025, 3, 10, 2, 59, tzinfo=UTC)
    after = datetime(2025, 3, 10, 3, 0, tzinfo=UTC)
    assert last_slot(at, before, UTC) == datetime(2025, 3, 9, 3, 0, tzinfo=UTC)
    assert next_slot(at, before, UTC) == datetime(2025, 3, 10, 3, 0, tzinfo=UTC)
    assert last_slot(at, after, UTC) == after  # the slot itself has come
    assert next_slot(at, after, UTC) == datetime(2025, 3, 11, 3, 0, tzinfo=UTC)

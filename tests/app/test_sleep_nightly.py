"""The nightly scheduler as `mnemo capture run` hosts it: a missed night is caught up at start, on
a connection of its own, by a real sleep run."""

from __future__ import annotations

import time

from app.sleep_commands import nightly
from core.home import Home
from core.settings import Settings
from core.sleep.runner import load_report
from core.store import Store
from tests.core.sleep.seed import seed


def test_a_missed_night_is_caught_up_at_start(store: Store, mnemo_home: Home) -> None:
    seed(store)
    settings = Settings()
    settings.sleep.idle_minutes = 0  # this machine is never idle enough while tests run
    settings.sleep.max_load = 1000
    settings.sleep.require_ac = False
    scheduler = nightly(store, settings, mnemo_home, None)
    assert scheduler is not None
    try:
        deadline = time.monotonic() + 60
        report = None
        while time.monotonic() < deadline:
            report = load_report(store)
            if report is not None and report.status == "done":
                break
            time.sleep(0.1)
        assert report is not None and report.status == "done"
        assert report.trigger == "catch-up"
        assert report.phases["consolidate"]["counts"]["clusters"] == 2
        # Caught up: the next attempt is tomorrow's (or tonight's) slot, not another catch-up.
        assert scheduler.status()["last_trigger"] == "catch-up"
    finally:
        scheduler.shutdown()


def test_the_scheduler_is_off_when_sleep_is_disabled(store: Store, mnemo_home: Home) -> None:
    settings = Settings()
    settings.sleep.enabled = False
    assert nightly(store, settings, mnemo_home, None) is None

"""Date expressions are grounded against the time the text was written, in its own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.dates import find_dates

THURSDAY = datetime(2026, 3, 12, 20, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("text", "day", "granularity"),
    [
        ("Last Tuesday I went climbing", "2026-03-10", "day"),
        ("yesterday we met", "2026-03-11", "day"),
        ("the day before yesterday", "2026-03-10", "day"),
        ("tomorrow is the review", "2026-03-13", "day"),
        ("two weeks ago I started", "2026-02-26", "week"),
        ("3 days ago", "2026-03-09", "day"),
        ("in 3 days", "2026-03-15", "day"),
        ("on March 3 we shipped", "2026-03-03", "day"),
        ("we ship on April 2", "2026-04-02", "day"),
        ("on 5th of January 2025", "2025-01-05", "day"),
        ("Meeting on 2026-02-28", "2026-02-28", "day"),
        ("I met her on Monday", "2026-03-09", "day"),
        ("I will meet her on Monday", "2026-03-16", "day"),
        ("I'm flying to Berlin next Friday", "2026-03-13", "day"),
        ("last month was busy", "2026-02-12", "month"),
        ("we moved in December", "2025-12-01", "month"),
        ("we will move in December", "2026-12-01", "month"),
    ],
)
def test_grounding(text: str, day: str, granularity: str) -> None:
    mentions = find_dates(text, THURSDAY)
    assert [(m.day.isoformat(), m.granularity) for m in mentions][:1] == [(day, granularity)]


def test_local_date_of_the_writer_counts_not_utc() -> None:
    # 00:30 on the 13th in UTC+1 is still the 12th in UTC: "yesterday" is the 12th for the writer.
    late = datetime(2026, 3, 13, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert find_dates("yesterday", late)[0].day.isoformat() == "2026-03-12"


@pytest.mark.parametrize("text", ["May I ask", "I may go", "a second opinion", "march on", "Feb"])
def test_ordinary_words_are_not_dates(text: str) -> None:
    assert find_dates(text, THURSDAY) == []


def test_invalid_calendar_date_is_ignored() -> None:
    assert find_dates("on February 30 nothing happened", THURSDAY) == []


def test_weekday_as_a_target_is_upcoming_even_in_past_tense() -> None:
    friday = datetime(2026, 3, 13, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    moved = find_dates("I moved the review to Thursday at 3pm.", friday)
    assert moved[0].day.isoformat() == "2026-03-19"


def test_dates_off_the_calendar_are_ignored() -> None:
    assert find_dates("in 999 years", datetime(9500, 1, 1, tzinfo=THURSDAY.tzinfo)) == []

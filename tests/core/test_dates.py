"""Date expressions are grounded against the time the text was written, in its own time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.dates import TimeRange, find_dates, question_range, strip_range

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


def test_unit_words_in_capitals_keep_a_lowercase_granularity() -> None:
    assert [m.granularity for m in find_dates("Two Weeks ago, Last Month", THURSDAY)] == [
        "week",
        "month",
    ]


# --- Time ranges of questions -------------------------------------------------------------------

LISBON = ZoneInfo("Europe/Lisbon")
NEW_YORK = ZoneInfo("America/New_York")
THURSDAY_LISBON = datetime(2026, 3, 12, 15, 0, tzinfo=LISBON)


def _range(question: str, now: datetime) -> tuple[str, str, str, str]:
    """since and until as local dates, after checking they are local midnights in now's zone."""
    found = question_range(question, now)
    assert found is not None, question
    for bound in (found.since, found.until):
        assert bound.tzinfo is now.tzinfo
        assert (bound.hour, bound.minute, bound.second, bound.microsecond) == (0, 0, 0, 0)
    return (
        found.since.date().isoformat(),
        found.until.date().isoformat(),
        found.granularity,
        found.text,
    )


@pytest.mark.parametrize(
    ("marked", "since", "until", "granularity"),
    [
        ("What did I do [last week]?", "2026-03-02", "2026-03-09", "week"),
        ("What did I do [this week]?", "2026-03-09", "2026-03-16", "week"),
        ("What did I work on [earlier this week]?", "2026-03-09", "2026-03-16", "week"),
        ("What did I do [the week before last]?", "2026-02-23", "2026-03-02", "week"),
        ("Who did I meet [yesterday]?", "2026-03-11", "2026-03-12", "day"),
        ("What did I eat [yesterday morning]?", "2026-03-11", "2026-03-12", "day"),
        ("What happened [the day before yesterday]?", "2026-03-10", "2026-03-11", "day"),
        ("What did I say [earlier today]?", "2026-03-12", "2026-03-13", "day"),
        ("What did I do [today]?", "2026-03-12", "2026-03-13", "day"),
        ("What happened [in March]?", "2026-03-01", "2026-04-01", "month"),
        ("What happened [in April]?", "2025-04-01", "2025-05-01", "month"),
        ("What happened [in March 2025]?", "2025-03-01", "2025-04-01", "month"),
        ("What did I do [last March]?", "2025-03-01", "2025-04-01", "month"),
        ("what did i do [in may]?", "2025-05-01", "2025-06-01", "month"),
        ("What did I do [in 2025]?", "2025-01-01", "2026-01-01", "year"),
        ("What did I work on [this month]?", "2026-03-01", "2026-04-01", "month"),
        ("What did I do [last month]?", "2026-02-01", "2026-03-01", "month"),
        ("What did I do [last year]?", "2025-01-01", "2026-01-01", "year"),
        ("Where was I [on Tuesday]?", "2026-03-10", "2026-03-11", "day"),
        ("Where was I [last Tuesday]?", "2026-03-10", "2026-03-11", "day"),
        ("Where was I [on Thursday]?", "2026-03-12", "2026-03-13", "day"),
        ("What did I do [last Thursday]?", "2026-03-05", "2026-03-06", "day"),
        ("What did I do [on Friday night]?", "2026-03-06", "2026-03-07", "day"),
        ("What did I do [on Tuesday last week]?", "2026-03-03", "2026-03-04", "day"),
        ("What did I do [this Friday]?", "2026-03-06", "2026-03-07", "day"),
        ("What did I buy [two weeks ago]?", "2026-02-23", "2026-03-02", "week"),
        ("What did I buy [a couple of weeks ago]?", "2026-02-23", "2026-03-02", "week"),
        ("What did I do [3 days ago]?", "2026-03-09", "2026-03-10", "day"),
        ("What did I read [a month ago]?", "2026-02-01", "2026-03-01", "month"),
        ("What did I do [over the past 3 days]?", "2026-03-09", "2026-03-13", "span"),
        ("What did I do [in the last week]?", "2026-03-05", "2026-03-13", "span"),
        ("What did I do [in the last two months]?", "2026-01-12", "2026-03-13", "span"),
        ("What did I do [the last 10 days]?", "2026-03-02", "2026-03-13", "span"),
        ("What did I do [on March 3]?", "2026-03-03", "2026-03-04", "day"),
        ("What did I do [on Tuesday, March 3]?", "2026-03-03", "2026-03-04", "day"),
        ("What did I do [on March 20]?", "2025-03-20", "2025-03-21", "day"),
        ("What did I do [on the 5th of January]?", "2026-01-05", "2026-01-06", "day"),
        ("What did I do [on 2026-03-10]?", "2026-03-10", "2026-03-11", "day"),
        ("What happened [on Feb 29]?", "2024-02-29", "2024-03-01", "day"),
        ("What did I do [last weekend]?", "2026-03-07", "2026-03-09", "span"),
        ("What did I do [over the weekend]?", "2026-03-07", "2026-03-09", "span"),
        ("What did I do [this weekend]?", "2026-03-07", "2026-03-09", "span"),
        ("What have I been up to [recently]?", "2026-02-26", "2026-03-13", "span"),
        ("What did I read [lately]?", "2026-02-26", "2026-03-13", "span"),
        ("What did I do [since Monday]?", "2026-03-09", "2026-03-13", "span"),
        ("What did I do [since last week]?", "2026-03-02", "2026-03-13", "span"),
        ("What did I do [from Monday to Wednesday]?", "2026-03-09", "2026-03-12", "span"),
        ("What happened [between March 1 and March 5]?", "2026-03-01", "2026-03-06", "span"),
        ("What happened [between March 5 and March 1]?", "2026-03-01", "2026-03-06", "span"),
        # A possessive is a day named, not a bound: "from Tuesday's meeting" is about Tuesday.
        ("What did I hear from [Tuesday]'s meeting?", "2026-03-10", "2026-03-11", "day"),
        # Several expressions: the first one counts.
        ("Did I go running [yesterday] or last week?", "2026-03-11", "2026-03-12", "day"),
        # "Sunday school" may be taken for a Sunday; that is accepted.
        ("What did I learn at [Sunday] school?", "2026-03-08", "2026-03-09", "day"),
    ],
)
def test_question_ranges(marked: str, since: str, until: str, granularity: str) -> None:
    """`marked` is the question with the expression to match in [brackets]."""
    question, text = marked.replace("[", "").replace("]", ""), marked.split("[")[1].split("]")[0]
    assert _range(question, THURSDAY_LISBON) == (since, until, granularity, text)


@pytest.mark.parametrize(
    ("question", "since", "until", "granularity"),
    [
        ("What am I doing next week?", "2026-03-16", "2026-03-23", "week"),
        ("What's happening tomorrow?", "2026-03-13", "2026-03-14", "day"),
        ("What is planned for next month?", "2026-04-01", "2026-05-01", "month"),
        ("What's coming up next year?", "2027-01-01", "2028-01-01", "year"),
        ("What will I do on Saturday?", "2026-03-14", "2026-03-15", "day"),
        ("What's scheduled for Thursday?", "2026-03-12", "2026-03-13", "day"),
        ("What am I doing this weekend?", "2026-03-14", "2026-03-16", "span"),
        ("What's on the upcoming weekend?", "2026-03-14", "2026-03-16", "span"),
        ("What am I doing this Friday?", "2026-03-13", "2026-03-14", "day"),
        ("What's on next Friday?", "2026-03-13", "2026-03-14", "day"),
        ("What is due in 3 days?", "2026-03-15", "2026-03-16", "day"),
        ("What's planned for the next 3 days?", "2026-03-12", "2026-03-16", "span"),
        ("What will I do in April?", "2026-04-01", "2026-05-01", "month"),
        ("What will I do on March 20?", "2026-03-20", "2026-03-21", "day"),
    ],
)
def test_future_questions(question: str, since: str, until: str, granularity: str) -> None:
    assert _range(question, THURSDAY_LISBON)[:3] == (since, until, granularity)


def test_exact_bounds_in_new_york_across_the_us_dst_switch() -> None:
    # Late on Thursday evening in New York it is already Friday in UTC; US DST began on 2026-03-08.
    late = datetime(2026, 3, 12, 23, 30, tzinfo=NEW_YORK)
    last_week = question_range("What did I do last week?", late)
    assert last_week == TimeRange(
        since=datetime(2026, 3, 2, tzinfo=NEW_YORK),
        until=datetime(2026, 3, 9, tzinfo=NEW_YORK),
        text="last week",
        granularity="week",
    )
    assert last_week.since.utcoffset() == timedelta(hours=-5)
    assert last_week.until.utcoffset() == timedelta(hours=-4)
    yesterday = question_range("Who did I meet yesterday?", late)
    assert yesterday is not None
    assert (yesterday.since, yesterday.until) == (
        datetime(2026, 3, 11, tzinfo=NEW_YORK),
        datetime(2026, 3, 12, tzinfo=NEW_YORK),
    )
    assert _range("What did I do on Sunday?", late)[:2] == ("2026-03-08", "2026-03-09")
    assert _range("What did I do in February?", late)[:2] == ("2026-02-01", "2026-03-01")


@pytest.mark.parametrize(
    ("question", "since", "until", "granularity"),
    [
        ("What did I do last month?", "2025-12-01", "2026-01-01", "month"),
        ("What happened in December?", "2025-12-01", "2026-01-01", "month"),
        ("What did I do last week?", "2025-12-29", "2026-01-05", "week"),
        ("What did I do this week?", "2026-01-05", "2026-01-12", "week"),
        ("What did I do last year?", "2025-01-01", "2026-01-01", "year"),
        ("What happened in March?", "2025-03-01", "2025-04-01", "month"),
        ("What did I do on December 31?", "2025-12-31", "2026-01-01", "day"),
        ("Who did I meet yesterday?", "2026-01-04", "2026-01-05", "day"),
        ("What did I do over the past 7 days?", "2025-12-29", "2026-01-06", "span"),
        ("What did I do last weekend?", "2026-01-03", "2026-01-05", "span"),
        # On a Monday, a past-tense "this weekend" is the one just over.
        ("What did I do this weekend?", "2026-01-03", "2026-01-05", "span"),
        ("Where was I on Monday?", "2026-01-05", "2026-01-06", "day"),
    ],
)
def test_question_ranges_across_the_new_year(
    question: str, since: str, until: str, granularity: str
) -> None:
    monday = datetime(2026, 1, 5, 10, 0, tzinfo=LISBON)
    assert _range(question, monday)[:3] == (since, until, granularity)


def test_a_week_with_the_european_dst_switch_keeps_local_midnights() -> None:
    # Clocks went forward in Lisbon on Sunday 2026-03-29: that week is an hour short.
    wednesday = datetime(2026, 4, 1, 12, 0, tzinfo=LISBON)
    last_week = question_range("What did I do last week?", wednesday)
    assert last_week is not None
    assert last_week.since == datetime(2026, 3, 23, tzinfo=LISBON)
    assert last_week.until == datetime(2026, 3, 30, tzinfo=LISBON)
    assert last_week.since.utcoffset() == timedelta(0)
    assert last_week.until.utcoffset() == timedelta(hours=1)
    assert last_week.until - last_week.since == timedelta(days=7)  # wall-clock difference
    assert last_week.until.timestamp() - last_week.since.timestamp() == 7 * 86400 - 3600
    weekend = question_range("What did I do last weekend?", wednesday)
    assert weekend is not None
    assert (weekend.since.hour, weekend.until.hour) == (0, 0)
    assert (weekend.since.date(), weekend.until.date()) == (date(2026, 3, 28), date(2026, 3, 30))


@pytest.mark.parametrize(
    "question",
    [
        "What did Marchetti say about the budget?",
        "May I ask what my sister's name is?",
        "What may I have forgotten?",
        "What did I tell May about it?",
        "What did I say in Jan's flat?",
        "Who went on the march?",
        "What's my favourite day of the week?",
        "What did I pack for my weekend trip?",
        "How many weeks did the project take?",
        "What did I do in the past?",
        "Which room is 2025?",
        "What did I do before Tuesday?",  # no start to the range: better no filter than a wrong one
        "",
    ],
)
def test_questions_without_a_time_range(question: str) -> None:
    assert question_range(question, THURSDAY_LISBON) is None


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        question_range("What did I do last week?", datetime(2026, 3, 12, 15, 0))


def test_dates_off_the_calendar_give_no_range() -> None:
    assert question_range("What did I do 9000 years ago?", THURSDAY_LISBON) is None


@pytest.mark.parametrize(
    ("question", "stripped"),
    [
        ("What did I do last week?", "What did I do?"),
        ("Where was I on Tuesday?", "Where was I?"),
        ("What did I do over the past 3 days?", "What did I do?"),
        ("What did I work on this month?", "What did I work on?"),
        ("Last week, who did I meet?", "Who did I meet?"),
        ("What did I buy two weeks ago, and where?", "What did I buy, and where?"),
        ("What did I say to Marchetti,  earlier today ?", "What did I say to Marchetti?"),
        ("what happened in March 2025 at work", "what happened at work"),
        ("Did I go running yesterday or last week?", "Did I go running or last week?"),
        ("What did I hear from Tuesday's meeting?", "What did I hear from meeting?"),
    ],
)
def test_strip_range(question: str, stripped: str) -> None:
    found = question_range(question, THURSDAY_LISBON)
    assert found is not None
    assert strip_range(question, found) == stripped

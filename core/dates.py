"""Grounding date expressions in text against the moment the text was written.

"last Tuesday" in a chat sent on Thursday 2026-03-12 means 2026-03-10; "two weeks ago", "next
Friday", "yesterday", "March 3" and "2026-03-10" are resolved the same way, in the writer's own
time zone. Each mention keeps its granularity (day, week, month, year) so "last month" is not
mistaken for a precise day. Calendar arithmetic uses python-dateutil's `relativedelta` (month ends,
leap years); absolute dates are matched by pattern first and only then parsed, so ordinary words
are never taken for dates.

`question_range` turns the time expression of a question ("what did I do last week?") into the
range of local time it covers, so memories can be filtered by it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2,
    "few": 3,
}  # fmt: skip
_UNIT = r"(day|week|month|year)s?"
_NUM = (
    r"(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple of|few)"
)
_WD = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MON = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_PAST_HINT = re.compile(
    r"\b(was|were|did|had|went|met|saw|ago|last|yesterday|used to|\w{3,}ed)\b", re.I
)
_FUTURE_HINT = re.compile(
    r"\b(will|shall|going to|gonna|plan(?:s|ning)? to|'ll|next|upcoming|tomorrow|scheduled)\b", re.I
)


@dataclass(frozen=True)
class DateMention:
    """A date expression found in text and the calendar date it refers to."""

    text: str
    start: int
    end: int
    day: date
    granularity: str  # "day" | "week" | "month" | "year"

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "date": self.day.isoformat(), "granularity": self.granularity}


def _number(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _month(word: str) -> int:
    return _MONTH_ABBR[word.lower()[:4] if word.lower().startswith("sept") else word.lower()[:3]]


def _shift(day: date, n: int, unit: str) -> date:
    unit = unit.lower().rstrip("s")
    delta = {
        "day": relativedelta(days=n),
        "week": relativedelta(weeks=n),
        "month": relativedelta(months=n),
        "year": relativedelta(years=n),
    }[unit]
    result: date = day + delta
    return result


def _past_weekday(ref: date, weekday: int, include_today: bool = False) -> date:
    back = (ref.weekday() - weekday) % 7
    if back == 0 and not include_today:
        back = 7
    return ref - timedelta(days=back)


def _next_weekday(ref: date, weekday: int) -> date:
    ahead = (weekday - ref.weekday()) % 7
    return ref + timedelta(days=ahead or 7)


def _coming_weekday(ref: date, weekday: int) -> date:
    return ref + timedelta(days=(weekday - ref.weekday()) % 7)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, ref: datetime) -> list[DateMention]:
    """Every date expression in `text`, resolved against `ref` (the text's own local time)."""
    today = ref.date()
    future = bool(_FUTURE_HINT.search(text))
    tense = "future" if future else "past" if _PAST_HINT.search(text) else "present"
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], day: date | None, granularity: str) -> None:
        if day is None or any(m.start() < e and s < m.end() for s, e in taken):
            return
        taken.append((m.start(), m.end()))
        found.append(DateMention(m.group(0), m.start(), m.end(), day, granularity))

    rules: list[tuple[str, object]] = [
        (r"\b(\d{4})-(\d{2})-(\d{2})\b", lambda m: (_safe_date(*map(int, m.groups())), "day")),
        (
            rf"\b{_MON}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b",
            lambda m: (_absolute(today, _month(m[1]), int(m[2]), m[3], tense), "day"),
        ),
        (
            rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}\b(?:,?\s+(\d{{4}}))?",
            lambda m: (_absolute(today, _month(m[2]), int(m[1]), m[3], tense), "day"),
        ),
        (r"\bthe day before yesterday\b", lambda m: (today - timedelta(days=2), "day")),
        (r"\bthe day after tomorrow\b", lambda m: (today + timedelta(days=2), "day")),
        (r"\b(yesterday|last night)\b", lambda m: (today - timedelta(days=1), "day")),
        (r"\btomorrow\b", lambda m: (today + timedelta(days=1), "day")),
        (r"\b(today|tonight|this (morning|afternoon|evening))\b", lambda m: (today, "day")),
        (
            rf"\b{_NUM}\s+{_UNIT}\s+ago\b",
            lambda m: (_shift(today, -_number(m[1]), m[2]), m[2].lower()),
        ),
        (
            rf"\bin\s+{_NUM}\s+{_UNIT}\b",
            lambda m: (_shift(today, _number(m[1]), m[2]), m[2].lower()),
        ),
        (
            rf"\blast\s+{_WD}\b",
            lambda m: (_past_weekday(today, WEEKDAYS.index(m[1].lower())), "day"),
        ),
        (
            rf"\bnext\s+{_WD}\b",
            lambda m: (_next_weekday(today, WEEKDAYS.index(m[1].lower())), "day"),
        ),
        (
            rf"\bthis\s+(?:coming\s+)?{_WD}\b",
            lambda m: (
                today + timedelta(days=(WEEKDAYS.index(m[1].lower()) - today.weekday()) % 7),
                "day",
            ),
        ),
        (r"\blast\s+(week|month|year)\b", lambda m: (_shift(today, -1, m[1]), m[1].lower())),
        (r"\bnext\s+(week|month|year)\b", lambda m: (_shift(today, 1, m[1]), m[1].lower())),
        (r"\bthis\s+(week|month|year)\b", lambda m: (today, m[1].lower())),
        (
            rf"\b(?:(to|until|till|by|for|before)\s+|on\s+)?{_WD}\b",
            lambda m: (
                _past_weekday(today, WEEKDAYS.index(m[2].lower()), include_today=True)
                if tense == "past" and not m[1]
                else _coming_weekday(today, WEEKDAYS.index(m[2].lower())),
                "day",
            ),
        ),
        (
            rf"\bin\s+{_MON}\b(?:\s+(\d{{4}}))?",
            lambda m: (_absolute(today, _month(m[1]), 1, m[2], tense), "month"),
        ),
    ]
    for pattern, resolve in rules:
        for m in re.finditer(pattern, text, flags=re.IGNORECASE):
            try:
                day, granularity = resolve(m)  # type: ignore[operator]
            except (OverflowError, ValueError):  # "900 years ago" leaves the calendar
                continue
            add(m, day, granularity)
    found.sort(key=lambda d: d.start)
    return found


def _absolute(today: date, month: int, day: int, year: str | None, tense: str) -> date | None:
    """A month/day with an optional year; without one, the nearest such day, leaning to the tense."""
    if year:
        return _safe_date(int(year), month, day)
    options = [d for y in (-1, 0, 1) if (d := _safe_date(today.year + y, month, day)) is not None]
    if tense == "past":
        options = [d for d in options if d <= today + timedelta(days=31)] or options
    elif tense == "future":
        options = [d for d in options if d >= today - timedelta(days=31)] or options
    return min(options, key=lambda d: abs((d - today).days)) if options else None


def start_of_day(day: date, like: datetime) -> datetime:
    """Midnight of `day` in the time zone of `like`."""
    return datetime.combine(day, time(0, 0), tzinfo=like.tzinfo)


# --- Time ranges of questions ------------------------------------------------------------------
#
# A question's time expression becomes a half-open range of local time [since, until). Questions
# are about the past unless they say otherwise ("next week", "tomorrow", "upcoming", "will"): the
# tense is "past" (did, was, ago...), "future" (will, going to, scheduled...) or "present".
# Calendar units are whole: weeks run Monday to Monday, weekends Saturday to Monday. Spans ("the
# past 3 days", "recently", "since Monday") run from a midnight to the midnight after today.


@dataclass(frozen=True)
class TimeRange:
    """The stretch of local time a question's time expression refers to."""

    since: datetime  # inclusive, tz-aware, in `now`'s time zone, at local midnight
    until: datetime  # exclusive
    text: str  # the expression matched, as written in the question
    granularity: str  # "day" | "week" | "month" | "year" | "span"


_Days = tuple[date, date, str]  # since (inclusive), until (exclusive), granularity
_Resolve = Callable[[re.Match[str], date, str], _Days | None]  # (match, today, tense)

_QUESTION_PAST = re.compile(
    r"\b(did|didn't|was|wasn't|were|weren't|had|went|ago|yesterday|last|earlier|recently|"
    r"lately|since)\b",
    re.I,
)
_COUNT = (
    r"(?P<n>\d{1,3}|a\s+couple\s+of|a\s+few|"
    + "|".join(w.replace(" ", r"\s+") for w in sorted(NUMBER_WORDS, key=len, reverse=True))
    + ")"
)
_QWD = "(?P<wd>" + _WD[1:]
_QMON = "(?P<mon>" + _MON[1:] + r"(?!['’]\w)"  # not "Jan's"
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_RECENT_DAYS = 14

# Prepositions a rule takes into its match (so strip_range removes them). Those that bound a range
# ("since Monday", "from Monday to Wednesday", "before Tuesday") are open to every rule.
_BOUND = "since|after|before|until|till|from|between"
_ON = f"on|for|{_BOUND}"
_IN = f"in|during|of|{_BOUND}"
_OVER = f"in|over|during|for|within|{_BOUND}"


def _count(word: str) -> int:
    word = " ".join(word.lower().split())
    return _number(word[2:] if word.startswith("a ") and word != "a" else word)


def _period(day: date, unit: str) -> tuple[date, date]:
    """The calendar day, Monday-based week, weekend, month or year containing `day`."""
    if unit == "day":
        return day, day + timedelta(days=1)
    if unit in ("week", "weekend"):
        monday = day - timedelta(days=day.weekday())
        if unit == "weekend":
            return monday + timedelta(days=5), monday + timedelta(days=7)
        return monday, monday + timedelta(days=7)
    if unit == "month":
        first = day.replace(day=1)
        return first, _shift(first, 1, "month")
    return date(day.year, 1, 1), date(day.year + 1, 1, 1)


def _calendar(day: date, unit: str) -> _Days:
    start, end = _period(day, unit)
    return start, end, "span" if unit == "weekend" else unit


def _day_offset(days: int) -> _Resolve:
    return lambda m, today, tense: _calendar(today + timedelta(days=days), "day")


def _weekday(m: re.Match[str], today: date, tense: str) -> _Days:
    """A weekday: "on Tuesday", "last/next/this/coming Tuesday"."""
    wd = WEEKDAYS.index(m["wd"].lower())
    mod = " ".join((m["mod"] or "").lower().split())
    if mod in ("last", "past", "this past"):
        day = _past_weekday(today, wd)
    elif mod in ("next", "coming", "upcoming", "this coming"):
        day = _next_weekday(today, wd)
    elif mod == "this":  # that weekday of the current week, unless a past question is asked
        day = today + timedelta(days=wd - today.weekday())
        day = _past_weekday(today, wd, True) if day > today and tense == "past" else day
    else:
        day = _coming_weekday(today, wd) if tense == "future" else _past_weekday(today, wd, True)
    return _calendar(day, "day")


def _weekday_of_week(m: re.Match[str], today: date, tense: str) -> _Days:
    """A weekday of a named week: "Tuesday last week", "Friday of next week"."""
    week = today + timedelta(weeks={"last": -1, "this": 0, "next": 1}[m["mod"].lower()])
    monday = week - timedelta(days=week.weekday())
    return _calendar(monday + timedelta(days=WEEKDAYS.index(m["wd"].lower())), "day")


def _relative(m: re.Match[str], today: date, tense: str) -> _Days:
    """A calendar unit: "last week", "this month", "next year", "earlier this week"."""
    step = {"last": -1, "previous": -1, "this": 0, "current": 0}.get(m["mod"].lower(), 1)
    return _calendar(_shift(today, step, m["unit"]), m["unit"].lower())


def _weekend(m: re.Match[str], today: date, tense: str) -> _Days | None:
    """Saturday to Monday: "last weekend", "this weekend", "over the weekend"."""
    mod = " ".join((m["mod"] or "").lower().split())
    if not mod and not m["the"]:
        return None  # "my weekend trip"
    this_saturday = _period(today, "weekend")[0]
    if mod in ("last", "previous"):
        day = today - timedelta(weeks=1)
    elif mod == "next":
        day = today + timedelta(weeks=1)
    elif mod == "this" and not (tense == "past" and this_saturday > today):
        day = today
    elif mod in ("coming", "upcoming") or (not mod and tense == "future"):  # not begun yet
        day = today if this_saturday > today else today + timedelta(weeks=1)
    else:  # "the weekend", "this past weekend": the latest one begun
        day = today if this_saturday <= today else today - timedelta(weeks=1)
    return _calendar(day, "weekend")


def _before_last(m: re.Match[str], today: date, tense: str) -> _Days:
    """Two units back: "the week before last", "the month before last"."""
    unit = m["unit"].lower()
    return _calendar(_shift(today, -2, "week" if unit == "weekend" else unit), unit)


def _ago(m: re.Match[str], today: date, tense: str) -> _Days:
    """The unit containing a point back: "two weeks ago" is the week holding that day."""
    return _calendar(_shift(today, -_count(m["n"]), m["unit"]), m["unit"].lower())


def _ahead(m: re.Match[str], today: date, tense: str) -> _Days:
    """The unit containing a point ahead: "in 3 days", "two weeks from now"."""
    return _calendar(_shift(today, _count(m["n"]), m["unit"]), m["unit"].lower())


def _span(m: re.Match[str], today: date, tense: str) -> _Days | None:
    """A run of days up to today: "the past 3 days", "last 10 days" (or on: "the next 2 weeks")."""
    word = m["word"].lower()
    if not m["the"] and not m["n"] and word in ("last", "next"):
        return None  # "last week" and "next week" are calendar weeks
    n = _count(m["n"]) if m["n"] else 1
    if word in ("past", "last"):
        return _shift(today, -n, m["unit"]), today + timedelta(days=1), "span"
    return today, _shift(today, n, m["unit"]) + timedelta(days=1), "span"


def _recent(m: re.Match[str], today: date, tense: str) -> _Days:
    """The past two weeks, for "recently" and "lately"."""
    return today - timedelta(days=_RECENT_DAYS), today + timedelta(days=1), "span"


def _month_day(m: re.Match[str], today: date, tense: str) -> _Days | None:
    """A day: "March 3", "Tuesday, 3rd of March 2025", "2026-03-10". Without a year, the latest
    such day not in the future (the next one not past when the question is about the future)."""
    g = m.groupdict()
    month, day = (_month(g["mon"]) if g.get("mon") else int(g["mo"])), int(g["d"])
    if g["y"]:
        found = _safe_date(int(g["y"]), month, day)
    else:
        years = range(today.year + 1, today.year - 9, -1)  # Feb 29 may be years away
        options = [d for y in years if (d := _safe_date(y, month, day)) is not None]
        found = (
            min((d for d in options if d >= today), default=None)
            if tense == "future"
            else max((d for d in options if d <= today), default=None)
        )
    return _calendar(found, "day") if found else None


def _month_range(m: re.Match[str], today: date, tense: str) -> _Days | None:
    """A month: "in March", "last March", "March 2025". Without a year, the latest March begun
    (the next one not yet over when the question is about the future)."""
    month, mod = _month(m["mon"]), (m["mod"] or "").lower()
    if not mod and not m["prep"] and not m["y"]:
        return None  # a bare month name is too often something else ("March on", "May I")
    if m["mon"] == "may" and not m["y"] and mod:
        return None  # "this may be", "next may"
    if m["y"]:
        year = int(m["y"])
    elif mod == "last":
        year = today.year if month < today.month else today.year - 1
    elif mod == "this":
        year = today.year
    elif mod:  # next, coming, upcoming
        year = today.year if month > today.month else today.year + 1
    elif tense == "future":
        year = today.year if month >= today.month else today.year + 1
    else:
        year = today.year if month <= today.month else today.year - 1
    return _calendar(date(year, month, 1), "month")


def _year(m: re.Match[str], today: date, tense: str) -> _Days | None:
    """A year after a preposition: "in 2025", "since 2024"."""
    if not m["prep"]:
        return None  # "room 2025"
    return _calendar(date(int(m["y"]), 1, 1), "year")


def _rule(core: str, resolve: _Resolve, preps: str = _BOUND) -> tuple[re.Pattern[str], _Resolve]:
    prep = rf"(?:(?P<prep>{preps})\s+)?" if preps else ""
    return re.compile(rf"\b{prep}(?:{core})\b", re.I), resolve


_UNITS = r"(?P<unit>day|week|month|year)s?"
# When two expressions start at the same place, the longer wins, then the earlier rule here.
_QUESTION_RULES: list[tuple[re.Pattern[str], _Resolve]] = [
    _rule(r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})", _month_day, _ON),
    _rule(
        rf"(?:{_WD},?\s+)?{_QMON}\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?",
        _month_day,
        _ON,
    ),
    _rule(
        rf"(?:{_WD},?\s+)?(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_QMON}"
        r"(?:,?\s+(?P<y>\d{4}))?",
        _month_day,
        _ON,
    ),
    _rule(
        rf"(?:(?P<mod>last|this|next|coming|upcoming)\s+)?{_QMON}(?:,?\s+(?P<y>\d{{4}}))?",
        _month_range,
        _IN,
    ),
    _rule(r"(?:the\s+year\s+)?(?P<y>(?:19|20)\d{2})", _year, _IN),
    _rule(r"the\s+day\s+before\s+yesterday", _day_offset(-2)),
    _rule(r"the\s+day\s+after\s+tomorrow", _day_offset(2)),
    _rule(rf"yesterday{_PART}|last\s+night", _day_offset(-1)),
    _rule(
        rf"(?:(?:earlier|later)\s+)?today{_PART}|tonight|this\s+(?:morning|afternoon|evening)",
        _day_offset(0),
    ),
    _rule(rf"tomorrow{_PART}", _day_offset(1)),
    _rule(rf"{_QWD}{_PART}\s+(?:of\s+)?(?P<mod>last|this|next)\s+week", _weekday_of_week, _ON),
    _rule(
        rf"(?:(?P<mod>last|next|this\s+past|this\s+coming|this|coming|upcoming|past)\s+)?"
        rf"{_QWD}{_PART}",
        _weekday,
        _ON,
    ),
    _rule(r"(?:the\s+)?(?P<unit>week|weekend|month|year)\s+before\s+last", _before_last),
    _rule(
        rf"(?:(?P<the>the|this)\s+)?(?P<word>past|last|next|coming)\s+(?:{_COUNT}\s+)?{_UNITS}",
        _span,
        _OVER,
    ),
    _rule(
        r"(?:the\s+)?(?:(?:earlier|later)\s+)?"
        r"(?P<mod>last|previous|this|current|next|coming|upcoming)\s+(?P<unit>week|month|year)",
        _relative,
        f"during|over|{_BOUND}",
    ),
    _rule(
        r"(?P<the>the\s+)?(?:(?P<mod>this\s+past|past|last|previous|this|next|coming|upcoming)\s+)?"
        r"weekend",
        _weekend,
        f"on|over|at|during|{_BOUND}",
    ),
    _rule(rf"{_COUNT}\s+{_UNITS}\s+ago", _ago),
    _rule(rf"in\s+{_COUNT}\s+{_UNITS}", _ahead, ""),
    _rule(rf"{_COUNT}\s+{_UNITS}\s+from\s+now", _ahead),
    _rule(r"recently|lately|of\s+late|the\s+other\s+day", _recent, ""),
]


@dataclass(frozen=True)
class _Hit:
    start: int
    core: int  # where the expression starts after its preposition
    end: int
    prep: str
    since: date
    until: date
    granularity: str


def _hits(question: str, today: date, tense: str) -> list[_Hit]:
    """Every time expression in the question, earliest first (longest first at one place)."""
    ranked: list[tuple[int, int, int, _Hit]] = []
    for rank, (pattern, resolve) in enumerate(_QUESTION_RULES):
        for m in pattern.finditer(question):
            try:
                days = resolve(m, today, tense)
            except (OverflowError, ValueError):  # "900 years ago" leaves the calendar
                continue
            if days is not None:
                prep = (m.groupdict().get("prep") or "").lower()
                core = m.start() if not prep else m.end() - len(m[0][len(prep) :].lstrip())
                hit = _Hit(m.start(), core, m.end(), prep, *days)
                ranked.append((m.start(), m.start() - m.end(), rank, hit))
    return [hit for *_, hit in sorted(ranked, key=lambda r: r[:3])]


_RANGE_JOIN = re.compile(r"\s*(?:(?:to|through|thru|and|-|–)\s*)?", re.I)


def _bounded(hit: _Hit, later: list[_Hit], question: str, today: date) -> _Hit | None:
    """Apply the preposition bounding `hit`: "since X" runs to today, "from X to Y" and "between X
    and Y" join two expressions; "before X" and "until X" have no start, so give no range."""
    tomorrow = today + timedelta(days=1)
    if re.match(r"['’]s\b", question[hit.end :]):  # "from Tuesday's meeting": just Tuesday
        return replace(hit, start=hit.core, prep="")
    if hit.prep in ("from", "between"):
        for end in later:
            if end.start >= hit.end and _RANGE_JOIN.fullmatch(question, hit.end, end.start):
                if end.prep in ("", "until", "till"):
                    since, until = min(hit.since, end.since), max(hit.until, end.until)
                    return _Hit(hit.start, hit.core, end.end, hit.prep, since, until, "span")
                break
        if hit.prep == "between":
            return None
    if hit.prep in ("since", "from", "after"):
        since = hit.until if hit.prep == "after" else hit.since
        until = max(tomorrow, hit.until)
        return replace(hit, since=since, until=until, granularity="span") if since < until else None
    if hit.prep in ("before", "until", "till"):
        return None
    return hit


def question_range(question: str, now: datetime) -> TimeRange | None:
    """The range of local time the first time expression of `question` refers to, or None.

    "what did I do last week?" asked on Thursday 2026-03-12 covers Monday 2026-03-02 00:00 to
    Monday 2026-03-09 00:00 in `now`'s time zone.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("question_range needs a time-zone-aware `now`")
    today = now.date()
    past = bool(_QUESTION_PAST.search(question))
    tense = "past" if past else "future" if _FUTURE_HINT.search(question) else "present"
    hits = _hits(question, today, tense)
    covered = 0
    for i, hit in enumerate(hits):
        if hit.start < covered:
            continue  # part of an expression already considered ("Tuesday" in "before Tuesday")
        covered = hit.end
        found = _bounded(hit, hits[i + 1 :], question, today)
        if found is not None:
            return TimeRange(
                since=start_of_day(found.since, now),
                until=start_of_day(found.until, now),
                text=question[found.start : found.end],
                granularity=found.granularity,
            )
    return None


def strip_range(question: str, found: TimeRange) -> str:
    """`question` without the expression `found` (and a possessive "'s" after it), whitespace and
    stray commas tidied."""
    m = re.search(rf"(?<!\w){re.escape(found.text)}(?:['’]s\b)?(?!\w)", question)
    if m is None:
        return " ".join(question.split())
    rest = question[: m.start()] + " " + question[m.end() :]
    rest = " ".join(rest.split())
    rest = re.sub(r"\s*[,;:]?\s*([?.!])", r"\1", rest)  # "did I do , ?" -> "did I do?"
    rest = re.sub(r"\s+([,;:])", r"\1", rest).lstrip(" ,;:-–")
    if m.start() == 0 and question[:1].isupper():
        rest = rest[:1].upper() + rest[1:]
    return rest

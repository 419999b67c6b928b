"""Grounding date expressions in text against the moment the text was written.

"last Tuesday" in a chat sent on Thursday 2026-03-12 means 2026-03-10; "two weeks ago", "next
Friday", "yesterday", "March 3" and "2026-03-10" are resolved the same way, in the writer's own
time zone. Each mention keeps its granularity (day, week, month, year) so "last month" is not
mistaken for a precise day. Calendar arithmetic uses python-dateutil's `relativedelta` (month ends,
leap years); absolute dates are matched by pattern first and only then parsed, so ordinary words
are never taken for dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    unit = unit.rstrip("s")
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
        (rf"\b{_NUM}\s+{_UNIT}\s+ago\b", lambda m: (_shift(today, -_number(m[1]), m[2]), m[2])),
        (rf"\bin\s+{_NUM}\s+{_UNIT}\b", lambda m: (_shift(today, _number(m[1]), m[2]), m[2])),
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
        (r"\blast\s+(week|month|year)\b", lambda m: (_shift(today, -1, m[1]), m[1])),
        (r"\bnext\s+(week|month|year)\b", lambda m: (_shift(today, 1, m[1]), m[1])),
        (r"\bthis\s+(week|month|year)\b", lambda m: (today, m[1])),
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

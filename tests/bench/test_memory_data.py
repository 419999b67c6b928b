"""The synthetic life for the memory benchmark (`bench/memory_data.py`) is sound and repeatable.

`bench/` is not an installed package; like the bench scripts do, the repository root goes on
`sys.path` and the module is imported as `bench.memory_data`. Dates are cross-checked with the
app's own resolver (`core.dates.find_dates`), so "last Tuesday" in a line means the day the gold
answer says it means.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.memory_data import (
    CATEGORIES,
    Corpus,
    Line,
    Question,
    date_forms,
    generate,
    is_small_talk,
    write,
)
from core.dates import find_dates

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SCREEN_APPS = {"firefox", "thunderbird", "libreoffice", "slack", "code", "terminal"}


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return generate()


def by_id(corpus: Corpus) -> dict[str, Line]:
    return {line.id: line for line in corpus.lines}


def when(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def accepted_dates(q: Question) -> set[str]:
    """The spellings allowed without appearing in the evidence: forms of an ISO answer."""
    return {
        f.lower()
        for a in q.answer
        if ISO_DAY.fullmatch(a)
        for f in date_forms(date.fromisoformat(a))
    }


def test_same_seed_gives_identical_output(corpus: Corpus, tmp_path: Path) -> None:
    again = generate(7)
    assert again == corpus
    first = [p.read_bytes() for p in write(corpus, tmp_path / "a")]
    second = [p.read_bytes() for p in write(again, tmp_path / "b")]
    assert first == second


def test_other_seed_changes_the_text_not_the_schema(corpus: Corpus) -> None:
    other = generate(8)
    assert {line.text for line in other.lines} != {line.text for line in corpus.lines}
    assert [q.question for q in other.questions] != [q.question for q in corpus.questions]
    assert {q.category for q in other.questions} == set(CATEGORIES)
    assert all(isinstance(line, Line) for line in other.lines)


def test_sizes_and_counts_per_category(corpus: Corpus) -> None:
    assert 1500 <= len(corpus.lines) <= 3000
    counts = Counter(q.category for q in corpus.questions)
    assert set(counts) == set(CATEGORIES)
    assert all(counts[c] >= 15 for c in CATEGORIES), counts
    assert len(corpus.questions) >= 120
    days = {line.time[:10] for line in corpus.lines if line.source == "chat"}
    assert len(days) >= 70  # chats most days


def test_ids_unique_lines_sorted_and_fields_by_source(corpus: Corpus) -> None:
    ids = [line.id for line in corpus.lines]
    assert len(set(ids)) == len(ids)
    assert len({q.id for q in corpus.questions}) == len(corpus.questions)
    times = [when(line.time) for line in corpus.lines]
    assert times == sorted(times)
    for line in corpus.lines:
        assert line.text.strip()
        if line.source == "chat":
            assert re.fullmatch(r"c\d{5}", line.id)
            assert line.speaker in {"me", "Mnemo"}
            assert line.session == f"chat-{line.time[:10]}"
            assert line.app is None and line.window is None
        else:
            assert line.source == "screen"
            assert re.fullmatch(r"s\d{5}", line.id)
            assert line.speaker is None and line.session is None
            assert line.app in SCREEN_APPS and line.window


def test_evidence_exists_and_precedes_asked_at(corpus: Corpus) -> None:
    lines = by_id(corpus)
    last = max(when(line.time) for line in corpus.lines)
    for q in corpus.questions:
        asked = when(q.asked_at)
        if q.category == "abstention":
            assert q.evidence == () and q.answer == () and asked > last
            continue
        assert q.evidence and q.answer, q.id
        for e in (*q.evidence, *q.stale):
            assert e in lines, (q.id, e)
            assert when(lines[e].time) < asked, (q.id, e)


def test_answers_appear_in_evidence_or_are_dates(corpus: Corpus) -> None:
    lines = by_id(corpus)
    for q in corpus.questions:
        text = " ".join(lines[e].text for e in q.evidence).lower()
        allowed = accepted_dates(q)
        for a in q.answer:
            assert a.lower() in text or a.lower() in allowed, (q.id, a)


def test_update_questions_name_earlier_stale_values(corpus: Corpus) -> None:
    lines = by_id(corpus)
    updates = [q for q in corpus.questions if q.category == "update"]
    assert len(updates) >= 15
    for q in updates:
        assert q.stale and q.stale_answer, q.id
        first_current = min(when(lines[e].time) for e in q.evidence)
        assert all(when(lines[s].time) < first_current for s in q.stale), q.id
        stale_text = " ".join(lines[s].text for s in q.stale).lower()
        stale_dates = {
            f.lower()
            for a in q.stale_answer
            if ISO_DAY.fullmatch(a)
            for f in date_forms(date.fromisoformat(a))
        }
        for s in q.stale_answer:
            assert s.lower() in stale_text or s.lower() in stale_dates, (q.id, s)
            assert not any(s.lower() in a.lower() or a.lower() in s.lower() for a in q.answer), (
                q.id,
                s,
            )
    assert all(
        not q.stale and not q.stale_answer for q in corpus.questions if q.category != "update"
    )


def test_date_answers_resolve_like_the_app(corpus: Corpus) -> None:
    """Every ISO answer is a date the app's resolver finds in the evidence."""
    lines = by_id(corpus)
    checked = 0
    for q in corpus.questions:
        isos = [a for a in q.answer if ISO_DAY.fullmatch(a)]
        if not isos:
            continue
        found = {
            m.day.isoformat()
            for e in q.evidence
            for m in find_dates(lines[e].text, when(lines[e].time))
        }
        assert isos[0] in found, (q.id, q.question, isos, [lines[e].text for e in q.evidence])
        checked += 1
    assert checked >= 20


def test_relative_questions_cover_their_evidence(corpus: Corpus) -> None:
    """ "yesterday", "last week", "last Tuesday", "on 2026-02-10" in a question, read at asked_at,
    cover the day the evidence is about."""
    lines = by_id(corpus)
    checked = 0
    for q in corpus.questions:
        if q.category != "temporal":
            continue
        asked = when(q.asked_at)
        mentions = [m for m in find_dates(q.question, asked) if m.granularity in ("day", "week")]
        if not mentions:
            continue
        asked_about = mentions[0]
        if asked_about.granularity == "week":
            monday = asked_about.day - timedelta(days=asked_about.day.weekday())
            span = {monday + timedelta(days=n) for n in range(7)}
        else:
            span = {asked_about.day}
        line = lines[q.evidence[0]]
        told_about = {
            m.day for m in find_dates(line.text, when(line.time)) if m.granularity == "day"
        }
        assert told_about & span, (q.id, q.question, q.asked_at, line.text, line.time)
        checked += 1
    assert checked >= 10


def test_small_talk_share(corpus: Corpus) -> None:
    chats = [line for line in corpus.lines if line.source == "chat"]
    share = sum(is_small_talk(line) for line in chats) / len(chats)
    assert share >= 0.30
    evidence = {e for q in corpus.questions for e in (*q.evidence, *q.stale)}
    assert not any(is_small_talk(line) for line in chats if line.id in evidence)


def test_write_emits_the_documented_files(corpus: Corpus, tmp_path: Path) -> None:
    chats, screen, questions = write(corpus, tmp_path / "out")
    assert [p.name for p in (chats, screen, questions)] == [
        "chats.jsonl",
        "screen.jsonl",
        "questions.jsonl",
    ]
    rows = {
        p.name: [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()]
        for p in (chats, screen, questions)
    }
    assert all(set(r) == {"id", "time", "speaker", "text", "session"} for r in rows["chats.jsonl"])
    assert all(set(r) == {"id", "time", "app", "window", "text"} for r in rows["screen.jsonl"])
    fields = set(Question.__dataclass_fields__)
    assert all(set(r) == fields for r in rows["questions.jsonl"])
    assert len(rows["chats.jsonl"]) + len(rows["screen.jsonl"]) == len(corpus.lines)
    parsed: list[dict[str, Any]] = [
        {k: tuple(v) if isinstance(v, list) else v for k, v in r.items()}
        for r in rows["questions.jsonl"]
    ]
    assert [Question(**r) for r in parsed] == list(corpus.questions)


def test_other_spans_hold_and_too_short_is_refused() -> None:
    short = generate(3, days=60, start="2026-06-01")
    assert short.lines[0].time.startswith("2026-06-01")
    assert Counter(q.category for q in short.questions).most_common()[-1][1] >= 15
    with pytest.raises(ValueError):
        generate(days=20)

"""The rule path: sentences, types, dates and provenance without any model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.memory import Observation
from core.pipeline.rules import SpeakerRoles, extract, split_sentences

ROLES = SpeakerRoles.of(["user"], ["assistant"])
WHEN = datetime(2026, 3, 12, 20, 0, tzinfo=timezone(timedelta(hours=1)))


def memories(text: str, speaker: str = "user") -> list[tuple[str, str]]:
    obs = Observation(
        source="chat", time=WHEN, text=text, trust=ROLES.trust(speaker), speaker=speaker
    )
    found = extract(obs, ROLES)
    assert all(m.sources == [obs.id] for m in found)
    return [(str(m.type), m.text) for m in found]


def test_sentences_keep_abbreviations_and_urls() -> None:
    text = "My dentist is Dr. Lee. He works at St. Mary's! See https://x.example/a.b now.\nNext"
    assert split_sentences(text) == [
        "My dentist is Dr. Lee.",
        "He works at St. Mary's!",
        "See https://x.example/a.b now.",
        "Next",
    ]


@pytest.mark.parametrize(
    ("text", "mtype"),
    [
        ("My name is Sam Rivera and I live in Lisbon.", "core"),
        ("I'm allergic to penicillin.", "core"),
        ("My dentist is Dr. Lee at the Alfama clinic.", "core"),
        ("Last Tuesday I went climbing with Jonas.", "episodic"),
        ("We decided to ship the redesign.", "episodic"),
        ("The Q2 budget for the design team is 48,000 euros.", "semantic"),
        ("To restart the server, run `systemctl restart app`.", "procedural"),
        ("The spec lives at https://wiki.example/onboarding.", "resource"),
        ("The slides are in roadmap-2026.pdf on the shared drive.", "resource"),
        ("The locker code at the gym is 4471.", "vault"),
        ("My bank account number is 12345678.", "vault"),
    ],
)
def test_types_by_pattern(text: str, mtype: str) -> None:
    assert memories(text) == [(mtype, text)]


@pytest.mark.parametrize(
    "text", ["Thanks!", "ok sounds good", "Where do you live?", "Hi there", "lol"]
)
def test_chit_chat_and_questions_are_not_memories(text: str) -> None:
    assert memories(text) == []


def test_other_speakers_are_named_in_the_memory() -> None:
    assert memories("I moved to Berlin last month.", speaker="Priya") == [
        ("episodic", "Priya: I moved to Berlin last month.")
    ]


def test_assistant_small_talk_is_dropped_but_procedures_kept() -> None:
    assert memories("Nice to meet you, Sam! I am happy to help.", speaker="assistant") == []
    assert memories("To clear the cache, open the dashboard and press Purge.", "assistant") == [
        ("procedural", "To clear the cache, open the dashboard and press Purge.")
    ]


def test_fields_carry_grounded_dates_entities_and_quantities() -> None:
    obs = Observation(
        source="chat",
        time=WHEN,
        text="Last Tuesday Priya and I spent 3 hours on the Falcon budget of $4,200.",
        trust="user",
        speaker="user",
    )
    (memory,) = extract(obs, ROLES)
    assert memory.fields["date"] == "2026-03-10"
    assert memory.valid_from == datetime(2026, 3, 10, tzinfo=WHEN.tzinfo)
    assert {"Priya", "Falcon"} <= set(memory.fields["entities"])
    assert {"3 hours", "$4,200"} <= set(memory.fields["quantities"])

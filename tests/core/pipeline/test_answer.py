"""Answers: current values, citations to sources, time filters, abstention, untrusted warnings."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.pipeline.answer import DONT_KNOW, Answerer
from core.pipeline.ingest import Pipeline
from core.store import Store
from tests.core.pipeline.conftest import ROLES, T0, FakeLLM, said, seen


class Fixed:
    def __init__(self, when: datetime) -> None:
        self.when = when

    def now(self) -> datetime:
        return self.when


def life(store: Store) -> None:
    Pipeline(store, ROLES).ingest(
        [
            said("I moved to Berlin.", 0),
            said("My dentist is Dr. Lee.", 1),
            said("Ana is my sister.", 2),
            said("Ana just moved to Porto.", 3),
            said("I live in Lisbon now.", 20),
            said("Yesterday I had lunch with Tom at Nando's.", 24),
            said("Last Tuesday I went to the dentist.", 26),
        ]
    )


def test_the_current_value_is_answered_and_cited(store: Store) -> None:
    life(store)
    answer = Answerer(store, clock=Fixed(T0 + timedelta(days=30))).ask("where do I live?")
    assert "Lisbon" in answer.text and "Berlin" not in answer.text
    (citation,) = answer.citations
    assert [ref.excerpt for ref in citation.sources] == ["I live in Lisbon now."]
    assert citation.sources[0].speaker == "me" and citation.sources[0].source == "chat"


def test_multi_hop_through_a_relation(store: Store) -> None:
    life(store)
    answer = Answerer(store).ask("Where does my sister live?")
    assert "Porto" in answer.citations[0].memory.text


def test_time_questions_use_dates_and_ranges(store: Store) -> None:
    life(store)
    clock = Fixed(T0 + timedelta(days=30))  # Wednesday 2026-04-01
    answer = Answerer(store, clock=clock).ask("When did I go to the dentist?")
    assert "2026-03-24" in answer.text  # "last Tuesday" said on Saturday 2026-03-28
    week = Answerer(store, clock=clock).ask("What did I do last week?")
    assert week.time_range is not None and week.time_range.since.date().isoformat() == "2026-03-23"
    assert any("Nando" in c.memory.text for c in week.citations)
    assert all(
        week.time_range.since <= c.memory.valid_from < week.time_range.until for c in week.citations
    )  # type: ignore[operator]


def test_nothing_relevant_means_i_dont_know(store: Store) -> None:
    life(store)
    answerer = Answerer(store)
    for question in (
        "What is my brother's name?",
        "When did I go to Japan?",
        "What's my blood type?",
    ):
        answer = answerer.ask(question)
        assert answer.abstained and answer.text == DONT_KNOW and not answer.citations


def test_model_answers_cite_only_what_was_shown(store: Store, fake_llm: FakeLLM) -> None:
    life(store)
    fake_llm.enqueue(
        "answer", {"answer": "You live in Lisbon [0].", "citations": [0, 17], "confidence": "high"}
    )
    answer = Answerer(store, llm=fake_llm).ask("where do I live?")
    assert answer.by == "model" and answer.text == "You live in Lisbon [1]."
    assert [c.memory.text for c in answer.citations] == ["I live in Lisbon now."]
    fake_llm.enqueue("answer", {"answer": "Somewhere.", "citations": [], "confidence": "none"})
    assert Answerer(store, llm=fake_llm).ask("where do I live?").abstained
    fake_llm.enqueue("answer", {"answer": "Lisbon, surely.", "citations": [], "confidence": "high"})
    uncited = Answerer(store, llm=fake_llm).ask("where do I live?")
    assert "cited no memory" in uncited.warnings[0] and "Lisbon" in uncited.text


def test_vault_memories_are_never_prompted(store: Store, fake_llm: FakeLLM) -> None:
    Pipeline(store, ROLES).ingest([said("The alarm code is 7315 for the studio.", 0)])
    fake_llm.default["answer"] = {"answer": "none", "citations": [], "confidence": "none"}
    Answerer(store, llm=fake_llm).ask("what is the alarm code for the studio?")
    assert all("7315" not in prompt for _, prompt in fake_llm.prompts)


def test_an_answer_resting_on_contradicting_screen_text_says_so(store: Store) -> None:
    Pipeline(store, ROLES).ingest([said("Ana is my sister.", 0), said("Ana moved to Porto.", 1)])
    Pipeline(store, ROLES).ingest([seen("Ana moved to Madrid.", 5)])
    answer = Answerer(store).ask("Where did Ana move to? Madrid?")
    screen_only = [c for c in answer.citations if "Madrid" in c.memory.text]
    assert screen_only
    answer.citations = screen_only
    warnings = Answerer(store)._contradiction_warnings(answer.citations)
    assert warnings and "Porto" in warnings[0]

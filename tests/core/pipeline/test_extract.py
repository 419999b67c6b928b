"""Extraction: batched model calls, checked items, grounded dates, rules without a model."""

from __future__ import annotations

from core.errors import ModelOutputError
from core.memory import MemoryType
from core.pipeline.extract import Extractor
from core.pipeline.guard import DataFence
from core.pipeline.ingest import Pipeline
from core.store import Store
from tests.core.pipeline.conftest import ROLES, FakeLLM, echo, said, seen


def test_batching_uses_at_least_five_times_fewer_calls(store: Store, fake_llm: FakeLLM) -> None:
    fake_llm.default["extract"] = echo("semantic")
    fake_llm.default["update"] = {"decision": "ADD", "reason": "new"}
    observations = [
        said(f"Note number {i}: the blue folder holds invoice {i * 7}.", i / 10) for i in range(60)
    ]
    report = Pipeline(store, ROLES, fake_llm).ingest(observations)
    assert report.observations_added == 60
    assert fake_llm.calls("extract") * 5 <= 60
    assert len(store.list_memories(limit=100)) == 60


def test_batches_respect_the_token_budget(fake_llm: FakeLLM) -> None:
    fake_llm.budget = 300
    extractor = Extractor(ROLES, fake_llm, batch=12)
    observations = [said("word " * 150, i) for i in range(3)] + [said("x " * 3000, 4)]
    batches = extractor.plan(observations)
    for batch in batches:
        cost = sum(fake_llm.count_tokens(extractor.record(o)) + 4 for o in batch)
        assert cost <= 300 - fake_llm.count_tokens("<<<DATA 00000000>>>" * 2) or len(batch) == 1
    assert sum(len(b) for b in batches) == 4
    assert fake_llm.count_tokens(extractor.record(batches[-1][-1])) < 300  # cut to fit


def test_dates_are_grounded_against_the_observation_time(store: Store, fake_llm: FakeLLM) -> None:
    fake_llm.enqueue(
        "extract",
        {
            "memories": [
                {
                    "type": "episodic",
                    "text": "Last Tuesday I went to the dentist.",
                    "source": 0,
                    "date": "2020-01-01",
                },
                {
                    "type": "episodic",
                    "text": "Bought a new bike for the commute.",
                    "source": 0,
                    "date": "2026-03-11",
                },
                {
                    "type": "episodic",
                    "text": "Watched an old film with friends.",
                    "source": 0,
                    "date": "1066-10-14",
                },
            ]
        },
    )
    # 2026-03-12 is a Thursday: "last Tuesday" is 2026-03-10, whatever the model said.
    Pipeline(store, ROLES, fake_llm).ingest([said("Last Tuesday I went to the dentist.", 10)])
    dates = {m.text: m.fields.get("date") for m in store.list_memories()}
    assert dates["Last Tuesday I went to the dentist."] == "2026-03-10"
    assert dates["Bought a new bike for the commute."] == "2026-03-11"
    assert dates["Watched an old film with friends."] is None


def test_vault_sentences_never_reach_the_model(store: Store, fake_llm: FakeLLM) -> None:
    fake_llm.default["extract"] = echo("semantic")
    text = "The gate code is 4417 for the garage. I parked on level two of the garage."
    Pipeline(store, ROLES, fake_llm).ingest([said(text)])
    prompts = " ".join(p for _, p in fake_llm.prompts)
    assert "4417" not in prompts and "level two" in prompts
    kinds = {m.type for m in store.list_memories()}
    assert MemoryType.VAULT in kinds


def test_a_failed_call_falls_back_to_rules(store: Store, fake_llm: FakeLLM) -> None:
    def cut_off(prompt: str) -> object:
        raise ModelOutputError("the model's output was cut off")

    fake_llm.enqueue("extract", cut_off)
    report = Pipeline(store, ROLES, fake_llm).ingest([said("My favourite tea is genmaicha.")])
    assert report.added == 1
    assert store.list_memories()[0].text == "My favourite tea is genmaicha."


def test_assistant_turns_yield_only_procedures(store: Store, fake_llm: FakeLLM) -> None:
    fake_llm.enqueue(
        "extract",
        {
            "memories": [
                {
                    "type": "core",
                    "text": "The user lives in Paris, says the assistant.",
                    "source": 0,
                },
                {
                    "type": "procedural",
                    "text": "To renew a passport, book an appointment first.",
                    "source": 0,
                },
            ]
        },
    )
    Pipeline(store, ROLES, fake_llm).ingest(
        [
            said(
                "To renew a passport, book an appointment first. You live in Paris.",
                speaker="mnemo",
            )
        ]
    )
    assert [m.type for m in store.list_memories()] == [MemoryType.PROCEDURAL]


def test_the_rule_path_without_a_model(store: Store) -> None:
    report = Pipeline(store, ROLES).ingest(
        [
            said("hi!"),
            said("Yesterday I had lunch with Tom at Nando's."),
            seen("Quarterly report due Friday 14:00", 1),
        ]
    )
    assert report.added == 2
    lunch = next(m for m in store.list_memories() if "Tom" in m.text)
    assert lunch.type is MemoryType.EPISODIC and lunch.fields["date"] == "2026-03-01"
    assert "Tom" in lunch.fields["entities"]


def test_prompts_fence_every_observation(fake_llm: FakeLLM) -> None:
    extractor = Extractor(ROLES, fake_llm)
    fence = DataFence.new()
    prompt = extractor.prompt([said("I like green tea."), seen("Inbox (3) - Mail")], fence)
    outside = fence.outside(prompt)
    assert "green tea" not in outside and "Inbox" not in outside

"""The pipeline's plumbing once end to end with the real runtime and the generated tiny model.

The tiny model's words are noise, but its outputs are grammar-constrained, so this proves the
whole path: prompts rendered with the chat template, adapters switched per operation, outputs
parsed and checked, memories stored with valid sources, and answers that cite only what was shown.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.memory import Action
from core.pipeline.answer import Answerer
from core.pipeline.ingest import Pipeline
from core.store import MemoryFilter, Store
from models.runtime import LlamaRuntime, RuntimeConfig
from tests.core.pipeline.conftest import ROLES, said, seen
from tests.models.conftest import TinyModels, tiny_models  # noqa: F401  (fixture)


@pytest.fixture
def runtime(tiny_models: TinyModels) -> Iterator[LlamaRuntime]:  # noqa: F811
    manifest = tiny_models.manifest(extract=tiny_models.adapter_a, answer=tiny_models.adapter_b)
    config = RuntimeConfig(n_ctx=4096, n_threads=1, max_tokens=1536)
    rt = LlamaRuntime(
        tiny_models.base, tiny_models.folder, config, manifest, tiny_models.base_sha256
    )
    yield rt
    rt.close()


def test_ingest_and_answer_with_the_tiny_model(store: Store, runtime: LlamaRuntime) -> None:
    pipeline = Pipeline(store, ROLES, runtime)
    observations = [
        said("I moved to Berlin.", 0),
        said("My dentist is Dr. Lee.", 1),
        said("Yesterday I had lunch with Tom.", 2),
        seen("Booking confirmation: flight to Rome on 12 May with ITA Airways.", 3),
        said("The locker code is 4471 at the gym.", 4),
        said("I live in Lisbon now.", 5),
    ]
    report = pipeline.ingest(observations)
    assert report.observations_added == 6
    assert pipeline.usage.calls["extract"] == 1  # six observations, one call
    everything = store.list_memories(MemoryFilter(include_superseded=True), limit=1000)
    known = {o.id for o in observations}
    for memory in everything:
        assert memory.sources and set(memory.sources) <= known
    assert all(d.action in Action for d in report.decisions)
    prompts_saw_vault = any("4471" in m.text for m in everything if m.type != "vault")
    assert not prompts_saw_vault

    answer = Answerer(store, llm=runtime).ask("where do I live?")
    shown = {h.memory.id for h in answer.hits}
    assert answer.abstained or {c.memory.id for c in answer.citations} <= shown

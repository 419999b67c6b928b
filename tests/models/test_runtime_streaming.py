"""The runtime as a `StreamingLLM`, on the generated tiny model: pieces, the answer preview, cancel."""

from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import timedelta

import pytest

from core.errors import CancelledError
from core.pipeline.answer import Answerer
from core.pipeline.guard import DataFence
from core.pipeline.ingest import Pipeline
from core.pipeline.schemas import ANSWER
from core.pipeline.stream import FieldStream
from core.ports import StreamingLLM
from core.store import Store
from models.runtime import LlamaRuntime
from tests.core.pipeline.conftest import ROLES, T0, said
from tests.core.recall_eval_helpers import FixedClock

PROMPT = "Memories, by number, as quoted data:\n[0] I live in Lisbon.\nQuestion: where do I live?"


@pytest.mark.parametrize("seed", range(3))
def test_streamed_pieces_make_up_the_parsed_output(tiny_model: LlamaRuntime, seed: int) -> None:
    assert isinstance(tiny_model, StreamingLLM)
    pieces: list[str] = []
    value = tiny_model.submit("answer", PROMPT, ANSWER, on_token=pieces.append, seed=seed).result()
    assert len(pieces) > 1
    assert json.loads("".join(pieces))["citations"] == value["citations"]
    stream = FieldStream("answer")
    texts = [stream.text for piece in pieces if stream.feed(piece)]
    assert texts[-1] == value["answer"] and stream.complete
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))


def test_run_streaming_passes_pieces_and_returns_the_value(tiny_model: LlamaRuntime) -> None:
    pieces: list[str] = []
    value = tiny_model.run_streaming("answer", PROMPT, ANSWER, pieces.append)
    assert len(pieces) > 1 and json.loads("".join(pieces)) == value


def test_a_cancel_set_before_the_turn_stops_it_at_once(tiny_model: LlamaRuntime) -> None:
    cancel = threading.Event()
    cancel.set()
    pieces: list[str] = []
    started = time.monotonic()
    with pytest.raises(CancelledError):
        tiny_model.run_streaming("answer", PROMPT, ANSWER, pieces.append, cancel)
    assert pieces == [] and time.monotonic() - started < 1.0
    assert (
        tiny_model.run("answer", PROMPT, ANSWER)["confidence"]
        in ANSWER["properties"]["confidence"]["enum"]
    )  # the runtime is still usable


def test_the_answerer_streams_the_tiny_models_answer(
    store: Store, tiny_model: LlamaRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The prompt is pinned (its data fence is random, its first line today's date), so the tiny
    # model writes the same noise every run; with a random fence it sometimes abstained.
    monkeypatch.setattr(DataFence, "new", classmethod(lambda cls: cls("0a1b2c3d")))
    Pipeline(store, ROLES).ingest([said("I live in Lisbon now.", 0)])
    texts: list[str] = []
    answerer = Answerer(store, llm=tiny_model, clock=FixedClock(T0 + timedelta(days=1)))
    answer = answerer.ask("where do I live?", on_text=texts.append)
    assert texts  # the model's (noise) words were shown while it wrote them
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))
    # The final answer is the parsed one (or the extractive fallback when the noise cites
    # nothing shown): either way it cites the memory about Lisbon.
    assert "Lisbon" in answer.citations[0].memory.text

"""Streaming answers: the JSON field reader over every split, the word-by-word preview, and the
Answerer and ChatSession fed by a scripted streaming model (cancel included)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from core.chat import ChatSession
from core.errors import CancelledError
from core.pipeline.answer import DONT_KNOW, Answerer, AnswerPreview, shown_answer
from core.pipeline.ingest import Pipeline
from core.pipeline.stream import FieldStream
from core.ports import LLM, StreamingLLM
from core.store import MemoryFilter, Store
from tests.core.pipeline.conftest import ROLES, FakeLLM, said


@dataclass
class StreamingFakeLLM(FakeLLM):
    """A `FakeLLM` that also streams: each reply is written out as JSON text in small pieces.

    `gate`, when given, holds the stream after `hold_at` characters (halfway by default) until it
    is set, so a test can look at the half-written state; `delay` sleeps between pieces (a slow model). Cancel is checked between
    pieces, as the real runtime checks it between tokens.
    """

    piece: int = 3
    delay: float = 0.0
    gate: threading.Event | None = None
    hold_at: int | None = None
    ensure_ascii: bool = True

    def run_streaming(
        self,
        operation: str,
        prompt: str,
        schema: Mapping[str, Any],
        on_token: Callable[[str], None],
        cancel: threading.Event | None = None,
    ) -> Any:
        value = self.run(operation, prompt, schema)
        text = json.dumps(value, ensure_ascii=self.ensure_ascii)
        hold = len(text) // 2 if self.hold_at is None else self.hold_at
        for start in range(0, len(text), self.piece):
            if self.gate is not None and start >= hold:
                while not self.gate.wait(0.01):
                    if cancel is not None and cancel.is_set():
                        raise CancelledError("cancelled")
            if cancel is not None and cancel.is_set():
                raise CancelledError("cancelled")
            on_token(text[start : start + self.piece])
            if self.delay:
                time.sleep(self.delay)
        return value


def decoded(doc: str) -> str:
    """What the answer field parses to, lone surrogates replaced as parse_output does."""
    value = json.loads(doc).get("answer", "")
    return str(value.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))


DOCS = [
    '{"answer": "You live in Lisbon [0].", "citations": [0], "confidence": "high"}',
    r'{"answer":"a\"b\\c\/d\n\te\u00e9\ud83d\ude00 f\b\f\r","citations":[],"confidence":"low"}',
    '{"meta": {"answer": "no", "x": ["answer", "\\"answer\\""]}, "note": "answer",'
    ' "citations": [1, 2], "answer": "yes \\u0041", "confidence": "high"}',
    r'{"answer": "\ud83d x \ude00 \ud83d\ud83d\ude00 \ud83d"}',
    '{"answer": "ção 😀 ok", "answ": "not it"}',
    r'{"answ\u0065r": "escaped key", "answer2": "no"}',
    '{"answer": "", "citations": []}',
    '{"citations": [0], "confidence": "none"}',
    json.dumps({"confidence": "low", "answer": "on\nlines [0]", "citations": [0]}, indent=2),
]


@pytest.mark.parametrize("doc", DOCS)
def test_the_field_reads_the_same_whatever_the_splits(doc: str) -> None:
    expected = decoded(doc)
    for i in range(len(doc) + 1):
        for j in range(i, len(doc) + 1):
            stream = FieldStream("answer")
            seen = []
            for piece in (doc[:i], doc[i:j], doc[j:]):
                before, was_complete = stream.text, stream.complete
                changed = stream.feed(piece)
                grew = len(stream.text) > len(before) or stream.complete != was_complete
                assert changed == grew, (doc, i, j)
                seen.append(stream.text)
            assert all(expected.startswith(text) for text in seen), (doc, i, j, seen)
            assert stream.text == expected, (doc, i, j)
            assert stream.complete == ('"answer"' in doc or "answ\\u0065r" in doc)


def test_one_character_at_a_time_the_text_only_grows() -> None:
    doc = DOCS[1]
    stream = FieldStream("answer")
    texts = []
    for ch in doc:
        stream.feed(ch)
        texts.append(stream.text)
    assert texts[-1] == 'a"b\\c/d\n\teé😀 f\b\f\r'
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))
    assert not any("\\" in t and "u00" in t for t in texts)  # an escape never shows half-read


def test_the_preview_shows_whole_words_numbered_for_the_user() -> None:
    shown: list[str] = []
    preview = AnswerPreview(shown.append, shown=2)
    for ch in json.dumps({"answer": "You live in  Lisbon [0], see [1].", "citations": [0, 1]}):
        preview.feed(ch)
    assert shown == [
        "You",
        "You live",
        "You live in",
        "You live in Lisbon",
        "You live in Lisbon [1],",
        "You live in Lisbon [1], see",
        "You live in Lisbon [1], see [2].",
    ]


def test_the_preview_never_shows_a_secret() -> None:
    shown: list[str] = []
    preview = AnswerPreview(shown.append, shown=1)
    for ch in json.dumps({"answer": "Your password: hunter2 is old"}):
        preview.feed(ch)
    assert shown[-1] == "Your password: [redacted password] is old"
    assert not any("hunter" in text for text in shown)


def test_citation_numbers_are_renumbered_in_one_pass() -> None:
    assert shown_answer("A [0] and B [1], not [7]", {0, 1}) == "A [1] and B [2], not [7]"


def lisbon(store: Store) -> None:
    Pipeline(store, ROLES).ingest([said("I moved to Berlin.", 0), said("I live in Lisbon now.", 5)])


def test_the_answer_streams_then_the_final_text_comes_from_the_parsed_output(
    store: Store,
) -> None:
    lisbon(store)
    llm = StreamingFakeLLM(piece=2)
    assert isinstance(llm, StreamingLLM) and isinstance(llm, LLM)
    llm.enqueue(
        "answer", {"answer": "You live in Lisbon [0] now.", "citations": [0], "confidence": "high"}
    )
    pieces: list[str] = []
    answer = Answerer(store, llm=llm).ask("where do I live?", on_text=pieces.append)
    assert len(pieces) > 2 and all(b.startswith(a) for a, b in itertools.pairwise(pieces))
    assert pieces[0] == "You" and pieces[-1] == "You live in Lisbon [1] now."
    assert answer.text == "You live in Lisbon [1] now." and answer.by == "model"
    assert "Lisbon" in answer.citations[0].memory.text


def test_a_model_that_does_not_stream_answers_whole(store: Store, fake_llm: FakeLLM) -> None:
    lisbon(store)
    fake_llm.enqueue(
        "answer", {"answer": "You live in Lisbon [0].", "citations": [0], "confidence": "high"}
    )
    pieces: list[str] = []
    answer = Answerer(store, llm=fake_llm).ask("where do I live?", on_text=pieces.append)
    assert pieces == [] and answer.text == "You live in Lisbon [1]."


def test_rules_answer_whole_and_unknown_questions_are_not_streamed(store: Store) -> None:
    lisbon(store)
    pieces: list[str] = []
    answer = Answerer(store).ask("where do I live?", on_text=pieces.append)
    assert pieces == [] and "Lisbon" in answer.text
    llm = StreamingFakeLLM()
    unknown = Answerer(store, llm=llm).ask("what is my brother's name?", on_text=pieces.append)
    assert unknown.text == DONT_KNOW and pieces == [] and llm.calls("answer") == 0


def test_a_cancelled_turn_stores_nothing(store: Store) -> None:
    lisbon(store)
    llm = StreamingFakeLLM(piece=1)
    llm.default["extract"] = {"memories": []}
    llm.enqueue(
        "answer", {"answer": "You live in Lisbon [0].", "citations": [0], "confidence": "high"}
    )
    cancel = threading.Event()
    pieces: list[str] = []

    def on_text(text: str) -> None:
        pieces.append(text)
        cancel.set()  # the user pressed Stop after the first word

    chat = ChatSession(Pipeline(store, ROLES, llm), Answerer(store, llm=llm))
    before = {k: v for k, v in store.stats().items() if k != "database_bytes"}
    recalled = [m.recall_count for m in store.list_memories(MemoryFilter(), limit=100)]
    with pytest.raises(CancelledError):
        chat.turn("where do I live?", on_text=on_text, cancel=cancel)
    assert pieces == ["You"]
    assert {k: v for k, v in store.stats().items() if k != "database_bytes"} == before
    assert chat.turns == []
    assert [m.recall_count for m in store.list_memories(MemoryFilter(), limit=100)] == recalled


def test_a_turn_streams_through_the_chat_session(store: Store) -> None:
    lisbon(store)
    llm = StreamingFakeLLM(piece=4, ensure_ascii=False)
    llm.default["extract"] = {"memories": []}
    llm.enqueue(
        "answer", {"answer": "Lisboa — in Portugal [0].", "citations": [0], "confidence": "high"}
    )
    pieces: list[str] = []
    chat = ChatSession(Pipeline(store, ROLES, llm), Answerer(store, llm=llm))
    reply = chat.turn("where do I live?", on_text=pieces.append)
    assert pieces[-1] == reply.text == "Lisboa — in Portugal [1]."
    assert len(pieces) >= 3

"""Parsing constrained outputs: what valid JSON may still carry that text must not."""

from __future__ import annotations

from core.pipeline.schemas import ANSWER
from models.grammars import parse_output


def test_lone_surrogates_from_json_escapes_become_replacement_characters() -> None:
    # A model may write "\udeca" (valid JSON, invalid text); it must not reach the store.
    raw = '{"answer": "a\\udeca b \\ud83d\\ude00", "citations": [], "confidence": "none"}'
    value = parse_output(raw, ANSWER, "stop")
    assert value["answer"] == "a\ufffd b \U0001f600"
    value["answer"].encode("utf-8")

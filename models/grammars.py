"""Constrained outputs: JSON schema -> GBNF grammar -> output that always parses and validates.

llama.cpp's converter turns a JSON schema into a GBNF grammar; its string rule admits raw control
characters, which strict JSON forbids, so the rule is tightened before the grammar is built. A
grammar cannot keep output within `max_tokens`, so schemas should bound their arrays and strings
(maxItems, maxLength) and callers must check that generation finished. Grammars are compiled once
per schema and reused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema
from llama_cpp.llama_grammar import LlamaGrammar, json_schema_to_gbnf

from core.errors import ModelOutputError

_LOOSE_CHAR = 'char ::= [^"\\\\]'
_STRICT_CHAR = 'char ::= [^"\\\\\\x00-\\x1F]'

_QUOTE = '"\\""'
_CLOSE = ' "\\"" space'
_cache: dict[str, LlamaGrammar] = {}


def gbnf_for(schema: Mapping[str, Any]) -> str:
    """The GBNF text for a JSON schema, with control characters excluded from strings and
    bounded strings rewritten so that matching them stays cheap (see `_bounded_string`)."""
    text = json_schema_to_gbnf(json.dumps(schema, sort_keys=True))
    if _LOOSE_CHAR not in text:
        raise ValueError("unexpected grammar from json_schema_to_gbnf: no char rule to tighten")
    lines = []
    for line in text.replace(_LOOSE_CHAR, _STRICT_CHAR, 1).splitlines():
        name, sep, rhs = line.partition(" ::= ")
        if sep and rhs.startswith(_QUOTE + " ") and rhs.endswith(_CLOSE) and "(char" in rhs:
            body = rhs[len(_QUOTE) + 1 : -len(_CLOSE)]
            total = body.count("char")
            required = len(body.split("(", 1)[0].split())
            line = f"{name} ::= {_bounded_string(required, total)}"
        lines.append(line)
    lines.append(f"char10 ::= {' '.join(['char'] * 10)}")
    return "\n".join(lines) + "\n"


def _nested(item: str, count: int) -> str:
    """`(item (item (...)?)?)?`: up to `count` items, one parse per length."""
    expr = ""
    for _ in range(count):
        expr = f"({item}{' ' + expr if expr else ''})?"
    return expr


def _bounded_string(required: int, most: int) -> str:
    """A JSON string of `required` to about `most` characters whose parse stays shallow.

    The converter nests one optional group per allowed character, so the grammar stack grows to
    `most` levels and every candidate token costs time in proportion: a 200-character string took
    seconds per field. Here the optional part is whole groups of ten characters followed by at most
    nine more: at most about most/10 + 9 levels, still one parse per length. The longest accepted
    string may be up to nine characters shorter than `most`.
    """
    spare = most - required
    tens = max(0, (spare - 9) // 10) if spare >= 10 else 0
    rest = 9 if tens else spare
    parts = [_QUOTE, *(["char"] * required), _nested("char10", tens), _nested("char", rest)]
    return " ".join(p for p in parts if p) + _CLOSE


def grammar_for(schema: Mapping[str, Any]) -> LlamaGrammar:
    """A compiled grammar for the schema (cached: compiling is not free)."""
    key = json.dumps(schema, sort_keys=True)
    if key not in _cache:
        _cache[key] = LlamaGrammar.from_string(gbnf_for(schema), verbose=False)
    return _cache[key]


def parse_output(text: str, schema: Mapping[str, Any], finish_reason: str | None) -> Any:
    """Parse and validate a constrained generation; a clear error if it was cut off."""
    if finish_reason == "length":
        raise ModelOutputError(
            "the model's answer was cut off before it was complete; "
            "the operation's schema needs tighter limits"
        )
    try:
        value = _valid_unicode(json.loads(text))
        jsonschema.validate(value, schema)
    except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
        raise ModelOutputError(f"the model's answer did not match its schema: {exc}") from None
    return value


def _valid_unicode(value: Any) -> Any:
    """The value with lone surrogates (legal as JSON \\u escapes, not as text) replaced."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_valid_unicode(v) for v in value]
    if isinstance(value, dict):
        return {_valid_unicode(k): _valid_unicode(v) for k, v in value.items()}
    return value

"""JSON schemas of the structured memory operations (extract, update, answer, consolidate).

The domain owns what each operation must return; `models/` turns a schema into a grammar so a
model's output always parses and validates. Every array and string is bounded, because a grammar
cannot stop a generation at `max_tokens` and a cut-off output is not JSON. No string has a
minLength: invalid UTF-8 from byte-fallback tokens is dropped when decoding, which can only
shorten a string; the pipeline judges whether a text is long enough to keep.
"""

from __future__ import annotations

from typing import Any

from core.memory import MemoryType
from core.ports import OPERATIONS

MEMORY_TYPES = [t.value for t in MemoryType]
# Small integer ids as enums: llama.cpp's schema-to-grammar converter does not enforce
# minimum/maximum on integers, but an enum becomes a closed set of alternatives.
SHORT_IDS = list(range(40))

EXTRACT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "memories": {
            "type": "array",
            "maxItems": 16,
            "items": {
                "type": "object",
                "properties": {
                    "type": {"enum": MEMORY_TYPES},
                    "text": {"type": "string", "maxLength": 160},
                    "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "entities": {
                        "type": "array",
                        "maxItems": 4,
                        "items": {"type": "string", "maxLength": 24},
                    },
                    "place": {"type": "string", "maxLength": 40},
                    "quantity": {"type": "string", "maxLength": 24},
                    "source": {"enum": SHORT_IDS},
                },
                "required": ["type", "text", "source"],
            },
        }
    },
    "required": ["memories"],
}

UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {"enum": ["ADD", "UPDATE", "DELETE", "NOOP"]},
        "target": {"enum": SHORT_IDS},
        "text": {"type": "string", "maxLength": 200},
        "reason": {"type": "string", "maxLength": 160},
    },
    "required": ["decision", "reason"],
}

ANSWER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "maxLength": 600},
        "citations": {
            "type": "array",
            "maxItems": 8,
            "items": {"enum": SHORT_IDS},
        },
        "confidence": {"enum": ["high", "medium", "low", "none"]},
    },
    "required": ["answer", "citations", "confidence"],
}

CONSOLIDATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "maxLength": 300},
        "type": {"enum": MEMORY_TYPES},
    },
    "required": ["text", "type"],
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "extract": EXTRACT,
    "update": UPDATE,
    "answer": ANSWER,
    "consolidate": CONSOLIDATE,
}
assert tuple(SCHEMAS) == OPERATIONS

"""Counting what the model costs: calls and tokens per operation.

The pipeline talks to the model only through `MeteredLLM`, which forwards to the real `LLM` port
and counts calls, prompt tokens and output tokens per operation, so the CLI, the GUI and the
quality benchmark can report model cost per observation without timing anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.ports import LLM


@dataclass
class Usage:
    """Model calls and tokens, per operation."""

    calls: dict[str, int] = field(default_factory=dict)
    prompt_tokens: dict[str, int] = field(default_factory=dict)
    output_tokens: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def add(self, operation: str, prompt: int, output: int) -> None:
        self.calls[operation] = self.calls.get(operation, 0) + 1
        self.prompt_tokens[operation] = self.prompt_tokens.get(operation, 0) + prompt
        self.output_tokens[operation] = self.output_tokens.get(operation, 0) + output

    def fail(self, operation: str) -> None:
        self.failures[operation] = self.failures.get(operation, 0) + 1

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_tokens(self) -> int:
        return sum(self.prompt_tokens.values()) + sum(self.output_tokens.values())


class MeteredLLM:
    """An `LLM` that counts its calls and tokens into a `Usage`."""

    def __init__(self, llm: LLM, usage: Usage | None = None) -> None:
        self.llm = llm
        self.usage = usage or Usage()

    def run(self, operation: str, prompt: str, schema: Mapping[str, Any]) -> Any:
        try:
            value = self.llm.run(operation, prompt, schema)
        except Exception:
            self.usage.fail(operation)
            raise
        output = self.llm.count_tokens(json.dumps(value, ensure_ascii=False))
        self.usage.add(operation, self.llm.count_tokens(prompt), output)
        return value

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)

    def input_budget(self, operation: str) -> int:
        return self.llm.input_budget(operation)

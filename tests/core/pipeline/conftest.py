"""A scripted LLM (the `fake_llm` fixture) and helpers for pipeline tests."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from core.memory import Observation
from core.pipeline.rules import SpeakerRoles

LISBON = ZoneInfo("Europe/Lisbon")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=LISBON)  # a Monday
ROLES = SpeakerRoles.of(["me"], ["mnemo"])
Reply = Any | Callable[[str], Any]


@dataclass
class FakeLLM:
    """Replies scripted per operation (a value, or a function of the prompt); records prompts.

    Every scripted reply is checked against the operation's schema, as the real grammar would
    guarantee, so a test cannot feed the pipeline output a real model could never produce.
    """

    budget: int = 2000
    replies: dict[str, deque[Reply]] = field(default_factory=dict)
    default: dict[str, Reply] = field(default_factory=dict)
    prompts: list[tuple[str, str]] = field(default_factory=list)

    def enqueue(self, operation: str, *replies: Reply) -> None:
        self.replies.setdefault(operation, deque()).extend(replies)

    def run(self, operation: str, prompt: str, schema: Mapping[str, Any]) -> Any:
        self.prompts.append((operation, prompt))
        queue = self.replies.get(operation)
        if queue:
            reply = queue.popleft()
        elif operation in self.default:
            reply = self.default[operation]
        else:
            raise AssertionError(f"no scripted reply for {operation}")
        value = reply(prompt) if callable(reply) else reply
        jsonschema.validate(value, schema)
        return value

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def input_budget(self, operation: str) -> int:
        return self.budget

    def calls(self, operation: str) -> int:
        return sum(1 for op, _ in self.prompts if op == operation)


def echo(memory_type: str) -> Callable[[str], dict[str, Any]]:
    """A gullible extraction model: every fenced observation becomes one memory, as written."""

    def reply(prompt: str) -> dict[str, Any]:
        items = []
        for line in prompt.splitlines():
            match = re.match(r"\[(\d+)\] [^|]+\|[^|]+\| (.*)$", line)
            if match:
                text = match.group(2)[:160]
                items.append({"type": memory_type, "text": text, "source": int(match.group(1))})
        return {"memories": items[:16]}

    return reply


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()


def said(text: str, days: float = 0, speaker: str = "me", **extra: Any) -> Observation:
    """A chat turn `days` after T0."""
    return Observation(
        source="chat",
        time=T0 + timedelta(days=days),
        text=text,
        trust=ROLES.trust(speaker),
        speaker=speaker,
        **extra,
    )


def seen(text: str, days: float = 0, app: str = "firefox", window: str = "Page") -> Observation:
    """A screen segment `days` after T0."""
    return Observation(
        source="screen", time=T0 + timedelta(days=days), text=text, trust="screen", app=app,
        window=window,
    )  # fmt: skip

"""Ports: the interfaces `core` needs from the outside world.

`core` never imports a model runtime, the OS keyring or a GUI toolkit. It states what it needs as
Protocols here; `models/` and `app/` implement them, and each entry point wires the concrete objects.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]

# The memory operations a model runs, each with its own adapter and output schema.
OPERATIONS = ("extract", "update", "answer", "consolidate")


@dataclass(frozen=True)
class EmbedderIdentity:
    """What makes two embedders' vectors comparable: name, dimension and a hash of the weights/config."""

    name: str
    dim: int
    config_hash: str

    @property
    def key(self) -> str:
        """Short stable key used to name the embedder's vector table."""
        raw = f"{self.name}|{self.dim}|{self.config_hash}".encode()
        return hashlib.sha256(raw).hexdigest()[:12]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    @property
    def identity(self) -> EmbedderIdentity: ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Return an array of shape (len(texts), dim), each row L2-normalised."""
        ...


@runtime_checkable
class LLM(Protocol):
    """Runs one memory operation (extract, update, answer, consolidate) and returns schema-valid JSON."""

    def run(self, operation: str, prompt: str, schema: Mapping[str, Any]) -> Any: ...

    def count_tokens(self, text: str) -> int:
        """How many tokens `text` costs in a prompt."""
        ...

    def input_budget(self, operation: str) -> int:
        """Tokens left for an operation's prompt once its instructions and output are reserved."""
        ...


@runtime_checkable
class StreamingLLM(LLM, Protocol):
    """An `LLM` that can also hand over its output text as it is generated, and be cancelled."""

    def run_streaming(
        self,
        operation: str,
        prompt: str,
        schema: Mapping[str, Any],
        on_token: Callable[[str], None],
        cancel: threading.Event | None = None,
    ) -> Any:
        """`run`, handing each generated piece of JSON text to `on_token`; `cancel` stops it."""
        ...


class Clock(Protocol):
    """Source of the current time (tz-aware); tests inject a fixed one."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Keyring(Protocol):
    """The slice of the OS keyring Mnemo uses."""

    def get_password(self, service: str, username: str) -> str | None: ...

    def set_password(self, service: str, username: str, password: str) -> None: ...

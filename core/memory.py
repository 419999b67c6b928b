"""The typed memory model: Observation, Memory (our MemCube) and Link.

An Observation is one raw thing seen (a chat turn, a screen segment, an imported record). A Memory
is a typed, dated, sourced statement distilled from observations. Memories are bi-temporal, as in
Graphiti: `valid_from`/`valid_to` say when the fact holds in the world, `recorded_at`/`superseded_at`
say when Mnemo learned it and when a newer version replaced it. A memory is never overwritten: a
change appends a new version whose `supersedes` points at the old one, and the old one gets
`superseded_at`. `content_hash` is the hash of the normalised text, used to dedupe and to avoid
embedding the same text twice.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class MemoryType(StrEnum):
    """What kind of knowledge a memory holds (MIRIX's six types)."""

    CORE = "core"  # lasting facts about the user: name, preferences, relationships
    EPISODIC = "episodic"  # something that happened at a time
    SEMANTIC = "semantic"  # a general fact about the world or a person
    PROCEDURAL = "procedural"  # how to do something
    RESOURCE = "resource"  # a document, link, file or other pointer
    VAULT = "vault"  # a secret the user keeps: never sent to a model, shown only on reveal


class Source(StrEnum):
    """Where an observation came from."""

    CHAT = "chat"
    SCREEN = "screen"
    IMPORT = "import"


class Trust(StrEnum):
    """How far an observation's text may be believed; only `user` text is fully trusted."""

    USER = "user"
    ASSISTANT = "assistant"
    SCREEN = "screen"
    IMPORT = "import"


class Tier(StrEnum):
    """Hot memories are searched by default; cold (faded) ones only on request."""

    HOT = "hot"
    COLD = "cold"


class Status(StrEnum):
    """Lifecycle state of a memory version."""

    ACTIVE = "active"
    QUARANTINED = "quarantined"
    DELETED = "deleted-by-user"


class LinkKind(StrEnum):
    """Typed edges between memories."""

    RELATED = "related"
    SAME_ENTITY = "same-entity"
    FOLLOWS = "follows"
    MERGED_INTO = "merged-into"
    CONTRADICTS = "contradicts"
    SUMMARIZES = "summarizes"


_uuid7_lock = threading.Lock()
_uuid7_last = 0


def uuid7() -> str:
    """Return a new RFC 9562 UUIDv7 string; ids made in one process sort in creation order."""
    global _uuid7_last
    with _uuid7_lock:
        ms = time.time_ns() // 1_000_000
        # 48-bit ms timestamp, then 12 bits of sub-ms counter so ids are monotonic in-process.
        candidate = ms << 12
        if candidate <= _uuid7_last:
            candidate = _uuid7_last + 1
        _uuid7_last = candidate
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (
        ((candidate >> 12) << 80) | (0x7 << 76) | ((candidate & 0xFFF) << 64) | (0b10 << 62) | rand
    )
    return str(uuid.UUID(int=value))


_PUNCT_RE = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Fold case, accents, punctuation and whitespace so trivially different texts compare equal."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _PUNCT_RE.sub(" ", folded)
    return _SPACE_RE.sub(" ", folded).strip()


def content_hash(text: str) -> str:
    """Hash of the normalised text: two memories with the same hash say the same thing."""
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


def utcnow() -> datetime:
    """The current time, tz-aware UTC."""
    return datetime.now(UTC)


def require_aware(value: datetime, name: str) -> datetime:
    """Refuse naive datetimes: every time in Mnemo carries its offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


@dataclass
class Observation:
    """One raw thing seen: a chat turn, a screen segment or an imported record."""

    source: Source
    time: datetime
    text: str
    trust: Trust
    external_id: str | None = None
    speaker: str | None = None
    session: str | None = None
    app: str | None = None
    window: str | None = None
    url: str | None = None
    frame_path: str | None = None
    id: str = field(default_factory=uuid7)

    def __post_init__(self) -> None:
        self.source = Source(self.source)
        self.trust = Trust(self.trust)
        require_aware(self.time, "Observation.time")


@dataclass
class Memory:
    """A typed, dated, sourced statement; one version in a chain of versions."""

    type: MemoryType
    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    recorded_at: datetime = field(default_factory=utcnow)
    superseded_at: datetime | None = None
    sources: list[str] = field(default_factory=list)
    version: int = 1
    supersedes: str | None = None
    importance: float = 0.5
    strength: float = 1.0
    last_recalled_at: datetime | None = None
    recall_count: int = 0
    tier: Tier = Tier.HOT
    status: Status = Status.ACTIVE
    content_hash: str = ""
    pinned: bool = False  # the user keeps it: it never fades
    id: str = field(default_factory=uuid7)

    def __post_init__(self) -> None:
        self.type = MemoryType(self.type)
        self.tier = Tier(self.tier)
        self.status = Status(self.status)
        if not self.content_hash:
            self.content_hash = content_hash(self.text)
        for name in ("valid_from", "valid_to", "recorded_at", "superseded_at", "last_recalled_at"):
            value = getattr(self, name)
            if value is not None:
                require_aware(value, f"Memory.{name}")
        if not 0.0 <= self.importance <= 1.0:
            raise ValueError("Memory.importance must be within [0, 1]")

    @property
    def is_current(self) -> bool:
        """True for the live head of a version chain."""
        return self.superseded_at is None and self.status is Status.ACTIVE


class Action(StrEnum):
    """What the update step (or the user) did with a candidate memory."""

    ADD = "ADD"  # a new memory
    UPDATE = "UPDATE"  # a new version that supersedes the target
    DELETE = "DELETE"  # the target no longer holds: valid_to set, superseded, not erased
    NOOP = "NOOP"  # already known: the candidate's sources join the target
    APPROVE = "APPROVE"  # the user released a quarantined memory


@dataclass
class Decision:
    """One logged decision about a candidate memory, with its reason."""

    action: Action
    reason: str
    candidate: str
    decided_by: str = "rules"  # "rules" | "model" | "user"
    target_id: str | None = None
    result_id: str | None = None
    observations: list[str] = field(default_factory=list)
    time: datetime = field(default_factory=utcnow)
    id: str = field(default_factory=uuid7)

    def __post_init__(self) -> None:
        self.action = Action(self.action)
        require_aware(self.time, "Decision.time")


@dataclass
class Link:
    """A typed, weighted edge between two memories, with who made it."""

    src: str
    dst: str
    kind: LinkKind
    weight: float = 1.0
    created_by: str = "user"
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.kind = LinkKind(self.kind)

"""Retrieval quality on a small hand-labelled set: recall@k and MRR per ranking.

The set lives in `tests/data/recall/`: `chats.jsonl` is a few weeks of hand-written chat (the user,
the assistant, colleagues and friends), `questions.jsonl` holds questions with the ids of the chat
lines that answer them. A hit counts as relevant when any of its memory's sources is one of those
lines (a memory's sources are observation ids; the observation's `external_id` is the line id).

Used by `tests/core/test_retrieval_quality.py` and by `bench/recall_eval.py`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.chats import ImportReport, import_chats
from core.pipeline.rules import SpeakerRoles
from core.retrieval import Hit, Retriever
from core.settings import RetrievalSettings
from core.store import Store
from models.embedders import HashingEmbedder

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "recall"
CHATS = DATA_DIR / "chats.jsonl"
QUESTIONS = DATA_DIR / "questions.jsonl"
ROLES = SpeakerRoles.of(["user"], ["assistant"])
# "Now" for the recency prior: two days after the last chat line, so runs are reproducible.
NOW = datetime(2026, 4, 12, 12, 0, tzinfo=UTC)
CUTOFFS = (1, 5, 10)
DEPTH = max(CUTOFFS)


def _only(kept: str) -> RetrievalSettings:
    """Settings that give every ranking but `kept` a weight of zero."""
    weights = {"bm25_weight": 0.0, "vector_weight": 0.0, "prior_weight": 0.0, "link_weight": 0.0}
    weights[f"{kept}_weight"] = 1.0
    return RetrievalSettings(**weights)


# name -> (settings, the breakdown key a hit must carry to belong to that ranking, or None)
RANKINGS: dict[str, tuple[RetrievalSettings, str | None]] = {
    "hybrid": (RetrievalSettings(), None),
    "bm25": (_only("bm25"), "bm25"),
    "vector": (_only("vector"), "vector"),
}


class FixedClock:
    """A clock that always says `NOW`."""

    def __init__(self, now: datetime = NOW) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


@dataclass(frozen=True)
class Question:
    id: str
    query: str
    answers: frozenset[str]


@dataclass
class Result:
    """Per-question first relevant rank (None if not in the top `DEPTH`) for one ranking."""

    name: str
    first_rank: dict[str, int | None] = field(default_factory=dict)

    def recall(self, k: int) -> float:
        ranks = self.first_rank.values()
        return sum(1 for r in ranks if r is not None and r <= k) / max(1, len(self.first_rank))

    @property
    def mrr(self) -> float:
        ranks = self.first_rank.values()
        return sum(1.0 / r for r in ranks if r is not None) / max(1, len(self.first_rank))

    def misses(self, k: int) -> list[str]:
        return [q for q, r in self.first_rank.items() if r is None or r > k]

    def as_dict(self) -> dict[str, float]:
        row = {f"recall@{k}": self.recall(k) for k in CUTOFFS}
        row["mrr"] = self.mrr
        return row


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    questions = []
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            if raw.strip():
                obj = json.loads(raw)
                questions.append(Question(obj["id"], obj["query"], frozenset(obj["answers"])))
    return questions


def chat_line_ids(path: Path = CHATS) -> set[str]:
    with path.open(encoding="utf-8") as handle:
        return {json.loads(raw)["id"] for raw in handle if raw.strip()}


def build_store(db_path: Path, chats: Path = CHATS) -> tuple[Store, ImportReport]:
    """A fresh encrypted store at `db_path` holding the imported chats."""
    store = Store.open(
        db_path, key=os.urandom(32), embedder=HashingEmbedder(), create=True, cache_mb=32
    )
    try:
        report = import_chats(store, chats, ROLES)
    except BaseException:
        store.close()
        raise
    return store, report


class SourceLines:
    """Maps memories to the chat line ids they were extracted from (cached per observation)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, str | None] = {}

    def of(self, hit: Hit) -> set[str]:
        missing = [o for o in hit.memory.sources if o not in self._cache]
        if missing:
            found = self.store.observations(missing)
            for oid in missing:
                self._cache[oid] = found[oid].external_id if oid in found else None
        return {line for o in hit.memory.sources if (line := self._cache[o]) is not None}


def ranked_lines(
    retriever: Retriever, lines: SourceLines, query: str, only: str | None
) -> list[set[str]]:
    """Source line ids of the top `DEPTH` hits, best first.

    A ranking with weight zero still contributes candidates (scored 0) to the fusion, so for a
    single-ranking run the hits that ranking did not find are dropped.
    """
    hits = retriever.search(query, k=DEPTH)
    if only is not None:
        hits = [h for h in hits if only in h.breakdown]
    return [lines.of(h) for h in hits[:DEPTH]]


def evaluate(
    store: Store, questions: Sequence[Question], names: Sequence[str] = tuple(RANKINGS)
) -> dict[str, Result]:
    """Run every question through each named ranking and record the first relevant rank."""
    lines = SourceLines(store)
    results: dict[str, Result] = {}
    for name in names:
        settings, only = RANKINGS[name]
        retriever = Retriever(store, settings, FixedClock())
        result = Result(name)
        for q in questions:
            ranked = ranked_lines(retriever, lines, q.query, only)
            result.first_rank[q.id] = next(
                (rank for rank, src in enumerate(ranked, start=1) if src & q.answers), None
            )
        results[name] = result
    return results


def format_table(results: dict[str, Result], n_questions: int) -> str:
    head = f"{'ranking':<8}" + "".join(f"{f'recall@{k}':>11}" for k in CUTOFFS) + f"{'MRR':>8}"
    rows = [f"retrieval quality on {n_questions} questions", head]
    for name, res in results.items():
        cells = "".join(f"{res.recall(k):>11.3f}" for k in CUTOFFS)
        rows.append(f"{name:<8}{cells}{res.mrr:>8.3f}")
    return "\n".join(rows)


def run(db_path: Path) -> tuple[dict[str, Result], list[Question]]:
    """Build a store at `db_path`, evaluate every ranking, close the store."""
    questions = load_questions()
    store, _ = build_store(db_path)
    try:
        return evaluate(store, questions), questions
    finally:
        store.close()

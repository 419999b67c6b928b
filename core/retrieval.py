"""Hybrid retrieval: full text, vectors, a recency/strength prior and one hop along links.

Four rankings are fused by weighted reciprocal rank (score = sum of weight / (k + rank)):
1. FTS5 BM25 over the memory text (query stopwords dropped, terms OR-ed, porter-stemmed);
2. sqlite-vec KNN of the query's embedding, with the filters applied inside the index;
3. a prior that prefers recent, strong, important memories, ranking the candidates of 1 and 2;
4. memories linked to the best fused hits, ranked by their anchor's rank and the link's weight.
Rank fusion needs no score calibration between BM25 and cosine distance, and a memory found by
several rankings rises. Every hit carries its breakdown (rank and raw score per ranking) so the
user, and tests, can see why it was returned. Superseded and cold memories are excluded unless
the filter asks for them; quarantined and forgotten ones never appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from core.memory import Memory
from core.ports import Clock, SystemClock
from core.settings import RetrievalSettings
from core.store import MemoryFilter, Store
from core.text import STOPWORDS, tokenize

MAX_CANDIDATES = 4096  # sqlite-vec's largest k


@dataclass
class Hit:
    """One search result with the reasons it was returned."""

    memory: Memory
    score: float
    breakdown: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"memory_id": self.memory.id, "score": self.score, "breakdown": self.breakdown}


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression: the query's content words, quoted, OR-ed; None if there are none.

    A query of stopwords alone ("who was it?") would match most of the store at full BM25 cost
    and rank nothing useful; the vector ranking handles it alone.
    """
    words = [t for t in tokenize(text) if t not in STOPWORDS]
    unique = list(dict.fromkeys(words))  # tokens are letters and digits: safe inside quotes
    if not unique:
        return None
    return " OR ".join(f'"{w}"' for w in unique)


class Retriever:
    """Runs hybrid searches against one store."""

    def __init__(
        self, store: Store, settings: RetrievalSettings | None = None, clock: Clock | None = None
    ) -> None:
        self.store = store
        self.settings = settings or RetrievalSettings()
        self.clock = clock or SystemClock()

    def search(self, query: str, k: int = 10, filt: MemoryFilter | None = None) -> list[Hit]:
        """The `k` best memories for `query` under `filt`, best first."""
        if k <= 0:
            return []
        with self.store.read():
            return self._search(query, k, filt or MemoryFilter())

    def _search(self, query: str, k: int, filt: MemoryFilter) -> list[Hit]:
        cfg = self.settings
        limit = min(max(cfg.candidates, k), MAX_CANDIDATES)
        lists: dict[str, list[tuple[int, float]]] = {}

        vector = self.store.embedder.embed([query])[0]
        knn = None
        if cfg.vector_weight > 0 and float(np.linalg.norm(vector)) > 0:
            knn = self.store.nearest_async(vector, filt, limit)  # overlaps the full-text search
        match = fts_query(query)
        if match is not None and cfg.bm25_weight > 0:
            lists["bm25"] = self.store.fulltext(match, filt, limit)
        if knn is not None:
            lists["vector"] = [
                (rowid, distance)
                for rowid, distance in knn.result()
                if distance <= cfg.vector_max_distance
            ]

        candidates = {rowid for ranked in lists.values() for rowid, _ in ranked}
        memories = self.store.memories_by_rowid(sorted(candidates))
        lists["prior"] = self._prior_ranking(memories)

        weights = {
            "bm25": cfg.bm25_weight,
            "vector": cfg.vector_weight,
            "prior": cfg.prior_weight,
            "link": cfg.link_weight,
        }
        fused = self._fuse(lists, weights)
        anchors = sorted(fused, key=lambda r: -fused[r][0])[: cfg.link_hop_from]
        linked = self._link_ranking(anchors, memories, filt)
        if linked:
            lists["link"] = [(rowid, weight) for rowid, weight, _ in linked]
            memories.update(self.store.memories_by_rowid([r for r, _, _ in linked]))
            fused = self._fuse(lists, weights)

        via = {rowid: anchor for rowid, _, anchor in linked}
        ordered = sorted(fused, key=lambda r: (-fused[r][0], r))[:k]
        hits = []
        for rowid in ordered:
            total, parts = fused[rowid]
            if rowid in via and "link" in parts:
                parts["link"]["from"] = via[rowid]
            hits.append(Hit(memories[rowid], total, parts))
        return hits

    def _prior_ranking(self, memories: dict[int, Memory]) -> list[tuple[int, float]]:
        now = self.clock.now()
        half_life = max(self.settings.recency_half_life_days, 1e-6)
        scored = []
        for rowid, memory in memories.items():
            scored.append((rowid, prior(memory, now, half_life)))
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored

    def _link_ranking(
        self, anchors: list[int], memories: dict[int, Memory], filt: MemoryFilter
    ) -> list[tuple[int, float, str]]:
        """(rowid, link weight, anchor memory id) for memories one hop from the anchors."""
        if not anchors:
            return []
        anchor_ids = [memories[r].id for r in anchors]
        order = {mid: i for i, mid in enumerate(anchor_ids)}
        best: dict[str, tuple[int, float, str]] = {}
        for link in self.store.links_of(anchor_ids):
            for here, there in ((link.src, link.dst), (link.dst, link.src)):
                if here in order and there not in order:
                    key = (order[here], -link.weight)
                    if there not in best or key < (best[there][0], -best[there][1]):
                        best[there] = (order[here], link.weight, here)
        if not best:
            return []
        allowed = self.store.passing("id", list(best), filt)
        ranked = sorted(
            ((allowed[mid], info) for mid, info in best.items() if mid in allowed),
            key=lambda item: (item[1][0], -item[1][1], item[0]),
        )
        return [(rowid, info[1], info[2]) for rowid, info in ranked]

    def _fuse(
        self, lists: dict[str, list[tuple[int, float]]], weights: dict[str, float]
    ) -> dict[int, tuple[float, dict[str, dict[str, Any]]]]:
        k = self.settings.rrf_k
        fused: dict[int, tuple[float, dict[str, dict[str, Any]]]] = {}
        for name, ranked in lists.items():
            weight = weights[name]
            if weight <= 0:  # a ranking switched off in settings neither adds nor reorders hits
                continue
            for rank, (rowid, raw) in enumerate(ranked, start=1):
                contribution = weight / (k + rank)
                total, parts = fused.get(rowid, (0.0, {}))
                parts[name] = {"rank": rank, "raw": round(raw, 6), "contribution": contribution}
                fused[rowid] = (total + contribution, parts)
        # The prior alone never makes a hit: it only reorders what text or vectors found.
        return {r: v for r, v in fused.items() if set(v[1]) != {"prior"}}


def prior(memory: Memory, now: datetime, half_life_days: float) -> float:
    """Recency (halving every `half_life_days`) scaled by strength and importance, in [0, 1]."""
    event = memory.valid_from or memory.recorded_at
    age_days = max(0.0, (now - event).total_seconds() / 86400.0)
    recency = 0.5 ** (age_days / half_life_days)
    return float(recency * (0.5 + 0.5 * memory.strength) * (0.5 + 0.5 * memory.importance))

"""Nearest neighbours for the sleep job, for many memories at once.

Search (`Store.nearest`) asks sqlite-vec for one query's neighbours, which is right for a question
but scans every vector each time: asking it for each of 100k new memories costs n^2. The sleep job
instead reads the current vectors out of sqlite-vec once and builds a FAISS index over them in
memory for the run (exact below `EXACT_UP_TO` vectors, an inverted-file index with a fixed
training seed above), so finding every memory's neighbours grows about linearly with the store.
The index lives only in this process's memory and is never written anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import faiss
import numpy as np
import numpy.typing as npt

from core.store import Store

EXACT_UP_TO = 5_000  # below this many vectors, exact search is as fast as any index
CELL = 96  # vectors per inverted-file cell on average
PROBES = 4  # cells searched per query
TRAIN_POINTS = 32  # training sample per cell (k-means on a sample: a fixed cost per cell)
TRAIN_SEED = 1234

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


class NeighbourIndex:
    """The current memories' vectors (rowid order), searchable by cosine similarity."""

    def __init__(self, rowids: IntArray, vectors: FloatArray) -> None:
        self.rowids = rowids
        self.position = {int(r): i for i, r in enumerate(rowids)}
        self.vectors = vectors
        dim = vectors.shape[1] if vectors.ndim == 2 else 1
        n = len(rowids)
        if n <= EXACT_UP_TO:
            self.index: faiss.Index = faiss.IndexFlatIP(dim)
        else:
            # A query costs `cells` distances to the centroids plus PROBES * CELL in the cells it
            # opens: cells of a fixed size keep the second (the larger part) constant.
            cells = max(1, n // CELL)
            quantizer = faiss.IndexFlatIP(dim)
            ivf = faiss.IndexIVFFlat(quantizer, dim, cells, faiss.METRIC_INNER_PRODUCT)
            ivf.cp.seed = TRAIN_SEED
            ivf.cp.max_points_per_centroid = TRAIN_POINTS
            ivf.cp.min_points_per_centroid = 1
            ivf.cp.niter = 10
            ivf.train(vectors)
            ivf.nprobe = PROBES
            self.index = ivf
            self._quantizer = quantizer  # the IVF index does not own it
        if n:
            self.index.add(vectors)

    @classmethod
    def of_store(cls, store: Store, upto_rowid: int) -> NeighbourIndex:
        """An index over the current, active memories (hot and cold, no vault) up to a rowid."""
        return cls(*store.current_vectors(upto_rowid))

    def __len__(self) -> int:
        return len(self.rowids)

    def search(self, query_rowids: Sequence[int], k: int) -> list[list[tuple[int, float]]]:
        """For each query memory (which must be in the index): up to `k` other memories as
        (rowid, cosine similarity), most similar first."""
        found: list[list[tuple[int, float]]] = [[] for _ in query_rowids]
        positions = [self.position.get(int(r), -1) for r in query_rowids]
        known = [i for i, p in enumerate(positions) if p >= 0]
        if not known or not len(self):
            return found
        queries = self.vectors[[positions[i] for i in known]]
        sims, ids = self.index.search(queries, min(k + 1, len(self)))
        for slot, i in enumerate(known):
            own = int(query_rowids[i])
            row = found[i]
            for sim, idx in zip(sims[slot], ids[slot], strict=True):
                if idx < 0:
                    continue
                rowid = int(self.rowids[idx])
                if rowid != own and len(row) < k:
                    row.append((rowid, float(sim)))
        return found

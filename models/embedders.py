"""Embedders behind the `Embedder` port.

`HashingEmbedder` needs no weights, so Mnemo searches by meaning-ish similarity from the first
launch: word unigrams and bigrams plus character n-grams of each word are mapped by signed feature
hashing (CRC32, stable across processes, unlike Python's `hash`) into a fixed number of buckets,
weighted by sublinear term frequency (stopwords count for little), and L2-normalised. Character
n-grams make "meeting" and "meetings" or a typo land close together; bigrams keep some word order.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from core.ports import EmbedderIdentity
from core.text import STOPWORDS, tokenize

_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("ly", ""), ("es", ""), ("s", ""))


def stem(word: str) -> str:
    """A light suffix strip ("meetings" -> "meet", "budgets" -> "budget") for word features."""
    for suffix, replacement in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    return word


class HashingEmbedder:
    """Signed feature hashing of words, word pairs and character n-grams; no weights needed."""

    VERSION = 2

    def __init__(
        self,
        dim: int = 256,
        char_ngrams: tuple[int, int] = (3, 5),
        bigram_weight: float = 0.6,
        char_weight: float = 0.8,
        stopword_weight: float = 0.1,
    ) -> None:
        if dim < 16:
            raise ValueError("dim must be at least 16")
        self.dim = dim
        self.char_ngrams = char_ngrams
        self.bigram_weight = bigram_weight
        self.char_weight = char_weight
        self.stopword_weight = stopword_weight
        config = (
            f"v{self.VERSION}|{dim}|{char_ngrams}|{bigram_weight}|{char_weight}|{stopword_weight}"
        )
        self._identity = EmbedderIdentity(
            name=f"hashing-{dim}",
            dim=dim,
            config_hash=hashlib.sha256(config.encode()).hexdigest()[:16],
        )

    @property
    def identity(self) -> EmbedderIdentity:
        return self._identity

    def features(self, text: str) -> dict[str, float]:
        """Weighted features of one text (exposed for tests and debugging)."""
        feats: dict[str, float] = {}
        tokens = tokenize(text)
        lo, hi = self.char_ngrams
        for tok in tokens:
            stop = tok in STOPWORDS
            word = "w:" + (tok if stop else stem(tok))
            feats[word] = feats.get(word, 0.0) + (self.stopword_weight if stop else 1.0)
            if stop or len(tok) < lo:
                continue
            padded = f"<{tok}>"
            grams = [
                padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)
            ]
            share = self.char_weight / math.sqrt(max(1, len(grams)))  # word's grams: norm ~ weight
            for gram in grams:
                feats["c:" + gram] = feats.get("c:" + gram, 0.0) + share
        content = [stem(t) for t in tokens if t not in STOPWORDS]
        for a, b in itertools.pairwise(content):
            feats[f"b:{a}|{b}"] = feats.get(f"b:{a}|{b}", 0.0) + self.bigram_weight
        return feats

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, text in enumerate(texts):
            for feat, weight in self.features(text).items():
                h = zlib.crc32(feat.encode("utf-8"))
                rows.append(row)
                cols.append(h % self.dim)
                sign = 1.0 if (h >> 31) & 1 else -1.0
                vals.append(sign * (1.0 + math.log(weight) if weight > 1.0 else weight))
        if rows:
            np.add.at(out, (np.asarray(rows), np.asarray(cols)), np.asarray(vals, dtype=np.float32))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

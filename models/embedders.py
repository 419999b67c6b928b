"""Embedders behind the `Embedder` port.

`GGUFEmbedder` runs a GGUF embedding model (a BERT converted by `models.convert`) with llama.cpp:
mean pooling as the file says, normalised vectors, each text cut to the model's window (256 tokens
for MiniLM) so long texts do not drift; one text per decode (see `__init__`). Its identity hashes the file, so a
re-quantized model counts as another embedder and never shares a vector table with the original.

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
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.errors import ModelInvalidError
from core.ports import EmbedderIdentity
from core.text import STOPWORDS, stem, tokenize


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


class GGUFEmbedder:
    """A GGUF sentence-embedding model run by llama.cpp."""

    def __init__(self, path: Path, n_threads: int = 0, max_tokens: int = 256) -> None:
        import llama_cpp

        from models.adapters import model_sha256, read_gguf_header
        from models.runtime import default_threads, validate_gguf

        validate_gguf(path, "embedding model")
        header = read_gguf_header(path)
        arch = str(header.get("general.architecture", ""))
        if header.get(f"{arch}.pooling_type") is None:
            raise ModelInvalidError(f"{path.name} is not an embedding model (no pooling type)")
        context = int(header.get(f"{arch}.context_length", max_tokens))
        self.max_tokens = min(max_tokens, context)
        threads = n_threads or default_threads()
        # One text per decode: packing several sequences into one batch was measured slower for
        # BERT here (attention spans the whole packed batch): 130/s single vs 71/s packed by 16.
        try:
            self.llm = llama_cpp.Llama(
                model_path=str(path),
                embedding=True,
                n_ctx=self.max_tokens,
                n_batch=self.max_tokens,
                n_ubatch=self.max_tokens,  # a smaller ubatch aborts the process for embeddings
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        except ValueError as exc:
            raise ModelInvalidError(f"llama.cpp could not load {path.name}: {exc}") from None
        name = str(header.get("general.name") or path.stem)
        self._identity = EmbedderIdentity(
            name=f"gguf:{name}", dim=int(self.llm.n_embd()), config_hash=model_sha256(path)[:16]
        )

    @property
    def identity(self) -> EmbedderIdentity:
        return self._identity

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self._identity.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if text.strip():
                vector = self.llm.embed(self._fit(text), normalize=True, truncate=False)
                out[row] = np.asarray(vector, dtype=np.float32).reshape(-1)
        return out

    def _fit(self, text: str) -> str:
        """Cut a text to the model's own window (plus [CLS]/[SEP]), as the reference model does:
        a longer input would run past the positions the model was trained on."""
        limit = self.max_tokens - 2
        while (n := len(self.llm.tokenize(text.encode("utf-8"), add_bos=False))) > limit:
            text = text[: max(1, int(len(text) * limit / n * 0.95))]
        return text

    def close(self) -> None:
        self.llm.close()

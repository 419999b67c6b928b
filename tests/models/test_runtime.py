"""The llama.cpp runtime on the generated tiny model: generation, grammars, adapter hot swap."""

from __future__ import annotations

import threading
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from core.errors import CancelledError, ModelInvalidError, ModelMissingError
from core.files import sha256_file
from core.pipeline.schemas import EXTRACT
from core.ports import LLM
from models.adapters import AdapterEntry, Manifest
from models.runtime import LlamaRuntime
from models.tiny import TinySpec, write_adapter, write_base
from tests.models.conftest import TinyModels

PROMPT = "Remember: my dentist is Dr. Lee."


def test_loads_generates_and_counts_tokens(tiny_model: LlamaRuntime) -> None:
    assert isinstance(tiny_model, LLM)
    assert tiny_model.complete("Hello", max_tokens=5)
    assert tiny_model.count_tokens("abc") == 6  # byte vocab: "▁" prefix is 3 UTF-8 bytes, + 3


@pytest.mark.parametrize("seed", range(20))
def test_extraction_output_always_parses_and_validates(tiny_model: LlamaRuntime, seed: int) -> None:
    value = tiny_model.submit("extract", PROMPT, EXTRACT, seed=seed).result()
    jsonschema.validate(value, EXTRACT)
    assert isinstance(value["memories"], list)


def test_adapter_logits_equal_a_runtime_loaded_with_only_that_adapter(
    tiny_models: TinyModels, tiny_model: LlamaRuntime
) -> None:
    base = tiny_model.logits(PROMPT)  # no operation yet: base model
    tiny_model.switch("extract")
    with_a = tiny_model.logits(PROMPT)
    tiny_model.switch("answer")
    with_b = tiny_model.logits(PROMPT)
    tiny_model.switch(None)
    back = tiny_model.logits(PROMPT)

    only_a = tiny_models.runtime(tiny_models.manifest(extract=tiny_models.adapter_a))
    only_a.switch("extract")
    reference = only_a.logits(PROMPT)
    only_a.close()

    assert np.array_equal(with_a, reference)
    assert np.abs(with_a - base).max() > 1e-3 and np.abs(with_a - with_b).max() > 1e-3
    assert np.array_equal(back, base)


def test_no_stale_kv_cache_after_a_switch(
    tiny_models: TinyModels, tiny_model: LlamaRuntime
) -> None:
    tiny_model.switch("answer")
    tiny_model.greedy_tokens(PROMPT, 8)  # fills the cache under adapter B
    tiny_model.switch("extract")
    after_switch = tiny_model.greedy_tokens(PROMPT, 8)

    fresh = tiny_models.runtime(tiny_models.manifest(extract=tiny_models.adapter_a))
    fresh.switch("extract")
    expected = fresh.greedy_tokens(PROMPT, 8)
    fresh.close()
    assert after_switch == expected


def test_missing_adapter_runs_on_the_base_and_says_so(tiny_model: LlamaRuntime) -> None:
    status = {s.operation: s for s in tiny_model.adapter_status()}
    assert status["extract"].state == "loaded" and status["answer"].state == "loaded"
    assert status["update"].state == "none" and "base model" in status["update"].message


def refused(runtime: LlamaRuntime, op: str = "extract") -> str:
    status = {s.operation: s for s in runtime.adapter_status()}[op]
    assert status.state == "refused"
    return status.message


def test_adapter_for_another_base_is_refused(tiny_models: TinyModels, tmp_path: Path) -> None:
    other = write_base(tmp_path / "other.gguf", seed=99)
    foreign = write_adapter(tiny_models.folder / "foreign.gguf", 5, base_sha256=sha256_file(other))
    entry = AdapterEntry(foreign.name, sha256_file(foreign), sha256_file(other))
    with tiny_models.runtime(Manifest({"extract": entry})) as runtime:
        assert "made for another base model" in refused(runtime)
        assert runtime.complete("Hi", 3) is not None  # still runs, on the base


def test_adapter_with_other_shapes_is_refused(tiny_models: TinyModels) -> None:
    wide = TinySpec(n_embd=512, n_ff=1024)
    odd = write_adapter(tiny_models.folder / "odd.gguf", 6, spec=wide)
    entry = AdapterEntry(odd.name, sha256_file(odd), tiny_models.base_sha256)
    with tiny_models.runtime(Manifest({"extract": entry})) as runtime:
        assert "does not fit this base model" in refused(runtime)
        runtime.switch("extract")  # no crash: the refused adapter is never attached
        assert runtime.logits("x").shape == (259,)


def test_missing_and_corrupt_adapter_files_are_refused(tiny_models: TinyModels) -> None:
    corrupt = tiny_models.folder / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF" + b"\x00" * 64)
    manifest = Manifest(
        {
            "extract": AdapterEntry("gone.gguf", "0" * 64, tiny_models.base_sha256),
            "answer": AdapterEntry(corrupt.name, sha256_file(corrupt), tiny_models.base_sha256),
            "update": AdapterEntry(tiny_models.adapter_a.name, "f" * 64, tiny_models.base_sha256),
        }
    )
    with tiny_models.runtime(manifest) as runtime:
        assert "is missing" in refused(runtime, "extract")
        assert "not a readable GGUF file" in refused(runtime, "answer")
        assert "checksum mismatch" in refused(runtime, "update")


def test_bad_base_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="does not exist"):
        LlamaRuntime(tmp_path / "nope.gguf")
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    with pytest.raises(ModelInvalidError, match="not a GGUF model file"):
        LlamaRuntime(text)
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(write_base(tmp_path / "whole.gguf").read_bytes()[:5000])
    with pytest.raises(ModelInvalidError):
        LlamaRuntime(truncated)


def test_generation_can_be_cancelled(tiny_model: LlamaRuntime) -> None:
    cancel = threading.Event()
    seen: list[str] = []

    def on_token(piece: str) -> None:
        seen.append(piece)
        cancel.set()

    future = tiny_model.submit("extract", PROMPT, EXTRACT, cancel=cancel, on_token=on_token)
    with pytest.raises(CancelledError):
        future.result()
    assert len(seen) >= 1


def test_base_model_hash_is_computed_once_per_file_version(tmp_path: Path) -> None:
    from models.adapters import HASH_CACHE_NAME, model_sha256

    base = write_base(tmp_path / "b.gguf", seed=4)
    digest = model_sha256(base)
    assert digest == sha256_file(base)
    cache = (tmp_path / HASH_CACHE_NAME).read_text()
    assert digest in cache
    write_base(base, seed=5)  # a new version of the file: size/mtime change, hash recomputed
    assert model_sha256(base) == sha256_file(base) != digest

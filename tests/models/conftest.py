"""Fixtures for model tests: the generated tiny base model and adapters (no downloads)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.files import sha256_file
from models.adapters import AdapterEntry, Manifest
from models.runtime import LlamaRuntime, RuntimeConfig
from models.tiny import TinySpec, write_adapter, write_base


@dataclass
class TinyModels:
    folder: Path
    base: Path
    base_sha256: str
    adapter_a: Path
    adapter_b: Path

    def manifest(self, **ops: Path) -> Manifest:
        return Manifest(
            {
                op: AdapterEntry(path.name, sha256_file(path), self.base_sha256)
                for op, path in ops.items()
            }
        )

    def runtime(self, manifest: Manifest | None = None, **config: int) -> LlamaRuntime:
        cfg = RuntimeConfig(n_ctx=8192, n_threads=1, max_tokens=6000, **config)
        return LlamaRuntime(self.base, self.folder, cfg, manifest or Manifest(), self.base_sha256)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    folder = tmp_path_factory.mktemp("tiny")
    base = write_base(folder / "tiny-base.gguf", seed=1)
    digest = sha256_file(base)
    a = write_adapter(folder / "extract.gguf", seed=2, base_sha256=digest)
    b = write_adapter(folder / "answer.gguf", seed=3, base_sha256=digest)
    return TinyModels(folder, base, digest, a, b)


@pytest.fixture
def tiny_model(tiny_models: TinyModels) -> Iterator[LlamaRuntime]:
    """The tiny base with adapter A for `extract` and adapter B for `answer`."""
    runtime = tiny_models.runtime(
        tiny_models.manifest(extract=tiny_models.adapter_a, answer=tiny_models.adapter_b)
    )
    yield runtime
    runtime.close()


__all__ = ["TinyModels", "TinySpec"]

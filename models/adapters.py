"""Per-operation LoRA adapters, loaded once and switched on the live llama.cpp context.

A manifest (`adapters.json` in the models folder) maps each memory operation to a GGUF LoRA file
with its sha256, its scale and the sha256 of the base model it was trained for. Every adapter is
checked before llama.cpp sees it (file present, checksum, GGUF adapter header, same architecture,
made for this base), because llama.cpp's own failure is a NULL pointer that crashes the next
evaluation. Switching calls `llama_set_adapters_lora` on the context, never reloads the base, and
clears the KV cache: a prompt prefix cached under the previous adapter must not be reused.
An operation whose adapter is missing or refused runs on the base model, and its status says why.
"""

from __future__ import annotations

import ctypes
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gguf
import llama_cpp

from core.errors import ModelInvalidError
from core.files import sha256_file, write_atomic

MANIFEST_NAME = "adapters.json"
_ADAPTER_PTR = ctypes.POINTER(ctypes.c_void_p)


@dataclass
class AdapterEntry:
    """One operation's adapter as the manifest records it."""

    file: str
    sha256: str
    base_sha256: str
    scale: float = 1.0


@dataclass
class Manifest:
    """Which adapter serves which operation."""

    adapters: dict[str, AdapterEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, models_dir: Path) -> Manifest:
        path = models_dir / MANIFEST_NAME
        if not path.exists():
            return cls()
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return cls({op: AdapterEntry(**entry) for op, entry in raw["adapters"].items()})
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ModelInvalidError(f"the adapter manifest {path} is damaged: {exc}") from None

    def save(self, models_dir: Path) -> None:
        data = {"adapters": {op: asdict(entry) for op, entry in self.adapters.items()}}
        write_atomic(models_dir / MANIFEST_NAME, json.dumps(data, indent=2) + "\n", mode=0o644)


@dataclass
class AdapterStatus:
    """What happened to one operation's adapter: loaded, none, or refused (with why)."""

    operation: str
    state: str  # "loaded" | "none" | "refused"
    message: str
    file: str | None = None


HASH_CACHE_NAME = ".sha256-cache.json"


def model_sha256(path: Path) -> str:
    """sha256 of a model file, remembered per (size, mtime) in the folder's hash cache.

    Hashing a 1 GB base model takes seconds; every runtime start and `mnemo models status` needs
    the hash (adapters are matched to their base by it), so it is computed once per file version.
    """
    stat = path.stat()
    cache_path = path.parent / HASH_CACHE_NAME
    try:
        cache: dict[str, Any] = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    entry = cache.get(path.name)
    if (
        isinstance(entry, dict)
        and entry.get("size") == stat.st_size
        and (entry.get("mtime_ns") == stat.st_mtime_ns)
    ):
        return str(entry["sha256"])
    digest = sha256_file(path)
    cache[path.name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    try:
        write_atomic(cache_path, json.dumps(cache, indent=1) + "\n", mode=0o644)
    except OSError:
        pass  # a read-only models folder: hash again next time
    return digest


def read_gguf_header(path: Path) -> dict[str, Any]:
    """The string/number metadata of a GGUF file; ModelInvalidError if it is not one."""
    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as exc:  # the reader raises ValueError, struct.error, IndexError...
        raise ModelInvalidError(f"{path.name} is not a readable GGUF file ({exc})") from None
    fields: dict[str, Any] = {}
    for name, fld in reader.fields.items():
        try:
            fields[name] = fld.contents()
        except Exception:
            continue
    return fields


def check_adapter(path: Path, entry: AdapterEntry, base_sha256: str, base_arch: str) -> None:
    """Raise ModelInvalidError unless `path` is a LoRA adapter for this very base model."""
    if not path.is_file():
        raise ModelInvalidError(f"adapter file {path.name} is missing")
    if sha256_file(path) != entry.sha256:  # small files: checked fresh, damage included
        raise ModelInvalidError(f"adapter file {path.name} is damaged (checksum mismatch)")
    header = read_gguf_header(path)
    if header.get("general.type") != "adapter" or header.get("adapter.type") != "lora":
        raise ModelInvalidError(f"{path.name} is not a LoRA adapter")
    if header.get("general.architecture") != base_arch:
        raise ModelInvalidError(
            f"{path.name} is for the {header.get('general.architecture')} architecture, "
            f"not {base_arch}"
        )
    trained_for = header.get("mnemo.adapter.base_sha256", entry.base_sha256)
    if entry.base_sha256 != base_sha256 or trained_for != base_sha256:
        raise ModelInvalidError(
            f"adapter {path.name} was made for another base model; it was not loaded"
        )


class AdapterSet:
    """The adapters of one loaded base model, and which one is active on its context."""

    def __init__(
        self,
        model_ptr: Any,
        ctx_ptr: Any,
        manifest: Manifest,
        models_dir: Path,
        base_sha256: str,
        base_arch: str,
        operations: tuple[str, ...],
    ) -> None:
        self._ctx = ctx_ptr
        self._loaded: dict[str, tuple[Any, float]] = {}
        self.status: dict[str, AdapterStatus] = {}
        self.active: str | None = None
        for op in operations:
            entry = manifest.adapters.get(op)
            if entry is None:
                self.status[op] = AdapterStatus(op, "none", "no adapter: runs on the base model")
                continue
            path = models_dir / entry.file
            try:
                check_adapter(path, entry, base_sha256, base_arch)
                pointer = llama_cpp.llama_adapter_lora_init(model_ptr, str(path).encode())
                if not pointer:
                    raise ModelInvalidError(f"{path.name} does not fit this base model's tensors")
            except ModelInvalidError as exc:
                self.status[op] = AdapterStatus(
                    op, "refused", f"{exc.message}; runs on the base model", entry.file
                )
                continue
            self._loaded[op] = (pointer, entry.scale)
            self.status[op] = AdapterStatus(op, "loaded", f"adapter {entry.file}", entry.file)

    def activate(self, operation: str | None) -> bool:
        """Make `operation`'s adapter (or none) the active one; True if anything changed."""
        wanted = operation if operation in self._loaded else None
        if wanted == self.active:
            return False
        if wanted is None:
            result = llama_cpp.llama_set_adapters_lora(self._ctx, None, 0, None)
        else:
            pointer, scale = self._loaded[wanted]
            adapters = (_ADAPTER_PTR * 1)(pointer)
            scales = (ctypes.c_float * 1)(scale)
            result = llama_cpp.llama_set_adapters_lora(self._ctx, adapters, 1, scales)
        if result != 0:
            raise ModelInvalidError(f"llama.cpp refused to switch to the {wanted} adapter")
        self.active = wanted
        return True

    def detach(self) -> None:
        """Detach every adapter (before the model is closed, which frees them)."""
        if self.active is not None:
            llama_cpp.llama_set_adapters_lora(self._ctx, None, 0, None)
            self.active = None
        self._loaded.clear()

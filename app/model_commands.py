"""`mnemo models ...`: the catalog, downloads, conversion, quantization and which models are used.

A thin adapter over `models/`: it wires the user's models folder and settings, shows progress on
the terminal, and turns a change of embedder into a re-embedding of the store (old vectors stay in
use until the new ones are complete).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from app.terminal import passphrase_provider, progress_bar
from core.errors import InvalidInputError, ModelMissingError
from core.files import sha256_file
from core.home import Home
from core.keys import load_key, system_keyring
from core.ports import LLM, OPERATIONS, Embedder
from core.settings import Settings
from core.store import Store


def make_embedder(settings: Settings, home: Home) -> Embedder:
    """The configured embedder: the hashing one, or a GGUF model from the models folder."""
    from models.embedders import GGUFEmbedder, HashingEmbedder

    if settings.models.embedder == "hashing":
        return HashingEmbedder()
    path = home.models_dir / settings.models.embedder
    if not path.exists():
        raise ModelMissingError(
            f"the embedding model {path.name} is not in {home.models_dir}; run "
            "'mnemo models use-embedder hashing' or put the file back"
        )
    return GGUFEmbedder(path, n_threads=settings.models.threads)


def make_llm(settings: Settings, home: Home) -> LLM | None:
    """The configured base model with its adapters, or None when Mnemo runs on rules alone."""
    if not settings.models.base:
        return None
    from models.runtime import LlamaRuntime, RuntimeConfig

    path = home.models_dir / settings.models.base
    if not path.exists():
        raise ModelMissingError(
            f"the base model {path.name} is not in {home.models_dir}; run "
            "'mnemo models use-base none' to run on rules alone, or put the file back"
        )
    config = RuntimeConfig(
        n_ctx=settings.models.context,
        n_threads=settings.models.threads,
        max_tokens=settings.models.max_output,
    )
    return LlamaRuntime(path, home.models_dir, config)


@contextmanager
def configured_llm(settings: Settings, home: Home) -> Iterator[LLM | None]:
    """`make_llm` for the length of a command: the model is closed afterwards."""
    llm = make_llm(settings, home)
    try:
        yield llm
    finally:
        close = getattr(llm, "close", None)
        if close is not None:
            close()


def _emit(data: Any, out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")


def installed_models(home: Home) -> list[Path]:
    return sorted(home.models_dir.glob("*.gguf")) if home.models_dir.exists() else []


def cmd_list(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    from models.catalog import load_catalog

    installed = {p.name for p in installed_models(home)}
    rows = [
        {
            "name": e.name,
            "kind": e.kind,
            "license": e.license,
            "installed": e.filename in installed,
            "description": e.description,
        }
        for e in load_catalog().values()
    ]
    others = sorted(installed - {f"{r['name']}.gguf" for r in rows})
    if args.json:
        _emit({"catalog": rows, "other_files": others}, out)
        return 0
    for row in rows:
        mark = "installed" if row["installed"] else "-"
        out.write(f"{row['name']:<36} {row['kind']:<9} {row['license']:<11} {mark}\n")
        out.write(f"    {row['description']}\n")
    for name in others:
        out.write(f"{name:<36} (local file)\n")
    return 0


def cmd_status(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    status: dict[str, Any] = {
        "models_dir": str(home.models_dir),
        "embedder": settings.models.embedder,
        "base": settings.models.base or None,
        "operations": {},
    }
    if settings.models.base:
        from models.runtime import LlamaRuntime, RuntimeConfig

        runtime = LlamaRuntime(
            home.models_dir / settings.models.base,
            home.models_dir,
            RuntimeConfig(n_ctx=512, n_threads=settings.models.threads),
        )
        with runtime:
            status["operations"] = {
                s.operation: {"state": s.state, "message": s.message}
                for s in runtime.adapter_status()
            }
    else:
        status["operations"] = {
            op: {"state": "rules", "message": "no base model: the rule path runs"}
            for op in OPERATIONS
        }
    if args.json:
        _emit(status, out)
        return 0
    out.write(f"Models folder: {status['models_dir']}\n")
    out.write(f"Embedder: {status['embedder']}\n")
    out.write(f"Base model: {status['base'] or 'none (rules only)'}\n")
    for op, info in status["operations"].items():
        out.write(f"  {op:<12} {info['state']:<8} {info['message']}\n")
    return 0


def cmd_pull(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    from models.catalog import download, load_catalog

    catalog = load_catalog(Path(args.catalog) if args.catalog else None)
    entry = catalog.get(args.name)
    if entry is None:
        raise InvalidInputError(f"no model named {args.name}; see 'mnemo models list'")
    with progress_bar(entry.name, "B") as update:
        path = download(entry, home.models_dir, progress=update)
    out.write(f"Downloaded {entry.name} to {path} (sha256 verified).\n")
    hint = "use-embedder" if entry.kind == "embedder" else "use-base"
    out.write(f"Use it with: mnemo models {hint} {path.name}\n")
    return 0


def cmd_remove(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    path = home.models_dir / (args.name if args.name.endswith(".gguf") else f"{args.name}.gguf")
    if not path.exists():
        raise InvalidInputError(f"{path.name} is not in {home.models_dir}")
    if path.name in (settings.models.base, settings.models.embedder):
        raise InvalidInputError(
            f"{path.name} is in use; switch away from it first (use-base none / use-embedder hashing)"
        )
    path.unlink()
    out.write(f"Removed {path.name}.\n")
    return 0


def cmd_import_hf(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    from models.convert import import_hf

    source = Path(args.dir)
    name = args.name or source.name
    home.models_dir.mkdir(parents=True, exist_ok=True)
    path = import_hf(source, home.models_dir / f"{name}.gguf", args.outtype, name=name)
    out.write(
        f"Converted {source} to {path}.\nUse it with: mnemo models use-embedder {path.name}\n"
    )
    return 0


def cmd_quantize(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    from models.convert import quantize

    path = quantize(Path(args.input), Path(args.output), args.type)
    out.write(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {args.type}).\n")
    return 0


def cmd_tiny(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    from models.adapters import AdapterEntry, Manifest
    from models.tiny import write_adapter, write_base

    folder = Path(args.dir) if args.dir else home.models_dir
    folder.mkdir(parents=True, exist_ok=True)
    base = write_base(folder / "tiny-base.gguf", seed=args.seed)
    digest = sha256_file(base)
    manifest = Manifest()
    for n, op in enumerate(args.ops):
        adapter = write_adapter(
            folder / f"tiny-{op}.gguf", seed=args.seed + 1 + n, base_sha256=digest
        )
        manifest.adapters[op] = AdapterEntry(adapter.name, sha256_file(adapter), digest)
    manifest.save(folder)
    out.write(f"Wrote a tiny random base model and {len(args.ops)} adapters to {folder}.\n")
    return 0


def cmd_use_base(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    if args.name != "none" and not (home.models_dir / args.name).exists():
        raise ModelMissingError(f"{args.name} is not in {home.models_dir}")
    settings.models.base = "" if args.name == "none" else args.name
    settings.save(home.settings_path)
    out.write(f"Base model: {settings.models.base or 'none (rules only)'}.\n")
    return 0


def reembed_store(home: Home, settings: Settings, embedder: Embedder, out: TextIO) -> None:
    """Re-embed every memory of the profile's store with `embedder`, showing progress."""
    key = load_key(home, passphrase_provider(), system_keyring())
    with progress_bar("re-embedding", "memory") as update:
        store = Store.open(
            home.db_path,
            key,
            embedder,
            cache_mb=settings.store.cache_mb,
            reembed=True,
            progress=update,
        )
    with store:
        count = store.stats()["versions"]
    out.write(f"Re-embedded {count} memories with {embedder.identity.name}.\n")


def cmd_use_embedder(args: argparse.Namespace, home: Home, settings: Settings, out: TextIO) -> int:
    previous = settings.models.embedder
    settings.models.embedder = args.name
    embedder = make_embedder(settings, home)  # fails before anything changes if unusable
    if home.db_path.exists():
        reembed_store(home, settings, embedder, out)
    settings.save(home.settings_path)
    out.write(f"Embedder: {args.name} (was {previous}).\n")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("models", help="on-device models: list, pull, convert, choose")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    m = msub.add_parser("list", help="the catalog and what is installed")
    m.add_argument("--json", action="store_true")
    m.set_defaults(models_func=cmd_list)
    m = msub.add_parser("status", help="base model, adapters per operation, embedder")
    m.add_argument("--json", action="store_true")
    m.set_defaults(models_func=cmd_status)
    m = msub.add_parser("pull", help="download a model from the catalog (resumable, verified)")
    m.add_argument("name")
    m.add_argument("--catalog", help=argparse.SUPPRESS)
    m.set_defaults(models_func=cmd_pull)
    m = msub.add_parser("remove", help="delete a model file")
    m.add_argument("name")
    m.set_defaults(models_func=cmd_remove)
    m = msub.add_parser("import-hf", help="convert a sentence-transformers BERT folder to GGUF")
    m.add_argument("dir")
    m.add_argument("--name")
    m.add_argument("--outtype", choices=["f16", "f32"], default="f16")
    m.set_defaults(models_func=cmd_import_hf)
    m = msub.add_parser("quantize", help="quantize a GGUF model with llama.cpp")
    m.add_argument("input")
    m.add_argument("output")
    m.add_argument("--type", default="Q8_0", help="Q8_0, Q4_K_M, Q5_K_M, Q4_0 or F16")
    m.set_defaults(models_func=cmd_quantize)
    m = msub.add_parser("tiny", help="write a tiny random model and adapters (for trying it out)")
    m.add_argument("dir", nargs="?")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--ops", nargs="*", default=list(OPERATIONS), choices=list(OPERATIONS))
    m.set_defaults(models_func=cmd_tiny)
    m = msub.add_parser("use-base", help="choose the base model (a file name, or none)")
    m.add_argument("name")
    m.set_defaults(models_func=cmd_use_base)
    m = msub.add_parser("use-embedder", help="choose the embedder and re-embed the store")
    m.add_argument("name", help="hashing, or a GGUF embedding model file name")
    m.set_defaults(models_func=cmd_use_embedder)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    home = Home.resolve(args.home)
    settings = Settings.load(home.settings_path)
    result: int = args.models_func(args, home, settings, out)
    return result

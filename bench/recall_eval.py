"""Print recall@1/5/10 and MRR of hybrid, BM25-only and vector-only retrieval on the labelled set.

    python bench/recall_eval.py [--misses] [--json]

The set and the evaluation live with the tests (`tests/data/recall/`,
`tests/core/recall_eval_helpers.py`); this script builds a throwaway encrypted store in a
temporary directory, imports the chats, and runs every question through each ranking.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.core.recall_eval_helpers import CUTOFFS, format_table, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the questions missed at 5")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mnemo-recall-") as tmp:
        results, questions = run(Path(tmp) / "mnemo.db")
    elapsed = time.perf_counter() - started

    if args.json:
        data = {name: res.as_dict() for name, res in results.items()}
        print(json.dumps({"questions": len(questions), "rankings": data}, indent=2))
        return 0
    print(format_table(results, len(questions)))
    if args.misses:
        by_id = {q.id: q for q in questions}
        for name, res in results.items():
            print(f"\n{name}: missed at {CUTOFFS[1]}")
            for qid in res.misses(CUTOFFS[1]):
                rank = res.first_rank[qid]
                print(f"  {qid} (rank {rank or '-'}): {by_id[qid].query}")
    print(f"\n{elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

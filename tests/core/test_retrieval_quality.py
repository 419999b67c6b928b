"""Retrieval quality on a hand-labelled chat set: recall@k and MRR must not regress.

`tests/data/recall/chats.jsonl` is imported into a real encrypted store by the rule path; every
question in `questions.jsonl` is searched and a hit is relevant when one of its memory's source
lines is labelled as answering the question. Run with `-s` to see the table; `bench/recall_eval.py`
prints the same table outside pytest.

The thresholds sit a few points below what the current code measures (hybrid: recall@5 0.831,
recall@10 0.898, MRR 0.701 on 59 questions), so an unrelated change that costs two or three
questions still passes, and a real regression fails. If retrieval improves, raise them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.store import MemoryFilter, Store
from tests.core.recall_eval_helpers import (
    CUTOFFS,
    Question,
    Result,
    build_store,
    chat_line_ids,
    evaluate,
    format_table,
    load_questions,
)

MIN_RECALL_AT_5 = 0.78
MIN_RECALL_AT_10 = 0.84
MIN_MRR = 0.65


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    return load_questions()


@pytest.fixture(scope="module")
def recall_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store, report = build_store(tmp_path_factory.mktemp("recall") / "mnemo.db")
    try:
        assert report.observations_added == report.lines
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def results(recall_store: Store, questions: list[Question]) -> dict[str, Result]:
    found = evaluate(recall_store, questions)
    print()
    print(format_table(found, len(questions)))
    for name, result in found.items():
        print(f"{name} misses at 5: {', '.join(result.misses(5)) or '-'}")
    return found


def test_labels_point_at_real_lines(questions: list[Question]) -> None:
    lines = chat_line_ids()
    assert 40 <= len(questions) <= 60
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert q.answers, q.id
        assert q.answers <= lines, f"{q.id} names unknown lines {sorted(q.answers - lines)}"


def test_every_answer_line_becomes_a_memory(recall_store: Store, questions: list[Question]) -> None:
    memories = recall_store.list_memories(MemoryFilter(), limit=100_000)
    observations = recall_store.observations([o for m in memories for o in m.sources])
    remembered = {observations[o].external_id for m in memories for o in m.sources}
    dropped = sorted({a for q in questions for a in q.answers} - remembered)
    assert not dropped, f"extraction kept nothing of the answer lines {dropped}"


def test_hybrid_recall_does_not_regress(results: dict[str, Result]) -> None:
    hybrid = results["hybrid"]
    assert hybrid.recall(5) >= MIN_RECALL_AT_5, hybrid.misses(5)
    assert hybrid.recall(10) >= MIN_RECALL_AT_10, hybrid.misses(10)
    assert hybrid.mrr >= MIN_MRR


def test_hybrid_is_no_worse_than_the_weaker_single_ranking(results: dict[str, Result]) -> None:
    hybrid, singles = results["hybrid"], [results["bm25"], results["vector"]]
    for k in CUTOFFS[1:]:
        weaker = min(r.recall(k) for r in singles)
        assert hybrid.recall(k) >= weaker, (
            f"recall@{k}: hybrid {hybrid.recall(k):.3f} < {weaker:.3f}"
        )
    assert hybrid.mrr >= min(r.mrr for r in singles)

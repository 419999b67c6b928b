"""The sleep job end to end on a seeded store: what it merges, fades, summarises and links."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from core.errors import BackupError, SleepBusyError
from core.home import Home
from core.memory import LinkKind, MemoryType, Tier
from core.retrieval import Retriever
from core.settings import Settings
from core.sleep import runner
from core.sleep.common import PHASES, Context, PhaseLog
from core.sleep.decay import retention
from core.sleep.runner import exclusive, load_report, pending_run, run_sleep
from core.store import MemoryFilter, Store
from models.embedders import HashingEmbedder
from tests.core.pipeline.conftest import FakeLLM
from tests.core.sleep.seed import NOW, dump, seed


@pytest.fixture
def seeded(store: Store) -> tuple[Store, dict[str, Any]]:
    return store, seed(store)


def vec_table(store: Store) -> str:
    return store._vec_table


def current(store: Store, memory_id: str) -> Any:
    """The live head of the chain a memory belongs to (following merges)."""
    memory = store.get_memory(memory_id)
    while not memory.is_current:
        heads = [
            lk.dst
            for lk in store.links_of([memory.id])
            if lk.kind is LinkKind.MERGED_INTO and lk.src == memory.id
        ]
        newer = store.versions(memory.id)[-1]
        memory = store.get_memory(heads[0]) if heads else newer
    return memory


def test_a_full_run_merges_fades_summarises_and_links(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home
) -> None:
    store, ids = seeded
    report = run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    assert report.status == "done"
    assert list(report.phases) == list(PHASES)

    # Duplicates: one merged memory per cluster, with every member's sources and a merged-into
    # link from each member, which stays as a superseded version.
    sisters = [store.get_memory(i) for i in ids["sister"]]
    assert all(s.superseded_at == NOW for s in sisters)
    merged = current(store, ids["sister"][0])
    assert merged.is_current and merged.text == "My sister Anna lives in Porto."
    assert sorted(merged.sources) == sorted(s for m in sisters for s in m.sources)
    assert merged.fields["merged_from"] and set(merged.fields["merged_from"]) == set(ids["sister"])
    into = {
        (lk.src, lk.dst) for lk in store.links_of([merged.id]) if lk.kind is LinkKind.MERGED_INTO
    }
    assert into == {(i, merged.id) for i in ids["sister"]}
    assert [m.id for m in store.versions(merged.id)][-2:] == [ids["sister"][0], merged.id]
    tea = current(store, ids["tea"][0])
    assert tea.id == current(store, ids["tea"][1]).id and tea.fields["sleep"] == "merge"
    assert tea.text == "I prefer green tea in the mornings"  # the longer wording
    # Different numbers are different facts.
    assert all(store.get_memory(i).is_current for i in ids["gate"])

    # Decay: the recalled memory keeps more strength than its never-recalled twin.
    recalled, unrecalled = store.get_memory(ids["recalled"]), store.get_memory(ids["unrecalled"])
    assert recalled.strength > unrecalled.strength > 0
    assert recalled.tier is Tier.HOT
    # Stale facts are cold: left out of default search, found when the cold tier is asked for.
    for stale in ids["stale"]:
        assert store.get_memory(stale).tier is Tier.COLD
    retriever = Retriever(store)
    assert not any(h.memory.id in ids["stale"] for h in retriever.search("printer toner floor"))
    cold = retriever.search("printer toner floor", filt=MemoryFilter(include_cold=True))
    assert cold and cold[0].memory.id == ids["stale"][0]
    for never in ("pinned", "core", "vault"):
        memory = store.get_memory(ids[never])
        assert (memory.tier, memory.strength) == (Tier.HOT, 1.0), never

    # Day memories link to exactly that day's episodes; the complete week links to its days.
    days = store.list_memories(MemoryFilter(types=[MemoryType.EPISODIC]), limit=500)
    day_memories = {m.fields["day"]: m for m in days if m.fields.get("sleep") == "day"}
    # (Days with chats but no episodes get a day memory too, with no parts.)
    assert set(ids["episodes"]) <= set(day_memories)
    for day in ids["episodes"]:
        memory = day_memories[day]
        parts = {
            lk.dst
            for lk in store.links_of([memory.id])
            if lk.kind is LinkKind.SUMMARIZES and lk.src == memory.id
        }
        assert parts == set(ids["episodes"][day])
    weeks = [m for m in days if m.fields.get("sleep") == "week"]
    assert [w.fields["week"] for w in weeks] == ["2026-W46"]
    week_parts = {lk.dst for lk in store.links_of([weeks[0].id]) if lk.kind is LinkKind.SUMMARIZES}
    assert week_parts == {
        day_memories[d].id for d in day_memories if "2026-11-11" <= d <= "2026-11-15"
    }

    # Links: episodes that follow each other, same-entity for Anna, the dentist conflict.
    kinds = report.phases["link"]["counts"]
    assert kinds.get("follows", 0) > 0 and kinds.get("same-entity", 0) > 0
    conflict = {
        (lk.src, lk.dst) for lk in store.links_of(ids["dentist"]) if lk.kind is LinkKind.CONTRADICTS
    }
    assert conflict == {(ids["dentist"][1], ids["dentist"][0])}

    # A verified, encrypted backup was taken first, and the report is stored.
    backups = sorted(mnemo_home.backups_dir.glob("mnemo-*.db"))
    assert len(backups) == 1 and not backups[0].read_bytes().startswith(b"SQLite format 3")
    stored = load_report(store)
    assert stored is not None and stored.run_id == report.run_id
    assert stored.phases["consolidate"]["counts"] == {"clusters": 2, "merged": 5}
    assert stored.phases["decay"]["counts"]["faded"] >= 2


def test_a_second_run_changes_nothing(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home
) -> None:
    store, _ = seeded
    run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    before = dump(store.conn, vec_table(store))
    again = run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    assert dump(store.conn, vec_table(store)) == before
    counts = {p: v["counts"] for p, v in again.phases.items()}
    assert counts["consolidate"] == {} and counts["summarise"].get("days", 0) == 0
    assert counts["link"] == {} and counts["decay"] == {}


def test_a_dry_run_changes_nothing_and_says_what_would_change(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home
) -> None:
    store, _ = seeded
    before = dump(store.conn, vec_table(store))
    runs = store.conn.execute("SELECT count(*) FROM sleep_runs").fetchone()[0]
    report = run_sleep(store, Settings(), home=mnemo_home, now=NOW, dry_run=True)
    assert dump(store.conn, vec_table(store)) == before
    assert store.conn.execute("SELECT count(*) FROM sleep_runs").fetchone()[0] == runs
    assert not mnemo_home.backups_dir.exists()
    assert report.dry_run
    assert report.phases["consolidate"]["counts"] == {"clusters": 2, "merged": 5}
    assert report.phases["decay"]["counts"]["faded"] >= 2
    assert report.phases["summarise"]["counts"]["days"] == 9
    assert "would back up" in report.phases["backup"]["note"]


def test_recalling_a_faded_memory_brings_it_back(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home
) -> None:
    store, ids = seeded
    run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    stale = ids["stale"][0]
    assert store.get_memory(stale).tier is Tier.COLD
    store.mark_recalled([stale], NOW)
    memory = store.get_memory(stale)
    assert (memory.tier, memory.strength, memory.recall_count) == (Tier.HOT, 1.0, 1)
    assert Retriever(store).search("printer toner floor")[0].memory.id == stale


def test_recalls_and_importance_lengthen_retention() -> None:
    cfg = Settings().sleep
    assert retention(0, 0, 0.5, cfg) == 1.0
    assert retention(30, 0, 0.5, cfg) == pytest.approx(math.exp(-1))
    # More recalls, more importance: slower forgetting (MemoryBank's precedence bug inverted it).
    assert retention(60, 0, 0.5, cfg) < retention(60, 1, 0.5, cfg) < retention(60, 3, 0.5, cfg)
    assert retention(60, 0, 0.2, cfg) < retention(60, 0, 0.9, cfg)


def test_an_interrupted_run_resumes_to_the_same_state(
    tmp_path: Path, key: bytes, mnemo_home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that stops half way (here: an error in the link phase after its first batch) is
    finished by the next start, with the same reference time, into the same final state."""

    with Store.open(tmp_path / "seed.db", key, HashingEmbedder(), create=True) as seeding:
        seed(seeding)
        seeding.checkpoint()

    def seeded_store(name: str) -> Store:
        shutil.copy(tmp_path / "seed.db", tmp_path / name)
        return Store.open(tmp_path / name, key, HashingEmbedder())

    settings = Settings()
    settings.sleep.batch_size = 3
    with seeded_store("a.db") as reference:
        run_sleep(reference, settings, home=mnemo_home, now=NOW)
        expected = dump(reference.conn, vec_table(reference))

    with seeded_store("b.db") as store:
        real_link = runner.PHASE_FUNCTIONS["link"]
        calls = {"n": 0}

        def failing_link(ctx: Context, log: PhaseLog) -> None:
            real_batch = ctx.batch

            def batch(log: PhaseLog) -> Any:
                calls["n"] += 1
                if calls["n"] == 3:
                    raise OSError("simulated crash")
                return real_batch(log)

            monkeypatch.setattr(ctx, "batch", batch)
            real_link(ctx, log)

        monkeypatch.setitem(runner.PHASE_FUNCTIONS, "link", failing_link)
        with pytest.raises(OSError):
            run_sleep(store, settings, home=mnemo_home, now=NOW)
        pending = pending_run(store)
        assert pending is not None and pending[1] == NOW
        monkeypatch.setitem(runner.PHASE_FUNCTIONS, "link", real_link)
        resumed = run_sleep(store, settings, home=mnemo_home)  # a later start: no `now` given
        assert resumed.resumed and resumed.now == NOW
        assert dump(store.conn, vec_table(store)) == expected
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_only_one_run_at_a_time(seeded: tuple[Store, dict[str, Any]], mnemo_home: Home) -> None:
    store, _ = seeded
    with exclusive(mnemo_home), pytest.raises(SleepBusyError, match="already in progress"):
        run_sleep(store, Settings(), home=mnemo_home, now=NOW)


def test_a_failed_backup_stops_the_run_before_any_change(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home
) -> None:
    store, _ = seeded
    before = dump(store.conn, vec_table(store))
    mnemo_home.data_dir.mkdir(parents=True, exist_ok=True)
    mnemo_home.backups_dir.write_text("not a folder")
    with pytest.raises(BackupError, match="changed nothing"):
        run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    assert dump(store.conn, vec_table(store)) == before


def test_old_backups_are_pruned(seeded: tuple[Store, dict[str, Any]], mnemo_home: Home) -> None:
    store, _ = seeded
    settings = Settings()
    settings.sleep.keep_backups = 2
    for night in range(4):
        run_sleep(store, settings, home=mnemo_home, now=NOW.replace(hour=night), phases=["backup"])
    names = sorted(p.name for p in mnemo_home.backups_dir.iterdir())
    assert names == ["mnemo-20261120-020000.db", "mnemo-20261120-030000.db"]


def test_forgetting_a_merged_memory_erases_what_it_was_merged_from(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home
) -> None:
    store, ids = seeded
    run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    merged = current(store, ids["sister"][0])
    erased = set(store.forget(merged.id))
    assert set(ids["sister"]) <= erased
    assert store.count_fulltext('"sister"') == 0


def test_the_model_writes_the_merged_text_and_is_checked(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home
) -> None:
    store, ids = seeded
    llm = FakeLLM()
    replies = iter(
        [
            {"text": "I prefer green tea in the morning, at 7.", "type": "semantic"},  # invents 7
        ]
    )
    llm.default["consolidate"] = lambda prompt: next(
        replies, {"text": "Every morning I prefer green tea.", "type": "semantic"}
    )
    run_sleep(store, Settings(), home=mnemo_home, now=NOW, llm=llm, phases=["consolidate"])
    tea = current(store, ids["tea"][0])
    # The first reply invented a number, so the most complete member's text was kept.
    assert tea.text == "I prefer green tea in the mornings"  # the longer wording
    assert llm.calls("consolidate") == 1  # exact duplicates need no model


def test_unknown_phases_are_refused(seeded: tuple[Store, dict[str, Any]]) -> None:
    store, _ = seeded
    with pytest.raises(Exception, match="unknown sleep phase 'nap'"):
        run_sleep(store, Settings(), now=NOW, phases=["nap"])


def test_forgetting_an_episode_takes_its_day_summary_but_not_the_rest_of_the_day(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home
) -> None:
    store, ids = seeded
    run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    day = "2026-11-15"
    gone, kept = ids["episodes"][day]
    summary = next(
        lk.src for lk in store.links_of([gone]) if lk.kind is LinkKind.SUMMARIZES and lk.dst == gone
    )
    erased = store.forget(gone)
    assert summary in erased and kept not in erased
    kept_memory = store.get_memory(kept)
    assert kept_memory.is_current
    assert store.get_observation(kept_memory.sources[0]).text == kept_memory.text
    # The next night summarises the day again, without what was forgotten.
    run_sleep(store, Settings(), home=mnemo_home, now=NOW + (NOW - NOW.replace(hour=0)))
    again = [
        m
        for m in store.list_memories(MemoryFilter(types=[MemoryType.EPISODIC]), limit=500)
        if m.fields.get("sleep") == "day" and m.fields.get("day") == day
    ]
    assert len(again) == 1 and again[0].id != summary
    parts = {
        lk.dst
        for lk in store.links_of([again[0].id])
        if lk.src == again[0].id and lk.kind is LinkKind.SUMMARIZES
    }
    assert parts == {kept}


def test_a_run_that_keeps_failing_is_given_up_after_three_starts(
    seeded: tuple[Store, dict[str, Any]], mnemo_home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = seeded

    def broken(ctx: Context, log: PhaseLog) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(runner.PHASE_FUNCTIONS, "decay", broken)
    for _ in range(runner.MAX_ATTEMPTS):
        with pytest.raises(RuntimeError):
            run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    assert pending_run(store) is None  # given up
    statuses = [r[0] for r in store.conn.execute("SELECT status FROM sleep_runs")]
    assert statuses == ["failed"]
    monkeypatch.undo()
    assert run_sleep(store, Settings(), home=mnemo_home, now=NOW).status == "done"


def test_two_values_of_one_slot_are_linked_as_a_conflict_never_merged(
    store: Store, mnemo_home: Home
) -> None:
    from core.memory import Memory
    from tests.core.sleep.seed import DAY

    slot = {
        "key": "yann lopescu|favourite food",
        "subject": "yann lopescu",
        "attribute": "favourite food",
    }
    memories = [
        Memory(
            type=MemoryType.CORE,
            text=f"My neighbour Yann Lopescu says his favourite food is {food}",
            fields={"slot": {**slot, "value": food}},
            recorded_at=NOW - i * DAY,
        )
        for i, food in enumerate(("pierogi", "paella"))
    ]
    store.add_memories(memories)
    report = run_sleep(store, Settings(), home=mnemo_home, now=NOW)
    assert report.phases["consolidate"]["counts"] == {}
    assert all(store.get_memory(m.id).is_current for m in memories)
    kinds = {lk.kind for lk in store.links_of([memories[0].id])}
    assert LinkKind.CONTRADICTS in kinds


def offsite(store: Store) -> tuple[Any, Any]:
    """An older memory and a newer one that adds a date to it."""
    from core.memory import Memory
    from tests.core.sleep.seed import DAY

    old = Memory(
        type=MemoryType.SEMANTIC,
        text="The team offsite this spring is in Lisbon",
        recorded_at=NOW - 3 * DAY,
    )
    new = Memory(
        type=MemoryType.SEMANTIC,
        text="The team offsite in Lisbon this spring starts on 12 May",
        recorded_at=NOW - DAY,
    )
    store.add_memories([old, new])
    return old, new


def test_with_a_model_a_new_memory_refines_its_older_neighbour_as_a_new_version(
    store: Store, mnemo_home: Home
) -> None:
    old, new = offsite(store)
    llm = FakeLLM()
    llm.default["consolidate"] = {
        "text": "The team offsite this spring is in Lisbon, starting on 12 May",
        "type": "semantic",
    }
    dry = run_sleep(
        store, Settings(), home=mnemo_home, now=NOW, llm=llm, dry_run=True, phases=["evolve"]
    )
    assert dry.phases["evolve"]["counts"] == {"evolved": 1}
    assert store.get_memory(old.id).is_current
    report = run_sleep(
        store, Settings(), home=mnemo_home, now=NOW, llm=llm, phases=["link", "evolve"]
    )
    assert report.phases["evolve"]["counts"] == {"evolved": 1}
    chain = store.versions(old.id)
    assert [m.text for m in chain] == [old.text, llm.default["consolidate"]["text"]]
    refined = chain[-1]
    assert refined.fields["evolved_by"] == new.id and refined.superseded_at is None
    assert set(refined.sources) == set(old.sources) | set(new.sources)
    assert any(
        lk.kind is LinkKind.RELATED and new.id in (lk.src, lk.dst)
        for lk in store.links_of([refined.id])
    )


def test_a_refinement_that_drops_what_the_memory_said_is_refused(
    store: Store, mnemo_home: Home
) -> None:
    old, _ = offsite(store)
    llm = FakeLLM()
    llm.default["consolidate"] = {"text": "Offsite moved to Porto on 3 June", "type": "semantic"}
    report = run_sleep(store, Settings(), home=mnemo_home, now=NOW, llm=llm, phases=["evolve"])
    assert report.phases["evolve"]["counts"] == {}
    assert store.get_memory(old.id).is_current


def test_without_a_model_evolution_is_skipped_and_says_so(store: Store, mnemo_home: Home) -> None:
    report = run_sleep(store, Settings(), home=mnemo_home, now=NOW, phases=["evolve"])
    assert report.phases["evolve"]["note"].startswith("skipped")

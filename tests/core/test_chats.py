"""Chat import: every memory keeps its line id; re-import adds nothing; bad files write nothing."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from core.chats import import_chats
from core.errors import InvalidInputError
from core.pipeline.rules import SpeakerRoles
from core.store import MemoryFilter, Store

ROLES = SpeakerRoles.of(["user"], ["assistant"])
LINES = [
    {"id": "a1", "time": "2026-03-12T20:00:00+01:00", "speaker": "user",
     "text": "Last Tuesday I went climbing with Jonas. My dentist is Dr. Lee."},
    {"id": "a2", "time": "2026-03-12T20:01:00+01:00", "speaker": "assistant",
     "text": "Great! Anything else?"},
    {"id": "a3", "time": "2026-03-13T09:00:00+01:00", "speaker": "user",
     "text": "my dentist is dr lee", "session": "s2"},
    {"id": "a4", "time": "2026-03-13T09:05:00", "speaker": "Priya",
     "text": "The launch review moved to Thursday."},
]  # fmt: skip


def write(path: Path, lines: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def sources_by_text(store: Store) -> dict[str, set[str]]:
    result = {}
    for memory in store.list_memories(MemoryFilter(), limit=100):
        obs = store.observations(memory.sources)
        result[memory.text] = {obs[o].external_id or "" for o in memory.sources}
    return result


def test_import_keeps_line_ids_and_dedupes(store: Store, tmp_path: Path) -> None:
    report = import_chats(store, write(tmp_path / "c.jsonl", LINES), ROLES, batch_size=2)
    assert report.lines == 4 and report.observations_added == 4
    assert report.memories_added == 3 and report.duplicates_merged == 1
    assert sources_by_text(store) == {
        "Last Tuesday I went climbing with Jonas.": {"a1"},
        "My dentist is Dr. Lee.": {"a1", "a3"},
        "Priya: The launch review moved to Thursday.": {"a4"},
    }
    climbing = next(m for m in store.list_memories() if "climbing" in m.text)
    assert climbing.fields["date"] == "2026-03-10"
    # A time without an offset is the machine's local time, never a naive datetime.
    naive = store.observation_by_external("chat", "a4")
    assert naive is not None and naive.time.tzinfo is not None


def test_reimport_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", LINES)
    import_chats(store, path, ROLES)
    before = store.stats()
    again = import_chats(store, path, ROLES)
    assert again.observations_added == 0 and again.already_imported == 4
    assert again.memories_added == 0
    assert store.stats() == before


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", r"line 3: not valid JSON"),
        ('["a list"]', r"line 3: expected a JSON object"),
        ('{"id": "x", "time": "yesterday", "speaker": "u", "text": "t"}', r"line 3: 'time'"),
        ('{"id": "x", "time": "2026-03-01T10:00:00Z", "text": "t"}', r"line 3: 'speaker'"),
        ('{"id": "a1", "time": "2026-03-01T10:00:00Z", "speaker": "u", "text": "t"}', "duplicate"),
    ],
)
def test_bad_line_is_named_and_nothing_is_written(
    store: Store, tmp_path: Path, bad: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(LINES[0]) + "\n" + json.dumps(LINES[1]) + "\n" + bad + "\n")
    before = store.stats()
    with pytest.raises(InvalidInputError, match=message):
        import_chats(store, path, ROLES)
    assert store.stats() == before


def test_unreadable_files(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot read"):
        import_chats(store, tmp_path / "missing.jsonl", ROLES)
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        import_chats(store, binary, ROLES)


def test_time_outside_the_calendar_range_is_refused_before_writing(
    store: Store, tmp_path: Path
) -> None:
    far = dict(LINES[0], id="far", time="9999-12-31T23:00:00+00:00")
    before = store.stats()
    with pytest.raises(InvalidInputError, match=r"line 2: 'time' .* is outside 1900-2200"):
        import_chats(store, write(tmp_path / "c.jsonl", [LINES[1], far]), ROLES)
    assert store.stats() == before


def test_reused_ids_from_another_export_are_kept_not_lost(store: Store, tmp_path: Path) -> None:
    import_chats(store, write(tmp_path / "a.jsonl", LINES), ROLES)
    other = [dict(LINES[0], time="2026-04-01T10:00:00+02:00", text="My accountant is Maria Silva.")]
    path = write(tmp_path / "b.jsonl", other)
    report = import_chats(store, path, ROLES)
    assert report.observations_added == 1 and report.renamed_ids == 1
    sources = sources_by_text(store)["My accountant is Maria Silva."]
    (renamed,) = sources
    assert renamed.startswith("a1#")
    again = import_chats(store, path, ROLES)  # idempotent under the new id too
    assert again.observations_added == 0 and again.already_imported == 1


def test_reimport_after_forget_does_not_bring_the_memory_back(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", LINES)
    import_chats(store, path, ROLES)
    climbing = next(m for m in store.list_memories() if "climbing" in m.text)
    store.forget(climbing.id)
    report = import_chats(store, path, ROLES)
    assert report.observations_added == 0
    assert all("climbing" not in m.text for m in store.list_memories())


def test_piped_input_is_read_once(store: Store, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(json.dumps(LINES[0]) + "\n"))
    writer.start()
    report = import_chats(store, fifo, ROLES)
    writer.join()
    assert report.observations_added == 1 and report.memories_added == 2

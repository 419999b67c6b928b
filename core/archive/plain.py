"""Plain exports for reading and for other tools: Markdown notes and one JSONL file.

Neither is encrypted (the commands say so). Both use the archive's selection rules and its
records, and stream: rows are written as they are read.

**Markdown** (`--format markdown DIR`) makes a folder any Markdown editor reads and Obsidian opens
as a vault: `Mnemo.md` (the index), one note per day in `Days/` with that day's current memories
grouped by type, and one note per memory type in `Types/` listing its memories by day. Each memory
line ends with an Obsidian block id (`^m<id>`), so links between memories (related, same entity,
follows, contradicts, summarizes, merged into) become `[[day#^m<id>|text]]` links that jump to the
memory's line. The folder must be new, empty, or an earlier Mnemo export (it is then replaced
whole, so a note the user edited there is not silently merged).

**JSONL** (`--format jsonl FILE`) writes every record with a `kind` field
(`observation`, `memory`, `link`, ...), the same records an archive holds.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from core.archive.export import Selection, read_records, snapshot
from core.errors import ArchiveError, InvalidInputError
from core.memory import MemoryType
from core.store import Store

MARKER = ".mnemo-export.json"
KIND_NAMES = {
    "observations": "observation",
    "memories": "memory",
    "links": "link",
    "decisions": "decision",
    "sleep_reports": "sleep_report",
    "segments": "segment",
    "frames": "frame",
}


def _snapshot(
    store: Store, sel: Selection, kinds: list[str], by_time: bool = False
) -> Iterator[tuple[str, dict[str, Any]]]:
    with snapshot(store, sel) as (conn, query):
        for kind in query.kinds():
            if kind in kinds:
                for record, _ in read_records(conn, query, kind, None, by_time):
                    yield kind, record


def export_jsonl(store: Store, target: Path, sel: Selection) -> dict[str, int]:
    """Every selected record, one JSON object per line, written atomically to `target`."""
    counts: dict[str, int] = {}
    with _AtomicText(target) as out:
        for kind, record in _snapshot(store, sel, list(KIND_NAMES)):
            if kind == "frames":
                record.pop("image"), record.pop("sha256")
            line = {"kind": KIND_NAMES[kind], **record}
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            counts[kind] = counts.get(kind, 0) + 1
    return counts


class _AtomicText:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __enter__(self) -> IO[str]:
        if self.target.is_dir():
            raise InvalidInputError(f"{self.target} is a folder; give a file name")
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}-")
        self.tmp = Path(name)
        self.fh = os.fdopen(fd, "w", encoding="utf-8")
        return self.fh

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        try:
            self.fh.close()
            if exc_type is None:
                os.replace(self.tmp, self.target)
        except OSError as err:
            raise ArchiveError(f"cannot write {self.target}: {err.strerror or err}") from None
        finally:
            self.tmp.unlink(missing_ok=True)


# -- Markdown ----------------------------------------------------------------------------------
def _block(memory_id: str) -> str:
    return "m" + memory_id.replace("-", "")


def _day(record: dict[str, Any]) -> str:
    return datetime.fromtimestamp(record["event_ts"]).astimezone().date().isoformat()


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("[[", "[ [").replace("]]", "] ]")


def export_markdown(store: Store, target: Path, sel: Selection) -> dict[str, int]:
    """Day and type notes in `target` (see the module's docstring); returns counts."""
    _check_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        counts = _write_notes(store, staging, sel)
        (staging / MARKER).write_text(
            json.dumps({"selection": sel.as_json(), "counts": counts}, indent=2) + "\n"
        )
        if target.exists():
            old = target.with_name(f".{target.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ArchiveError(f"cannot write the notes to {target}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts


def _check_folder(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise InvalidInputError(f"{target} is a file; give a folder for the notes")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise InvalidInputError(
            f"{target} is not empty and not an earlier Mnemo export; give a new or empty folder"
        )


def _write_notes(store: Store, root: Path, sel: Selection) -> dict[str, int]:
    (root / "Days").mkdir()
    (root / "Types").mkdir()
    days: list[str] = []
    counts = {"days": 0, "memories": 0}
    where: dict[str, str] = {}  # memory id -> day note (ids only: about 70 bytes each)
    with ExitStack() as stack:
        types: dict[str, IO[str]] = {}
        day_note: IO[str] | None = None
        current_day = ""
        last_type = ""
        type_days: dict[str, str] = {}
        for _, record in _snapshot(store, sel, ["memories"], by_time=True):
            if record["superseded_at"] is not None or record["status"] == "deleted-by-user":
                continue
            day, mtype = _day(record), record["type"]
            where[record["id"]] = day
            if day != current_day:
                if day_note is not None:
                    day_note.close()
                day_note = (root / "Days" / f"{day}.md").open("w", encoding="utf-8")
                day_note.write(f"# {day}\n\nBack to [[Mnemo]].\n")
                current_day, last_type = day, ""
                days.append(day)
            assert day_note is not None
            if mtype != last_type:
                day_note.write(f"\n## {mtype.capitalize()}\n\n")
                last_type = mtype
            text = _one_line(record["text"])
            flag = " *(waiting for review)*" if record["status"] == "quarantined" else ""
            day_note.write(f"- {text}{flag} [[{mtype}]] ^{_block(record['id'])}\n")
            if mtype not in types:
                note = stack.enter_context(
                    (root / "Types" / f"{mtype}.md").open("w", encoding="utf-8")
                )
                note.write(f"# {mtype.capitalize()} memories\n\nBack to [[Mnemo]].\n")
                types[mtype] = note
            if type_days.get(mtype) != day:
                types[mtype].write(f"\n## [[{day}]]\n\n")
                type_days[mtype] = day
            types[mtype].write(f"- [[{day}#^{_block(record['id'])}|{text[:80]}]]\n")
            counts["memories"] += 1
        if day_note is not None:
            day_note.close()
    counts["days"] = len(days)
    counts["links"] = _append_links(store, root, where)
    index = ["# Mnemo", "", "Exported from Mnemo. One note per day and per kind of memory.", ""]
    index += ["## Kinds", ""] + [
        f"- [[{t}]]" for t in MemoryType if (root / "Types" / f"{t}.md").exists()
    ]
    index += ["", "## Days", ""] + [f"- [[{d}]]" for d in reversed(days)]
    (root / "Mnemo.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return counts


def _append_links(store: Store, root: Path, where: dict[str, str]) -> int:
    """A 'Links' section at the end of each day note, one line per link from its memories."""
    by_day: dict[str, list[str]] = {}
    total = 0
    with store.read() as conn:
        for src, dst, kind, a, b in conn.execute(
            "SELECT l.src, l.dst, l.kind, a.text, b.text FROM links l JOIN memories a ON "
            "a.id = l.src JOIN memories b ON b.id = l.dst ORDER BY l.src, l.dst"
        ):
            if src in where and dst in where:
                line = (
                    f"- [[{where[src]}#^{_block(src)}|{_one_line(a)[:60]}]] *{kind}* "
                    f"[[{where[dst]}#^{_block(dst)}|{_one_line(b)[:60]}]]"
                )
                by_day.setdefault(where[src], []).append(line)
                total += 1
    for day, lines in by_day.items():
        with (root / "Days" / f"{day}.md").open("a", encoding="utf-8") as note:
            note.write("\n## Links\n\n" + "\n".join(lines) + "\n")
    return total

"""Importing chat transcripts: JSONL lines to observations to memories.

Each line is `{"id", "time", "speaker", "text", "session"?}`. The whole file is validated before
anything is written, so a bad line 9,000 cannot leave half an import behind. Lines are then
committed in batches, each batch in one transaction (observations, memories, sources, vectors
together), so a process killed mid-import leaves every committed batch whole and the rest absent;
running the import again picks up where it stopped, because a line whose id is already stored is
skipped. Each batch goes through the memory pipeline (redaction, extraction, update decisions), so
a fact already known adds this line to that memory's sources instead of creating a duplicate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.errors import InvalidInputError
from core.memory import Observation, Source
from core.pipeline.ingest import Pipeline
from core.pipeline.rules import SpeakerRoles
from core.store import Store

Progress = Callable[[int, int], None]
MIN_YEAR, MAX_YEAR = 1900, 2200


@dataclass(frozen=True)
class ChatLine:
    """One validated line of a chat transcript."""

    id: str
    time: datetime
    speaker: str
    text: str
    session: str | None
    line_no: int


@dataclass
class ImportReport:
    """What an import did, for the CLI and GUI to show."""

    lines: int = 0
    observations_added: int = 0
    already_imported: int = 0
    memories_added: int = 0
    duplicates_merged: int = 0
    renamed_ids: int = 0
    updated: int = 0
    ended: int = 0
    quarantined: int = 0
    secrets_redacted: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_time(value: str, where: str) -> datetime:
    """ISO-8601 time; a time without offset is taken as the machine's local time."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{where}: 'time' is not an ISO-8601 time: {value!r}") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidInputError(f"{where}: 'time' {value!r} is outside {MIN_YEAR}-{MAX_YEAR}")
    return parsed if parsed.tzinfo is not None else parsed.astimezone()


def read_chat_lines(path: Path) -> Iterator[ChatLine]:
    """Yield validated lines; raise InvalidInputError naming the first bad line."""
    try:
        handle = path.open("r", encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror}") from None
    seen: set[str] = set()
    with handle:
        try:
            for line_no, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                where = f"{path.name}, line {line_no}"
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise InvalidInputError(f"{where}: not valid JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise InvalidInputError(f"{where}: expected a JSON object")
                for key in ("id", "time", "speaker", "text"):
                    if not isinstance(obj.get(key), str) or (key != "text" and not obj[key]):
                        raise InvalidInputError(f"{where}: '{key}' must be a non-empty string")
                session = obj.get("session")
                if session is not None and not isinstance(session, str):
                    raise InvalidInputError(f"{where}: 'session' must be a string")
                if obj["id"] in seen:
                    raise InvalidInputError(f"{where}: duplicate id {obj['id']!r}")
                seen.add(obj["id"])
                yield ChatLine(
                    obj["id"],
                    parse_time(obj["time"], where),
                    obj["speaker"],
                    obj["text"],
                    session,
                    line_no,
                )
        except UnicodeDecodeError:
            raise InvalidInputError(f"{path.name}: the file is not UTF-8 text") from None


def import_chats(
    store: Store,
    path: Path,
    roles: SpeakerRoles,
    batch_size: int = 200,
    progress: Progress | None = None,
    pipeline: Pipeline | None = None,
) -> ImportReport:
    """Import a chat transcript through the memory pipeline (rules unless `pipeline` has a
    model); idempotent and resumable."""
    lines = list(read_chat_lines(path))  # read once (pipes too) and validate before writing
    report = ImportReport(lines=len(lines))
    pipeline = pipeline or Pipeline(store, roles)
    for start in range(0, len(lines), batch_size):
        batch = lines[start : start + batch_size]
        _import_batch(pipeline, batch, roles, report)
        if progress:
            progress(start + len(batch), len(lines))
    return report


def _external_id(store: Store, line: ChatLine) -> str | None:
    """The id to store the line under, or None if this very line was imported before.

    A line is the same line when its id, speaker and time match (its text may since have been
    cut by `forget`). Another line reusing a known id, as exports that number messages per
    conversation do, is kept under the id plus a fingerprint of its content instead of being lost.
    """
    existing = store.observation_by_external(Source.CHAT, line.id)
    if existing is None:
        return line.id
    if existing.speaker == line.speaker and existing.time == line.time:
        return None
    raw = f"{line.time.isoformat()}|{line.speaker}|{line.text}".encode()
    renamed = f"{line.id}#{hashlib.sha256(raw).hexdigest()[:8]}"
    return None if store.observation_by_external(Source.CHAT, renamed) else renamed


def _import_batch(
    pipeline: Pipeline, lines: list[ChatLine], roles: SpeakerRoles, report: ImportReport
) -> None:
    store = pipeline.store
    with store.write():
        fresh: list[Observation] = []
        for line in lines:
            external_id = _external_id(store, line)
            if external_id is None:
                report.already_imported += 1
                continue
            fresh.append(
                Observation(
                    source=Source.CHAT,
                    time=line.time,
                    text=line.text,
                    trust=roles.trust(line.speaker),
                    external_id=external_id,
                    speaker=line.speaker,
                    session=line.session,
                )
            )
            report.renamed_ids += external_id != line.id
        ingested = pipeline.ingest(fresh)
    report.observations_added += ingested.observations_added
    report.memories_added += ingested.added
    report.duplicates_merged += ingested.duplicates
    report.updated += ingested.updated
    report.ended += ingested.deleted
    report.quarantined += ingested.quarantined
    report.secrets_redacted += ingested.secrets_redacted
    for kind, count in ingested.by_type.items():
        report.by_type[kind] = report.by_type.get(kind, 0) + count

"""What is inside a `.mnemo` archive once it is decrypted: a tar stream of JSONL parts and a manifest.

```
observations/000001.jsonl   one JSON object per line, in the store's insertion order
memories/000001.jsonl       every version, predecessors first; `sources` lists observation ids
links/000001.jsonl
decisions/000001.jsonl      the update step's logged decisions (why a version exists)
sleep_reports/000001.jsonl  finished sleep runs and their reports
segments/000001.jsonl       screen activity (app, window title, start, end)
frames/000001.jsonl         frame metadata and OCR words; `image` names the thumbnail member
frames/<frame id>.webp      the thumbnail itself, right after the part that describes it
manifest.json               last: format, versions, selection, counts, and every part's sha256
```

Parts are cut at about `PART_BYTES` so that neither side ever holds more than one part in memory;
each part's size and sha256 are in the manifest, and each thumbnail's sha256 is in its frame record
(so the manifest's hashes cover every byte without growing with the number of frames). The manifest
comes last because only then are the hashes known; readers who extract the tar find it beside the
parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import ArchiveInvalidError
from core.memory import LinkKind, MemoryType, Source, Status, Tier, Trust

FORMAT = "mnemo-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST = 16 << 20
PART_BYTES = 4 << 20
FINAL_CHUNK = 1  # plaintext bytes in the last age chunk: see core.archive.age
KINDS = ("observations", "memories", "links", "decisions", "sleep_reports", "segments", "frames")
PART_NAME = re.compile(r"(?P<kind>[a-z_]+)/(?P<seq>\d{6})\.jsonl")
IMAGE_NAME = re.compile(r"frames/(?P<id>[0-9A-Za-z-]{1,64})\.webp")
FRAME_PATH = re.compile(r"\d{4}/\d{2}/\d{2}/(?P<id>[0-9A-Za-z-]{1,64})\.mnf")


def part_name(kind: str, seq: int) -> str:
    return f"{kind}/{seq:06d}.jsonl"


# -- record checks -----------------------------------------------------------------------------
def _str(value: Any) -> bool:
    return isinstance(value, str)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _float(value: Any) -> bool:
    return _int(value) or isinstance(value, float)


def _time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.utcoffset() is not None


def _one_of(choices: Any) -> Callable[[Any], bool]:
    allowed = {str(c) for c in choices}
    return lambda value: isinstance(value, str) and value in allowed


def _sources(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


@dataclass(frozen=True)
class Column:
    name: str
    check: Callable[[Any], bool]
    nullable: bool = False


def _columns(spec: str, checks: Mapping[str, Callable[[Any], bool]]) -> tuple[Column, ...]:
    """Columns from 'name:check' words; a trailing '?' on the check means null is allowed."""
    out = []
    for word in spec.split():
        name, check = word.split(":")
        out.append(Column(name, checks[check.rstrip("?")], check.endswith("?")))
    return tuple(out)


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": _str,
    "int": _int,
    "float": _float,
    "time": _time,
    "bool": lambda v: isinstance(v, bool),
    "obj": lambda v: isinstance(v, dict),
    "list": _sources,
    "source": _one_of(Source),
    "trust": _one_of(Trust),
    "mtype": _one_of(MemoryType),
    "tier": _one_of(Tier),
    "status": _one_of(Status),
    "link": _one_of(LinkKind),
    "action": _one_of(("ADD", "UPDATE", "DELETE", "NOOP", "APPROVE")),
    "decider": _one_of(("rules", "model", "user")),
    "runstatus": _one_of(("done", "failed")),
    "ocr": _one_of(("pending", "done", "dropped", "skipped", "lost")),
}

# The columns of each kind of record, as stored (JSON text columns stay text, except a memory's
# `fields`, which is written as an object so the archive reads naturally).
SPECS: dict[str, tuple[Column, ...]] = {
    "observations": _columns(
        "id:str source:source external_id:str? time:time ts:float speaker:str? session:str? "
        "app:str? window:str? url:str? text:str trust:trust frame_path:str? created_at:time",
        _CHECKS,
    ),
    "memories": _columns(
        "id:str type:mtype text:str fields:obj valid_from:time? valid_to:time? recorded_at:time "
        "superseded_at:time? event_ts:float version:int supersedes:str? importance:float "
        "strength:float last_recalled_at:time? recall_count:int tier:tier status:status "
        "content_hash:str source:str app:str pinned:bool sources:list",
        _CHECKS,
    ),
    "links": _columns(
        "src:str dst:str kind:link weight:float created_by:str created_at:time", _CHECKS
    ),
    "decisions": _columns(
        "id:str time:time action:action decided_by:decider reason:str candidate:str "
        "target_id:str? result_id:str? observations:str",
        _CHECKS,
    ),
    "sleep_reports": _columns(
        "id:str started_at:time now:time trigger:str phases:str status:runstatus "
        "finished_at:time? error:str? attempts:int report:str",
        _CHECKS,
    ),
    "segments": _columns(
        "id:str app:str? title:str? start:time start_ts:float end:time end_ts:float closed:int "
        "observation_id:str?",
        _CHECKS,
    ),
    "frames": _columns(
        "id:str segment_id:str time:time ts:float path:str bytes:int width:int height:int "
        "screen:str app:str? title:str? masked:int ocr:ocr ocr_region:str? text:str words:str "
        "image:str? sha256:str?",
        _CHECKS,
    ),
}

# The table each kind goes to, and the columns read from it (a record's other keys are derived).
TABLES = {
    "observations": "observations",
    "memories": "memories",
    "links": "links",
    "decisions": "decisions",
    "sleep_reports": "sleep_runs",
    "segments": "segments",
    "frames": "frames",
}
DERIVED = {"memories": {"sources"}, "frames": {"image", "sha256"}}


def table_columns(kind: str) -> list[str]:
    return [c.name for c in SPECS[kind] if c.name not in DERIVED.get(kind, set())]


def check_record(kind: str, record: Any, where: str) -> dict[str, Any]:
    """The record if it has exactly the columns of `kind` with valid values, else a clear error."""
    if not isinstance(record, dict):
        raise ArchiveInvalidError(f"{where}: a record is not a JSON object")
    spec = SPECS[kind]
    if len(record) != len(spec) or any(c.name not in record for c in spec):
        names = {c.name for c in spec}
        odd = sorted(set(record) ^ names)
        raise ArchiveInvalidError(f"{where}: a record has missing or unexpected fields {odd}")
    for column in spec:
        value = record[column.name]
        if value is None and column.nullable:
            continue
        if not column.check(value):
            raise ArchiveInvalidError(f"{where}: a record has an invalid {column.name!r}")
    return record


@dataclass
class Member:
    """One part listed in the manifest."""

    name: str
    sha256: str
    size: int
    records: int


def manifest_members(manifest: Mapping[str, Any]) -> dict[str, Member]:
    """The manifest's member list, checked for shape."""
    members = manifest.get("members")
    if not isinstance(members, list):
        raise ArchiveInvalidError("the archive manifest lists no members")
    found: dict[str, Member] = {}
    for entry in members:
        if not (
            isinstance(entry, dict)
            and _str(entry.get("name"))
            and _str(entry.get("sha256"))
            and _int(entry.get("size"))
            and _int(entry.get("records"))
        ):
            raise ArchiveInvalidError("the archive manifest has a malformed member entry")
        if entry["name"] in found or not PART_NAME.fullmatch(entry["name"]):
            raise ArchiveInvalidError(f"the archive manifest lists {entry['name']!r} wrongly")
        found[entry["name"]] = Member(
            entry["name"], entry["sha256"], entry["size"], entry["records"]
        )
    return found

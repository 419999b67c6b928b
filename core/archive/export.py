"""Export: the store (or a time range, some types) into one encrypted `.mnemo` archive.

The export reads one consistent snapshot (a single read transaction) and streams it: rows go into
JSONL parts of about 4 MiB, each part into the tar stream as soon as it is full, the tar stream
through the age encryption into a temporary file beside the target. Only when the archive is
complete, on disk (fsync) and has been read back and verified (passphrase archives: decrypted and
every hash checked) is it renamed into place, so a crash, a full disk or a wrong argument never
leaves a half archive under the target's name.

Selection. Memories are chosen by whole version chains: a chain is in when its latest version is
(type, event time in range), and then every version of it is, so the archive never refers to a
version it lacks. Observations are the sources of the chosen memories, plus, when no type filter
is given, everything observed in the range; links and decisions come when both of their ends do.
Vault memories stay out unless asked for; the statements they were made from are then cut out of
the observations' text. Screen activity (segments) and frames come only without a type filter.

Memory: an export of everything (with or without the vault) selects by plain conditions on each
row; an export of a range or some types keeps the chosen memories' ids (not their contents) in a
temporary table, about 50 bytes each.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from core.archive import age
from core.archive.format import (
    FINAL_CHUNK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PART_BYTES,
    Member,
    part_name,
    table_columns,
)
from core.capture.frames import KEY_INFO, FrameCipher
from core.errors import ArchiveError, FrameCorruptError, InvalidInputError
from core.memory import MemoryType
from core.store import Store
from core.store.connection import Connection
from core.store.migrations import schema_version
from core.store.store import cut_statements

Progress = Callable[[int, int, str | None], None]
VAULT_CUT = "[vault]"


def app_version() -> str:
    try:
        return version("mnemo")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0+unknown"


@dataclass
class Selection:
    """What to export."""

    since: datetime | None = None
    until: datetime | None = None
    types: list[MemoryType] = field(default_factory=list)
    frames: bool = True
    vault: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "types": [str(t) for t in self.types],
            "frames": self.frames,
            "vault": self.vault,
        }

    @property
    def ranged(self) -> bool:
        return bool(self.since or self.until or self.types)

    def bounds(self) -> tuple[float, float]:
        lo = self.since.timestamp() if self.since else float("-inf")
        hi = self.until.timestamp() if self.until else float("inf")
        return lo, hi


@dataclass
class ExportReport:
    path: Path
    counts: dict[str, int]
    archive_bytes: int
    plaintext_bytes: int
    seconds: float
    verified: bool
    encrypted_to: str  # "passphrase" or the recipient's public key


# -- the tar side ------------------------------------------------------------------------------
class _Sink(io.RawIOBase):
    """Counts the plaintext on its way into the age stream, and pads its end (see FINAL_CHUNK)."""

    def __init__(self, out: io.RawIOBase) -> None:
        self._out = out
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        n = self._out.write(data) or 0
        self.size += n
        return n

    def pad(self) -> None:
        # tar readers stop at the end-of-archive blocks; the zeros after them are ignored.
        self.write(bytes((FINAL_CHUNK - self.size) % age.CHUNK))


class _Tar:
    """Members into a streamed tar, each part's sha256 kept for the manifest."""

    def __init__(self, tar: tarfile.TarFile, created: datetime) -> None:
        self.tar = tar
        self.mtime = int(created.timestamp())
        self.members: list[Member] = []

    def add(self, name: str, data: bytes) -> str:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = self.mtime
        info.mode = 0o600
        self.tar.addfile(info, io.BytesIO(data))
        return hashlib.sha256(data).hexdigest()


class _Parts:
    """One kind of record as JSONL parts of about PART_BYTES; frames carry their images along."""

    def __init__(self, tar: _Tar, kind: str) -> None:
        self.tar = tar
        self.kind = kind
        self.lines: list[bytes] = []
        self.images: list[tuple[str, bytes]] = []
        self.size = 0
        self.seq = 0
        self.count = 0

    def add(self, record: dict[str, Any], image: tuple[str, bytes] | None = None) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        grow = len(line) + (len(image[1]) if image else 0)
        if self.lines and self.size + grow > PART_BYTES:
            self.flush()
        self.lines.append(line)
        if image:
            self.images.append(image)
        self.size += grow
        self.count += 1

    def flush(self) -> None:
        if not self.lines:
            return
        self.seq += 1
        name = part_name(self.kind, self.seq)
        data = b"".join(self.lines)
        sha = self.tar.add(name, data)
        self.tar.members.append(Member(name, sha, len(data), len(self.lines)))
        for image_name, blob in self.images:
            self.tar.add(image_name, blob)
        self.lines, self.images, self.size = [], [], 0


# -- selection ---------------------------------------------------------------------------------
class SelectionQuery:
    """The SQL conditions that pick each kind of row for a selection."""

    def __init__(self, conn: Connection, sel: Selection) -> None:
        self.sel = sel
        self.params: dict[str, Any] = {}
        lo, hi = sel.bounds()
        self.params.update(lo=lo, hi=hi)
        if sel.ranged:
            self._choose_chains(conn)
            chosen = "{} IN (SELECT id FROM temp.archive_ids)"
        elif not sel.vault:
            chosen = "NOT EXISTS (SELECT 1 FROM memories v WHERE v.id = {} AND v.type = 'vault')"
        else:
            chosen = "1"
        self.chosen = chosen.format
        self.segment = "1" if not sel.ranged else "end_ts >= :lo AND start_ts < :hi"
        self.with_activity = not sel.types
        self.observed = (
            "1"
            if not sel.ranged
            else f"o.id IN (SELECT observation_id FROM memory_sources "
            f"WHERE {self.chosen('memory_id')})"
            + (
                " OR (o.ts >= :lo AND o.ts < :hi) OR o.id IN (SELECT observation_id FROM "
                f"segments WHERE {self.segment})"
                if self.with_activity
                else ""
            )
        )
        self.run = "status != 'running'" + (
            " AND started_at >= :since AND started_at < :until" if sel.since or sel.until else ""
        )
        self.params.update(
            since=sel.since.astimezone(UTC).isoformat() if sel.since else "",
            until=sel.until.astimezone(UTC).isoformat() if sel.until else "9999",
        )

    def _choose_chains(self, conn: Connection) -> None:
        types = [str(t) for t in self.sel.types] or [
            str(t) for t in MemoryType if self.sel.vault or t is not MemoryType.VAULT
        ]
        marks = ", ".join(f":t{i}" for i in range(len(types)))
        self.params.update({f"t{i}": t for i, t in enumerate(types)})
        # (one left by an export that failed half-way on this connection goes first)
        conn.execute("DROP TABLE IF EXISTS temp.archive_ids")
        conn.execute("CREATE TEMP TABLE archive_ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
        conn.execute(
            "INSERT INTO temp.archive_ids WITH RECURSIVE "
            "heads(id) AS (SELECT m.id FROM memories m WHERE NOT EXISTS (SELECT 1 FROM memories "
            f"s WHERE s.supersedes = m.id) AND m.type IN ({marks}) AND m.event_ts >= :lo "
            "AND m.event_ts < :hi), "
            "chain(id) AS (SELECT id FROM heads UNION SELECT m.supersedes FROM memories m "
            "JOIN chain c ON m.id = c.id WHERE m.supersedes IS NOT NULL) "
            f"SELECT c.id FROM chain c JOIN memories m ON m.id = c.id WHERE m.type IN ({marks})",
            self.params,
        )

    def close(self, conn: Connection) -> None:
        if self.sel.ranged:
            conn.execute("DROP TABLE IF EXISTS temp.archive_ids")

    def sql(self, kind: str, by_time: bool = False) -> str:
        cols = ", ".join(table_columns(kind))
        if kind == "memories":
            sources = (
                "(SELECT json_group_array(observation_id) FROM (SELECT observation_id FROM "
                "memory_sources s WHERE s.memory_id = m.id ORDER BY observation_id))"
            )
            return f"SELECT {cols}, {sources} FROM memories m WHERE {self.chosen('m.id')} " + (
                "ORDER BY m.event_ts, m.rowid" if by_time else "ORDER BY m.rowid"
            )
        if kind == "observations":
            cut = (
                "'[]'"
                if self.sel.vault
                else "(SELECT json_group_array(m.text) FROM memory_sources s JOIN memories m ON "
                "m.id = s.memory_id WHERE s.observation_id = o.id AND m.type = 'vault')"
            )
            return f"SELECT {cols}, {cut} FROM observations o WHERE {self.observed} ORDER BY rowid"
        if kind == "links":
            return (
                f"SELECT {cols} FROM links WHERE {self.chosen('src')} AND {self.chosen('dst')} "
                "ORDER BY src, dst, kind"
            )
        if kind == "decisions":
            return (
                f"SELECT {cols} FROM decisions WHERE (target_id IS NULL OR "
                f"{self.chosen('target_id')}) AND (result_id IS NULL OR "
                f"{self.chosen('result_id')}) "
                + (
                    ""
                    if not self.sel.ranged and self.sel.vault
                    else "AND coalesce(target_id, result_id) IS NOT NULL "
                )
                + "ORDER BY time, id"
            )
        if kind == "sleep_reports":
            return f"SELECT {cols} FROM sleep_runs WHERE {self.run} ORDER BY started_at, id"
        if kind == "segments":
            return f"SELECT {cols} FROM segments WHERE {self.segment} ORDER BY start_ts, id"
        if kind == "frames":
            return (
                f"SELECT {cols} FROM frames f WHERE EXISTS (SELECT 1 FROM segments WHERE "
                f"id = f.segment_id AND {self.segment}) ORDER BY f.rowid"
            )
        raise ValueError(kind)

    def kinds(self) -> list[str]:
        kinds = ["observations", "memories", "links", "decisions", "sleep_reports"]
        if self.with_activity:
            kinds.append("segments")
            if self.sel.frames:
                kinds.append("frames")
        return kinds


@contextmanager
def snapshot(store: Store, sel: Selection) -> Iterator[tuple[Connection, SelectionQuery]]:
    """One read transaction (a consistent snapshot) with the selection's query ready on it."""
    with store.read() as conn:
        conn.execute("BEGIN")
        try:
            query = SelectionQuery(conn, sel)
            yield conn, query
            query.close(conn)
        finally:
            conn.execute("COMMIT")


# -- rows to records ---------------------------------------------------------------------------
def read_records(
    conn: Connection,
    query: SelectionQuery,
    kind: str,
    frames: _FrameReader | None,
    by_time: bool = False,
) -> Iterator[tuple[dict[str, Any], tuple[str, bytes] | None]]:
    names = table_columns(kind)
    for row in conn.execute(query.sql(kind, by_time), query.params):
        record = dict(zip(names, row, strict=False))
        image = None
        if kind == "memories":
            record["fields"] = json.loads(record["fields"])
            record["pinned"] = bool(record["pinned"])
            record["sources"] = json.loads(row[-1])
        elif kind == "observations":
            vault = json.loads(row[-1])
            if vault:
                record["text"] = cut_statements(record["text"], record["speaker"], vault, VAULT_CUT)
        elif kind == "frames":
            image = frames.image(record["id"], record["path"]) if frames else None
            record["image"] = image[0] if image else None
            record["sha256"] = hashlib.sha256(image[1]).hexdigest() if image else None
        yield record, image


class _FrameReader:
    """Thumbnails decrypted for the archive (they are plaintext only inside the age stream)."""

    def __init__(self, store: Store, frames_dir: Path) -> None:
        self.cipher = FrameCipher(store.derive_key(KEY_INFO))
        self.frames_dir = frames_dir
        self.unreadable = 0

    def image(self, frame_id: str, rel: str) -> tuple[str, bytes] | None:
        try:
            blob = (self.frames_dir / rel).read_bytes()
            return f"frames/{frame_id}.webp", self.cipher.open(frame_id, blob)
        except FileNotFoundError:
            return None  # pruned by retention: the record stays, without its picture
        except (OSError, FrameCorruptError):
            self.unreadable += 1
            return None


# -- export ------------------------------------------------------------------------------------
def export_archive(
    store: Store,
    target: Path,
    selection: Selection,
    *,
    passphrase: str | None = None,
    recipient: str | None = None,
    frames_dir: Path | None = None,
    progress: Progress | None = None,
    work: int = age.WORK,
) -> ExportReport:
    """Write the selection to `target` as an age-encrypted archive; see the module's docstring."""
    if (passphrase is None) == (recipient is None):
        raise InvalidInputError("an archive is encrypted with a passphrase or to a recipient")
    if target.is_dir():
        raise InvalidInputError(f"{target} is a folder; give the archive's file name")
    started = time.monotonic()
    created = datetime.now(UTC)
    keys: dict[bytes, bytes] = {}  # the verification reuses the file key: scrypt runs once
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            stream: io.RawIOBase = (
                age.passphrase_writer(out, passphrase, work, keys)
                if passphrase is not None
                else age.recipient_writer(out, recipient or "")
            )
            sink = _Sink(stream)
            counts = _write(store, sink, selection, created, frames_dir, progress)
            sink.pad()
            stream.close()
            out.flush()
            os.fsync(out.fileno())
        verified = False
        if passphrase is not None:
            from core.archive.importer import verify_archive

            if progress:
                progress(0, 1, "verifying")
            verify_archive(tmp, lambda: passphrase, keys=keys)
            verified = True
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == 28:
            raise ArchiveError(f"the disk is full: no archive was written to {target}") from None
        raise ArchiveError(f"cannot write the archive {target}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportReport(
        path=target,
        counts=counts,
        archive_bytes=target.stat().st_size,
        plaintext_bytes=sink.size,
        seconds=time.monotonic() - started,
        verified=verified,
        encrypted_to="passphrase" if passphrase is not None else str(recipient),
    )


def _write(
    store: Store,
    sink: _Sink,
    sel: Selection,
    created: datetime,
    frames_dir: Path | None,
    progress: Progress | None,
) -> dict[str, int]:
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tarf:
        return _write_members(_Tar(tarf, created), store, sel, created, frames_dir, progress)


def _write_members(
    tar: _Tar,
    store: Store,
    sel: Selection,
    created: datetime,
    frames_dir: Path | None,
    progress: Progress | None,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    with snapshot(store, sel) as (conn, query):
        frames = (
            _FrameReader(store, frames_dir)
            if frames_dir is not None and store.encrypted and "frames" in query.kinds()
            else None
        )
        for kind in query.kinds():
            parts = _Parts(tar, kind)
            for record, image in read_records(conn, query, kind, frames):
                parts.add(record, image)
                if progress and parts.count % 1000 == 0:
                    progress(parts.count, 0, f"exporting {kind}")
            parts.flush()
            counts[kind] = parts.count
        if frames is not None:
            counts["frame_images_unreadable"] = frames.unreadable
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": app_version(),
            "schema_version": schema_version(conn),
            "created": created.isoformat(),
            "selection": sel.as_json(),
            "counts": counts,
            "members": [m.__dict__ for m in tar.members],
        }
    tar.add(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    return counts

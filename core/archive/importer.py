"""Import: verify a `.mnemo` archive whole, then merge it into the store in one transaction.

Pass one reads the archive from end to end without writing anything: the age layer authenticates
every chunk (a wrong passphrase, a changed byte or a cut-short file stop it here), every part is
hashed and every record checked, and the manifest at the end must list exactly the parts seen, with
their sizes, hashes and record counts, in a format and schema this Mnemo knows. Only then does pass
two read the archive again and merge it inside one write transaction, so any surprise rolls
everything back.

Merging never overwrites or deletes. Every record is matched by its id:

- a record the store already has is left as it is (importing the same archive twice adds nothing);
- a new memory version whose predecessor is the store's current version continues that chain: the
  predecessor is superseded, as `Store.supersede` would do;
- when both sides changed the same memory since they parted, both sides' versions are kept in one
  chain: the archive's versions follow the store's if the archive's latest is newer, otherwise they
  are kept as a superseded branch linked `merged-into` the store's current version;
- versions of a memory the user forgot here stay out: a forget is never undone by an import.

Embeddings are computed with this store's embedder (reusing vectors of texts it already has).
Imported observations keep their source, time and ids but arrive with trust `import`, so everything
later made from them is fenced as untrusted; an active memory not from the user whose text looks like
instructions to a model is quarantined for review, as the pipeline does for new text.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.archive import age
from core.archive.format import (
    FINAL_CHUNK,
    FORMAT,
    FORMAT_VERSION,
    FRAME_PATH,
    IMAGE_NAME,
    KINDS,
    MANIFEST,
    MAX_MANIFEST,
    PART_BYTES,
    PART_NAME,
    check_record,
    manifest_members,
    part_name,
    table_columns,
)
from core.capture.frames import KEY_INFO, FrameCipher
from core.errors import (
    ArchiveError,
    ArchiveInvalidError,
    ArchiveMismatchError,
    ArchiveTooNewError,
    NotAnArchiveError,
)
from core.files import write_atomic
from core.memory import LinkKind, MemoryType, Status, Trust
from core.pipeline.guard import injection_reasons
from core.store import Store
from core.store.connection import Connection
from core.store.migrations import schema_version

Progress = Callable[[int, int, str | None], None]
MAX_IMAGE = 32 << 20
BATCH = 256


# -- reading the plaintext ---------------------------------------------------------------------
@contextmanager
def _tar(
    path: Path,
    passphrase: Callable[[], str] | None,
    identities: list[Any] | None,
    max_work: int,
    keys: dict[bytes, bytes] | None,
) -> Iterator[tarfile.TarFile]:
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise ArchiveError(f"no archive at {path}") from None
    except OSError as exc:
        raise ArchiveError(f"cannot read the archive {path}: {exc.strerror or exc}") from None
    with fh:
        plain = age.reader(fh, passphrase, identities, FINAL_CHUNK, max_work, keys)
        try:
            with tarfile.open(fileobj=plain, mode="r|", bufsize=age.CHUNK) as tar:
                yield tar
            # tar stops at its end marker: read on, so the last chunks are authenticated too.
            while plain.read(age.CHUNK):
                pass
        except (tarfile.TarError, EOFError, UnicodeError) as exc:
            raise ArchiveInvalidError(
                f"the archive decrypts, but its contents are not a readable tar stream ({exc})"
            ) from None
        finally:
            plain.close()


def _read(tar: tarfile.TarFile, info: tarfile.TarInfo, limit: int) -> bytes:
    if info.size > limit:
        raise ArchiveInvalidError(f"the archive member {info.name} is too large ({info.size} B)")
    handle = tar.extractfile(info)
    data = handle.read() if handle is not None else b""
    if len(data) != info.size:
        raise ArchiveInvalidError(f"the archive member {info.name} is cut short")
    return data


def _lines(name: str, data: bytes) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(data.splitlines(), 1):
        where = f"{name} line {number}"
        try:
            yield where, json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise ArchiveInvalidError(f"{where} is not valid JSON") from None


def _parts(tar: tarfile.TarFile) -> Iterator[tuple[str, str, bytes]]:
    """(kind, name, data) for each JSONL part, then ('manifest', ..) and ('image', ..) members.

    Checks the layout on the way: regular files only, kinds in order, parts numbered from 1.
    """
    order = -1
    seq = 0
    for info in tar:
        if not info.isfile():
            raise ArchiveInvalidError(f"the archive holds {info.name!r}, which is not a file")
        if info.name == MANIFEST:
            yield "manifest", info.name, _read(tar, info, MAX_MANIFEST)
            continue
        if IMAGE_NAME.fullmatch(info.name):
            yield "image", info.name, _read(tar, info, MAX_IMAGE)
            continue
        match = PART_NAME.fullmatch(info.name)
        if not match or match["kind"] not in KINDS:
            raise ArchiveInvalidError(f"the archive holds an unexpected member {info.name!r}")
        index = KINDS.index(match["kind"])
        seq = seq + 1 if index == order else 1
        if index < order or info.name != part_name(match["kind"], seq):
            raise ArchiveInvalidError(f"the archive's member {info.name!r} is out of order")
        order = index
        yield match["kind"], info.name, _read(tar, info, 4 * PART_BYTES)


# -- pass one ----------------------------------------------------------------------------------
def verify_archive(
    path: Path,
    passphrase: Callable[[], str] | None,
    identities: list[Any] | None = None,
    store_schema: int | None = None,
    max_work: int = age.MAX_WORK,
    keys: dict[bytes, bytes] | None = None,
) -> dict[str, Any]:
    """Read the whole archive and check everything; return its manifest. Writes nothing.

    `keys` carries the file key from one read of the archive to the next (see `age.reader`)."""
    seen: dict[str, tuple[str, int, int]] = {}
    images: dict[str, str | None] = {}
    manifest: Any = None
    problem: ArchiveError | None = None
    with _tar(path, passphrase, identities, max_work, keys) as tar:
        try:
            for kind, name, data in _parts(tar):
                if manifest is not None:
                    raise ArchiveInvalidError(f"the archive has {name!r} after its manifest")
                if kind == "manifest":
                    try:
                        manifest = json.loads(data)
                    except (ValueError, UnicodeDecodeError):
                        raise NotAnArchiveError(
                            "this is not a Mnemo archive: its manifest is not JSON"
                        ) from None
                elif kind == "image":
                    expected = images.pop(name, None)
                    if expected != hashlib.sha256(data).hexdigest():
                        raise ArchiveMismatchError(
                            f"the archive's picture {name} does not match its checksum"
                        )
                elif problem is None:
                    records = 0
                    try:
                        for where, record in _lines(name, data):
                            check_record(kind, record, where)
                            records += 1
                            if kind == "frames" and record["image"] is not None:
                                images[record["image"]] = record["sha256"]
                    except ArchiveInvalidError as exc:
                        problem = problem or exc  # reported after the manifest's version check
                    seen[name] = (hashlib.sha256(data).hexdigest(), len(data), records)
        except ArchiveInvalidError as exc:
            if manifest is None and problem is None:
                problem = exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        if problem is not None and manifest is None and seen:
            raise problem
        raise NotAnArchiveError("this is not a Mnemo archive: it has no Mnemo manifest")
    _check_versions(manifest, store_schema)
    if problem is not None:
        raise problem
    listed = manifest_members(manifest)
    for name, member in listed.items():
        if name not in seen:
            raise ArchiveMismatchError(f"the archive lacks {name}, which its manifest lists")
        sha, size, records = seen[name]
        if (sha, size) != (member.sha256, member.size):
            raise ArchiveMismatchError(f"the archive's {name} does not match its checksum")
        if records != member.records:
            raise ArchiveMismatchError(
                f"the archive's {name} has {records} records, not the "
                f"{member.records} its manifest gives"
            )
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise ArchiveMismatchError(
            f"the archive holds {extra[0]}, which its manifest does not list"
        )
    if images:
        raise ArchiveMismatchError(f"the archive lacks the picture {sorted(images)[0]}")
    return manifest


def _check_versions(manifest: dict[str, Any], store_schema: int | None) -> None:
    fmt = manifest.get("format_version")
    schema = manifest.get("schema_version")
    if not isinstance(fmt, int) or not isinstance(schema, int):
        raise ArchiveInvalidError("the archive manifest has no valid format or schema version")
    if fmt > FORMAT_VERSION:
        raise ArchiveTooNewError(
            f"this archive was made by a newer Mnemo ({manifest.get('app_version', '?')}, archive "
            f"format {fmt}; this Mnemo reads format {FORMAT_VERSION}): update Mnemo to import it"
        )
    if store_schema is not None and schema > store_schema:
        raise ArchiveTooNewError(
            f"this archive holds a newer store layout (schema {schema}; this store is at "
            f"{store_schema}): update Mnemo to import it"
        )


# -- pass two ----------------------------------------------------------------------------------
@dataclass
class ImportReport:
    path: Path
    dry_run: bool
    manifest: dict[str, Any]
    added: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    continued: int = 0  # chains the archive continued past this store's current version
    diverged: int = 0  # chains both sides changed: versions kept from both
    quarantined: int = 0
    seconds: float = 0.0

    def bump(self, table: dict[str, int], kind: str, n: int = 1) -> None:
        table[kind] = table.get(kind, 0) + n


class _Rollback(Exception):
    """Leaves the transaction of a dry run."""


def import_archive(
    store: Store,
    path: Path,
    passphrase: Callable[[], str] | None,
    *,
    identities: list[Any] | None = None,
    frames_dir: Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    max_work: int = age.MAX_WORK,
) -> ImportReport:
    """Verify the archive at `path`, then merge it (see the module's docstring)."""
    started = time.monotonic()
    keys: dict[bytes, bytes] = {}  # the passphrase is asked, and scrypt run, once for both passes
    with store.read() as conn:
        current = schema_version(conn)
    if progress:
        progress(0, 0, "verifying")
    manifest = verify_archive(path, passphrase, identities, current, max_work, keys)
    report = ImportReport(path, dry_run, manifest)
    merger = _Merger(store, report, frames_dir if not dry_run else None, dry_run)
    total = sum(m.records for m in manifest_members(manifest).values())
    try:
        with (
            store.write() as conn,
            _tar(path, passphrase, identities, max_work, keys) as tar,
        ):
            done = 0
            for kind, name, data in _parts(tar):
                if kind == "manifest":
                    continue
                if kind == "image":
                    merger.image(name, data)
                    continue
                for _where, record in _lines(name, data):
                    merger.add(kind, record)
                    done += 1
                    if progress and done % 1000 == 0:
                        progress(done, total, f"importing {kind}")
            merger.finish()
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except BaseException:
        merger.discard_files()
        raise
    if not dry_run:
        store.checkpoint()
    report.seconds = time.monotonic() - started
    return report


class _Merger:
    """Applies records in archive order inside the caller's transaction."""

    def __init__(
        self, store: Store, report: ImportReport, frames_dir: Path | None, dry_run: bool
    ) -> None:
        self.store = store
        self.conn: Connection = store.conn
        self.report = report
        self.frames_dir = frames_dir
        self.dry_run = dry_run
        self.cipher = (
            FrameCipher(store.derive_key(KEY_INFO))
            if frames_dir is not None and store.encrypted
            else None
        )
        self.base = int(
            self.conn.execute("SELECT coalesce(max(rowid), 0) FROM memories").fetchone()[0]
        )
        self.remap: dict[str, str] = {}  # archive observation id -> this store's, same external id
        self.pending: list[dict[str, Any]] = []
        self.superseded: dict[str, tuple[str, str | None]] = {}  # archive's view of our versions
        self.dropped: set[str] = set()
        self.forks: list[tuple[str, str]] = []  # (first version of the archive's branch, base)
        self.frame_paths: dict[str, str] = {}
        self.written: list[Path] = []

    # -- dispatch ---------------------------------------------------------------------------
    def add(self, kind: str, record: dict[str, Any]) -> None:
        if kind == "memories":
            self.pending.append(record)
            if len(self.pending) >= BATCH:
                self._memories()
            return
        self._memories()
        getattr(self, f"_{kind}")(record)

    def finish(self) -> None:
        self._memories()
        self._resolve_forks()

    def _exists(self, table: str, where: str, *params: Any) -> bool:
        row = self.conn.execute(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1", params).fetchone()
        return row is not None

    def _insert(self, table: str, columns: list[str], record: dict[str, Any]) -> None:
        self.conn.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [record[c] for c in columns],
        )

    # -- observations -----------------------------------------------------------------------
    def _observations(self, rec: dict[str, Any]) -> None:
        if self._exists("observations", "id = ?", rec["id"]):
            self.report.bump(self.report.present, "observations")
            return
        if rec["external_id"] is not None:
            row = self.conn.execute(
                "SELECT id FROM observations WHERE source = ? AND external_id = ?",
                (rec["source"], rec["external_id"]),
            ).fetchone()
            if row is not None:  # the same chat line, imported here before under another id
                self.remap[rec["id"]] = row[0]
                self.report.bump(self.report.present, "observations")
                return
        rec = {**rec, "trust": str(Trust.IMPORT)}
        self._insert("observations", table_columns("observations"), rec)
        self.report.bump(self.report.added, "observations")

    # -- memories ---------------------------------------------------------------------------
    def _memories(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        ids = [r["id"] for r in batch]
        marks = ", ".join("?" * len(ids))
        known = dict(
            self.conn.execute(f"SELECT id, superseded_at FROM memories WHERE id IN ({marks})", ids)
        )
        new = [r for r in batch if r["id"] not in known]
        live = [r for r in new if r["status"] != Status.DELETED]
        blobs = dict(zip((r["id"] for r in live), self._vectors(live), strict=True)) if live else {}
        for rec in batch:
            if rec["id"] in known:
                self.report.bump(self.report.present, "memories")
                if rec["superseded_at"] and known[rec["id"]] is None:
                    self.superseded[rec["id"]] = (rec["superseded_at"], rec["valid_to"])
                continue
            self._memory(rec, blobs.get(rec["id"]))

    def _vectors(self, records: list[dict[str, Any]]) -> list[bytes]:
        if self.dry_run:  # rolled back anyway: embedding would only cost time
            return [b""] * len(records)
        return self.store.vector_blobs([(r["content_hash"], r["text"]) for r in records])

    def _memory(self, rec: dict[str, Any], blob: bytes | None) -> None:
        prev = rec["supersedes"]
        if prev is not None and prev in self.dropped:
            self._drop(rec)
            return
        rec = dict(rec)
        if prev is not None:
            row = self.conn.execute(
                "SELECT rowid, superseded_at, status, version FROM memories WHERE id = ?",
                (prev,),
            ).fetchone()
            if row is None:
                raise ArchiveInvalidError(
                    f"memory {rec['id']} follows {prev}, which is neither here nor in the archive"
                )
            rowid, superseded_at, status, version = row
            if status == Status.DELETED:
                self._drop(rec)  # the user forgot this memory here
                return
            if rowid <= self.base:  # our version: the archive's chain continues from it
                successor = self._exists("memories", "supersedes = ?", prev)
                if successor or superseded_at is not None:
                    rec["supersedes"] = None  # provisional: placed by _resolve_forks
                    self.forks.append((rec["id"], prev))
                else:
                    at, archived_valid_to = self.superseded.pop(prev, (rec["recorded_at"], None))
                    self.conn.execute(
                        "UPDATE memories SET superseded_at = ?, valid_to = coalesce(valid_to, ?) "
                        "WHERE rowid = ?",
                        (at, archived_valid_to, rowid),
                    )
                    self.store.sync_state(rowid)
                    rec["version"] = version + 1
                    self.report.continued += 1
        rec["sources"] = [self.remap.get(s, s) for s in rec["sources"]]
        self._quarantine(rec)
        self.store.insert_archived(rec, blob)
        self.report.bump(self.report.added, "memories")

    def _drop(self, rec: dict[str, Any]) -> None:
        self.dropped.add(rec["id"])
        self.report.bump(self.report.skipped, "memories of forgotten ones")

    def _quarantine(self, rec: dict[str, Any]) -> None:
        fields = rec["fields"]
        if (
            rec["status"] != Status.ACTIVE
            or rec["type"] == MemoryType.VAULT
            or fields.get("trust", Trust.USER) == Trust.USER
            or "quarantine" in fields
        ):
            return
        reasons = injection_reasons(rec["text"])
        if reasons:
            rec["status"] = str(Status.QUARANTINED)
            rec["fields"] = {**fields, "quarantine": reasons}
            self.report.quarantined += 1

    def _resolve_forks(self) -> None:
        """Place each branch the archive grew on a version this store also changed."""
        for first, base in self.forks:
            ours = self._head(base)
            theirs = self._head(first)
            branch = self._chain(first)
            if ours["superseded_at"] is None and theirs["recorded_at"] > ours["recorded_at"]:
                # The archive's latest is newer: its versions follow ours.
                at = max(ours["recorded_at"], self._row(first)["recorded_at"])
                self.conn.execute(
                    "UPDATE memories SET superseded_at = ? WHERE rowid = ?", (at, ours["rowid"])
                )
                self.store.sync_state(ours["rowid"])
                self.conn.execute(
                    "UPDATE memories SET supersedes = ? WHERE id = ?", (ours["id"], first)
                )
                for offset, memory_id in enumerate(branch, 1):
                    self.conn.execute(
                        "UPDATE memories SET version = ? WHERE id = ?",
                        (ours["version"] + offset, memory_id),
                    )
            else:
                # Ours is newer (or no longer current): the archive's branch is kept, superseded.
                if theirs["superseded_at"] is None:
                    at = ours["superseded_at"] or ours["recorded_at"]
                    self.conn.execute(
                        "UPDATE memories SET superseded_at = ? WHERE rowid = ?",
                        (max(at, theirs["recorded_at"]), theirs["rowid"]),
                    )
                    self.store.sync_state(theirs["rowid"])
                self.conn.execute(
                    "INSERT OR IGNORE INTO links (src, dst, kind, weight, created_by, created_at) "
                    "VALUES (?, ?, ?, 1.0, 'import', ?)",
                    (theirs["id"], ours["id"], str(LinkKind.MERGED_INTO), theirs["recorded_at"]),
                )
            self.report.diverged += 1

    def _row(self, memory_id: str) -> dict[str, Any]:
        cursor = self.conn.execute(
            "SELECT rowid, id, version, recorded_at, superseded_at FROM memories WHERE id = ?",
            (memory_id,),
        )
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))

    def _chain(self, first: str) -> list[str]:
        chain = [first]
        while True:
            row = self.conn.execute(
                "SELECT id FROM memories WHERE supersedes = ? ORDER BY rowid LIMIT 1", (chain[-1],)
            ).fetchone()
            if row is None or row[0] in chain:
                return chain
            chain.append(row[0])

    def _head(self, memory_id: str) -> dict[str, Any]:
        return self._row(self._chain(memory_id)[-1])

    # -- the rest ---------------------------------------------------------------------------
    def _links(self, rec: dict[str, Any]) -> None:
        if self._exists(
            "links", "src = ? AND dst = ? AND kind = ?", rec["src"], rec["dst"], rec["kind"]
        ):
            self.report.bump(self.report.present, "links")
        elif self._known(rec["src"]) and self._known(rec["dst"]):
            self._insert("links", table_columns("links"), rec)
            self.report.bump(self.report.added, "links")
        else:
            self.report.bump(self.report.skipped, "links to memories not imported")

    def _known(self, memory_id: str) -> bool:
        return self._exists("memories", "id = ? AND status != 'deleted-by-user'", memory_id)

    def _decisions(self, rec: dict[str, Any]) -> None:
        if self._exists("decisions", "id = ?", rec["id"]):
            self.report.bump(self.report.present, "decisions")
            return
        for end in ("target_id", "result_id"):
            if rec[end] is not None and not self._known(rec[end]):
                self.report.bump(self.report.skipped, "decisions about memories not imported")
                return
        self._insert("decisions", table_columns("decisions"), rec)
        self.report.bump(self.report.added, "decisions")

    def _sleep_reports(self, rec: dict[str, Any]) -> None:
        if self._exists("sleep_runs", "id = ?", rec["id"]):
            self.report.bump(self.report.present, "sleep_reports")
            return
        self._insert("sleep_runs", table_columns("sleep_reports"), rec)
        self.report.bump(self.report.added, "sleep_reports")

    def _segments(self, rec: dict[str, Any]) -> None:
        if self._exists("segments", "id = ?", rec["id"]):
            self.report.bump(self.report.present, "segments")
            return
        obs = rec["observation_id"]
        if obs is not None:
            obs = self.remap.get(obs, obs)
            if not self._exists("observations", "id = ?", obs):
                obs = None
        self._insert("segments", table_columns("segments"), {**rec, "observation_id": obs})
        self.report.bump(self.report.added, "segments")

    def _frames(self, rec: dict[str, Any]) -> None:
        match = FRAME_PATH.fullmatch(rec["path"])
        if match is None or match["id"] != rec["id"]:
            raise ArchiveInvalidError(f"frame {rec['id']} has an invalid file path")
        if self._exists("frames", "id = ?", rec["id"]):
            self.report.bump(self.report.present, "frames")
            return
        if not self._exists("segments", "id = ?", rec["segment_id"]):
            self.report.bump(self.report.skipped, "frames without their activity")
            return
        self._insert("frames", table_columns("frames"), rec)
        self.report.bump(self.report.added, "frames")
        if rec["image"] is not None:
            self.frame_paths[rec["image"]] = rec["path"]

    def image(self, name: str, data: bytes) -> None:
        rel = self.frame_paths.pop(name, None)
        match = IMAGE_NAME.fullmatch(name)
        if rel is None or match is None or self.cipher is None or self.frames_dir is None:
            return
        target = self.frames_dir / rel
        if target.exists():
            return
        write_atomic(target, self.cipher.seal(match["id"], data))
        self.written.append(target)
        self.report.bump(self.report.added, "frame pictures")

    def discard_files(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)

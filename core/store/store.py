"""The encrypted memory store.

One SQLCipher database holds observations, memories (every version), their sources, links, the
FTS5 index and the sqlite-vec vectors, so all of it is encrypted at rest. The store migrates itself
when opened and refuses a database newer than the code. Writes go through `write()`: one writer at
a time (a lock in-process, `BEGIN IMMEDIATE` across processes), one transaction per call however
deeply nested, so a batch either lands whole or not at all.

Vectors are keyed by the memory's rowid in the active embedder's table; a memory whose normalised
text was embedded before reuses that vector instead of being embedded again.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import (
    EmbedderMismatchError,
    InvalidInputError,
    MnemoError,
    NotFoundError,
    StoreMissingError,
    StoreOpenError,
)
from core.memory import (
    Action,
    Decision,
    Link,
    LinkKind,
    Memory,
    MemoryType,
    Observation,
    Status,
    Tier,
)
from core.ports import Embedder, EmbedderIdentity
from core.store import vectors
from core.store.connection import Connection, DatabaseError, connect, translate
from core.store.migrations import migrate

Progress = Callable[[int, int], None]
_ID_PREFIX = re.compile(r"[0-9a-f-]{4,36}")

_MEMORY_COLUMNS = (
    "rowid, id, type, text, fields, valid_from, valid_to, recorded_at, superseded_at, version, "
    "supersedes, importance, strength, last_recalled_at, recall_count, tier, status, content_hash, "
    "pinned"
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class MemoryFilter:
    """Which memories a query may return."""

    types: Sequence[MemoryType] = ()
    since: datetime | None = None
    until: datetime | None = None
    sources: Sequence[str] = ()
    apps: Sequence[str] = ()
    include_superseded: bool = False
    include_cold: bool = False
    quarantined: bool = False  # list the quarantined memories awaiting review instead

    def states(self) -> list[int]:
        states = [vectors.VecState.LIVE]
        if self.include_cold:
            states.append(vectors.VecState.COLD)
        if self.include_superseded:
            states.append(vectors.VecState.SUPERSEDED)
        return [int(s) for s in states]

    def clauses(self, alias: str = "m", vec: bool = False) -> tuple[str, list[Any]]:
        """SQL conditions (joined by AND) and their parameters, for `memories` or a vec table."""
        where: list[str] = []
        params: list[Any] = []

        def add_in(column: str, values: Sequence[Any]) -> None:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)

        if vec:
            if self.quarantined:
                raise ValueError("quarantined memories are never searched")
            add_in("state", self.states())
            type_col, time_col, source_col, app_col = "mtype", "t", "source", "app"
        else:
            status = Status.QUARANTINED if self.quarantined else Status.ACTIVE
            where.append(f"{alias}.status = '{status}'")
            if not self.include_superseded:
                where.append(f"{alias}.superseded_at IS NULL")
            if not self.include_cold:
                where.append(f"{alias}.tier = 'hot'")
            type_col, time_col = f"{alias}.type", f"{alias}.event_ts"
            source_col, app_col = f"{alias}.source", f"{alias}.app"
        if self.types:
            add_in(type_col, [str(t) for t in self.types])
        if self.since is not None:
            where.append(f"{time_col} >= ?")
            params.append(self.since.timestamp())
        if self.until is not None:
            where.append(f"{time_col} < ?")
            params.append(self.until.timestamp())
        if self.sources:
            add_in(source_col, list(self.sources))
        if self.apps:
            add_in(app_col, list(self.apps))
        return " AND ".join(where) or "1", params


@dataclass
class StoredMemory:
    """A memory as read back, with its internal rowid (the key of its vector and FTS row)."""

    rowid: int
    memory: Memory


class Store:
    """Observations, memories, links and vectors in one encrypted SQLite database."""

    def __init__(
        self,
        conn: Connection,
        path: Path,
        embedder: Embedder,
        key: bytes | None = None,
        cache_mb: int = 256,
    ) -> None:
        self.conn = conn
        self.path = path
        self.embedder = embedder
        self._key = key
        self._reader_enabled = str(path) != ":memory:"
        self._cache_mb = cache_mb
        self._reader: Connection | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        self._vec_table = vectors.table_name(embedder.identity)

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: Path,
        key: bytes | None,
        embedder: Embedder,
        *,
        create: bool = False,
        cache_mb: int = 256,
        reembed: bool = False,
        progress: Progress | None = None,
    ) -> Store:
        """Open the store at `path` (creating it if `create`), migrate it, check the embedder.

        With `reembed`, every memory is first re-embedded with `embedder`, which then becomes the
        active one (what `mnemo reindex` does after the user changes embedders).
        """
        if not path.exists() and not create:
            raise StoreMissingError(f"no Mnemo database at {path}: run 'mnemo init' first")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreOpenError(f"cannot create the folder for {path}: {exc.strerror}") from None
        conn = connect(path, key, cache_mb)
        try:
            migrate(conn)
            store = cls(conn, path, embedder, key, cache_mb)
            if reembed:
                store._reembed(progress)
            else:
                store._check_embedder()
        except BaseException:
            conn.close()
            raise
        return store

    def _check_embedder(self) -> None:
        wanted = self.embedder.identity
        current = vectors.active_embedder(self.conn)
        if current is None:  # a new store, or one migrated from before vectors existed
            with self.write():
                vectors.register(self.conn, wanted, activate=True)
                self._fill_vectors(None)
        elif current != wanted:
            raise EmbedderMismatchError(
                f"this store's vectors come from the embedder '{current.name}' "
                f"(dimension {current.dim}), not '{wanted.name}' (dimension {wanted.dim}); "
                "run 'mnemo reindex' to re-embed the store"
            )

    def _reembed(self, progress: Progress | None) -> None:
        """Fill the new embedder's table and switch to it in one transaction.

        The old vectors stay active until the new ones are complete, so an interrupted run leaves
        the store as it was; vectors of two embedders are never mixed in one table.
        """
        new = self.embedder.identity
        old = vectors.active_embedder(self.conn)
        with self.write():
            if old != new:
                vectors.drop(self.conn, new)  # a stale, partial earlier attempt
            vectors.register(self.conn, new, activate=False)
            self._fill_vectors(progress)
            vectors.register(self.conn, new, activate=True)
            if old is not None and old != new:
                vectors.drop(self.conn, old)

    def _fill_vectors(self, progress: Progress | None, batch: int = 256) -> None:
        total = int(self.conn.execute("SELECT count(*) FROM memories").fetchone()[0])
        done = 0
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT rowid, text, type, status, tier, superseded_at, event_ts, source, app "
                "FROM memories WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                break
            texts = [r[1] for r in rows]
            unique = list(dict.fromkeys(texts))
            embedded = dict(zip(unique, self.embedder.embed(unique), strict=True))
            self.conn.execute(
                f"DELETE FROM {self._vec_table} WHERE rowid BETWEEN ? AND ?",
                (rows[0][0], rows[-1][0]),
            )
            self.conn.executemany(
                f"INSERT INTO {self._vec_table} (rowid, embedding, mtype, state, t, source, app) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r[0],
                        self._as_blob(embedded[r[1]]),
                        r[2],
                        int(vectors.vec_state(r[3], r[4], r[5] is not None)),
                        r[6],
                        r[7],
                        r[8],
                    )
                    for r in rows
                ],
            )
            last = rows[-1][0]
            done += len(rows)
            if progress:
                progress(done, total)

    @contextmanager
    def page_cache(self, mb: int) -> Iterator[None]:
        """A larger page cache (never a smaller one) while the block runs: the sleep job touches
        the whole store, and a store bigger than the cache decrypts the same pages again and
        again."""
        if mb <= self._cache_mb:
            yield
            return
        with self._lock:
            self.conn.execute(f"PRAGMA cache_size = {-int(mb) * 1024}")
        try:
            yield
        finally:
            with self._lock:
                self.conn.execute(f"PRAGMA cache_size = {-int(self._cache_mb) * 1024}")

    def sibling(self) -> Store:
        """Another connection to the same store, for work on another thread (the sleep job)."""
        return Store.open(self.path, self._key, self.embedder, cache_mb=self._cache_mb)

    @property
    def encrypted(self) -> bool:
        return self._key is not None

    @property
    def vector_table(self) -> str:
        """The active embedder's sqlite-vec table (rows keyed by the memory's rowid)."""
        return self._vec_table

    def derive_key(self, label: bytes) -> bytes:
        """A 256-bit key for another purpose (frame files), derived from the data key (HKDF)."""
        if self._key is None:
            raise StoreOpenError("this store is not encrypted, so no file keys can be derived")
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(self._key)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._pool is not None:
                if self._reader is not None:
                    reader = self._reader
                    self._pool.submit(reader.close).result()
                self._pool.shutdown(wait=True)
            try:
                self.conn.execute("PRAGMA optimize")
            except DatabaseError:
                pass
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Hold off this store's writers from other threads while a multi-query read runs, so the
        read never sees another thread's uncommitted rows."""
        with self._lock:
            yield self.conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction; nested calls join the outer one."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                except DatabaseError as exc:
                    raise translate(exc) from exc
            self._depth += 1
            try:
                yield self.conn
                if outer:
                    self.conn.execute("COMMIT")
            except BaseException as exc:
                if outer and self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, DatabaseError) and not isinstance(exc, MnemoError):
                    raise translate(exc) from exc
                raise
            finally:
                self._depth -= 1

    # -- observations ----------------------------------------------------------------------
    def add_observation(self, obs: Observation) -> bool:
        """Insert an observation; False (and nothing written) if its external id is already known."""
        with self.write() as conn:
            if obs.external_id is not None and self.observation_by_external(
                obs.source, obs.external_id
            ):
                return False
            conn.execute(
                "INSERT INTO observations (id, source, external_id, time, ts, speaker, session, app, "
                "window, url, text, trust, frame_path, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    obs.id,
                    str(obs.source),
                    obs.external_id,
                    obs.time.isoformat(),
                    obs.time.timestamp(),
                    obs.speaker,
                    obs.session,
                    obs.app,
                    obs.window,
                    obs.url,
                    obs.text,
                    str(obs.trust),
                    obs.frame_path,
                    datetime.now(UTC).isoformat(),
                ),
            )
            return True

    def observation_by_external(self, source: str, external_id: str) -> Observation | None:
        row = self.conn.execute(
            f"SELECT {_OBS_COLUMNS} FROM observations WHERE source = ? AND external_id = ?",
            (str(source), external_id),
        ).fetchone()
        return _observation(row) if row else None

    def get_observation(self, obs_id: str) -> Observation:
        row = self.conn.execute(
            f"SELECT {_OBS_COLUMNS} FROM observations WHERE id = ?", (obs_id,)
        ).fetchone()
        if not row:
            raise NotFoundError(f"no observation with id {obs_id}")
        return _observation(row)

    def observations(self, ids: Sequence[str]) -> dict[str, Observation]:
        """Observations by id (missing ids are left out)."""
        found: dict[str, Observation] = {}
        for chunk in _chunks(list(ids), 500):
            marks = ", ".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT {_OBS_COLUMNS} FROM observations WHERE id IN ({marks})", chunk
            ):
                obs = _observation(row)
                found[obs.id] = obs
        return found

    # -- memories --------------------------------------------------------------------------
    def add_memories(
        self,
        memories: Sequence[Memory],
        vectors: Sequence[npt.NDArray[np.float32] | None] | None = None,
    ) -> None:
        """Insert new memory versions with their sources and vectors, in one transaction.

        `vectors`, when given, holds embeddings the caller already computed (None where not).
        """
        if not memories:
            return
        with self.write() as conn:
            given = list(vectors) if vectors is not None else [None] * len(memories)
            todo = [m for m, v in zip(memories, given, strict=True) if v is None]
            computed = iter(self._vectors_for(todo))
            blobs = [next(computed) if v is None else self._as_blob(v) for v in given]
            for memory, blob in zip(memories, blobs, strict=True):
                self._insert_memory(conn, memory, blob)

    def add_memory(self, memory: Memory) -> Memory:
        self.add_memories([memory])
        return memory

    def _insert_memory(self, conn: Connection, memory: Memory, blob: bytes) -> int:
        source, app = self._origin(memory.sources)
        event = memory.valid_from or memory.recorded_at
        cursor = conn.execute(
            "INSERT INTO memories (id, type, text, fields, valid_from, valid_to, recorded_at, "
            "superseded_at, event_ts, version, supersedes, importance, strength, last_recalled_at, "
            "recall_count, tier, status, content_hash, source, app, pinned) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                memory.id,
                str(memory.type),
                memory.text,
                json.dumps(memory.fields, ensure_ascii=False, sort_keys=True),
                _iso(memory.valid_from),
                _iso(memory.valid_to),
                memory.recorded_at.isoformat(),
                _iso(memory.superseded_at),
                event.timestamp(),
                memory.version,
                memory.supersedes,
                memory.importance,
                memory.strength,
                _iso(memory.last_recalled_at),
                memory.recall_count,
                str(memory.tier),
                str(memory.status),
                memory.content_hash,
                source,
                app,
                int(memory.pinned),
            ),
        )
        rowid = int(cursor.lastrowid)
        conn.executemany(
            "INSERT OR IGNORE INTO memory_sources (memory_id, observation_id) VALUES (?, ?)",
            [(memory.id, obs_id) for obs_id in memory.sources],
        )
        state = vectors.vec_state(memory.status, memory.tier, memory.superseded_at is not None)
        conn.execute(
            f"INSERT INTO {self._vec_table} (rowid, embedding, mtype, state, t, source, app) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rowid, blob, str(memory.type), int(state), event.timestamp(), source, app),
        )
        return rowid

    def insert_archived(self, rec: dict[str, Any], blob: bytes | None) -> int:
        """Insert a memory version exactly as an archive gives it (its stored columns, `fields` as
        an object, `sources`), with `blob` as its vector (None: no vector, as for a forgotten
        memory or in a dry run). Sources that are not known observations are left out."""
        columns = [c.strip() for c in _MEMORY_COLUMNS.split(",")[1:]] + [
            "event_ts",
            "source",
            "app",
        ]
        values = {
            **rec,
            "fields": json.dumps(rec["fields"], ensure_ascii=False, sort_keys=True),
            "pinned": int(rec["pinned"]),
        }
        cursor = self.conn.execute(
            f"INSERT INTO memories ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [values[c] for c in columns],
        )
        rowid = int(cursor.lastrowid)
        self.conn.executemany(
            "INSERT OR IGNORE INTO memory_sources (memory_id, observation_id) "
            "SELECT ?, id FROM observations WHERE id = ?",
            [(rec["id"], obs_id) for obs_id in rec["sources"]],
        )
        if blob:
            state = vectors.vec_state(rec["status"], rec["tier"], rec["superseded_at"] is not None)
            self.conn.execute(
                f"INSERT INTO {self._vec_table} (rowid, embedding, mtype, state, t, source, app) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (rowid, blob, rec["type"], int(state), rec["event_ts"], rec["source"], rec["app"]),
            )
        return rowid

    def _origin(self, sources: Sequence[str]) -> tuple[str, str]:
        """Source kind and app of a memory: those of its first observation."""
        if not sources:
            return "", ""
        row = self.conn.execute(
            "SELECT source, app FROM observations WHERE id = ?", (sources[0],)
        ).fetchone()
        if row is None:
            raise InvalidInputError(f"memory source {sources[0]} is not a known observation")
        return row[0], row[1] or ""

    def _vectors_for(self, memories: Sequence[Memory]) -> list[bytes]:
        return self.vector_blobs([(m.content_hash, m.text) for m in memories])

    def vector_blobs(self, texts: Sequence[tuple[str, str]]) -> list[bytes]:
        """Vectors as blobs for (content hash, text) pairs: reused by content hash where the text
        was embedded before, each new text embedded once."""
        by_hash: dict[str, bytes] = {}
        missing: dict[str, str] = {}
        for h, text in texts:
            if h in by_hash or h in missing:
                continue
            existing = self._stored_vector(h)
            if existing is not None:
                by_hash[h] = existing
            else:
                missing[h] = text
        if missing:
            embedded = self.embedder.embed(list(missing.values()))
            for h, vector in zip(missing, embedded, strict=True):
                by_hash[h] = self._as_blob(vector)
        return [by_hash[h] for h, _ in texts]

    def vectors_for(self, memories: Sequence[Memory]) -> list[npt.NDArray[np.float32]]:
        """The memories' embeddings, reusing stored ones and embedding each new text once."""
        return [np.frombuffer(blob, dtype=np.float32) for blob in self._vectors_for(memories)]

    def _stored_vector(self, chash: str) -> bytes | None:
        row = self.conn.execute(
            f"SELECT v.embedding FROM memories m JOIN {self._vec_table} v ON v.rowid = m.rowid "
            "WHERE m.content_hash = ? LIMIT 1",
            (chash,),
        ).fetchone()
        return bytes(row[0]) if row else None

    def _as_blob(self, vector: npt.NDArray[np.float32]) -> bytes:
        array = np.asarray(vector, dtype=np.float32)
        if array.shape != (self.embedder.identity.dim,):
            raise ValueError(f"embedder returned shape {array.shape}")
        return array.tobytes()

    def get_memory(self, memory_id: str) -> Memory:
        """The memory with this id, or with this unique id prefix (at least 8 characters)."""
        return self.get_stored(memory_id).memory

    def get_stored(self, memory_id: str) -> StoredMemory:
        """The memory with this id, or the only one whose id starts with it (4+ characters)."""
        rows = self.conn.execute(
            f"SELECT {_MEMORY_COLUMNS} FROM memories WHERE id = ?", (memory_id,)
        ).fetchall()
        prefix = memory_id.strip().lower()
        if not rows and _ID_PREFIX.fullmatch(prefix):
            rows = self.conn.execute(
                f"SELECT {_MEMORY_COLUMNS} FROM memories WHERE substr(id, 1, ?) = ? LIMIT 2",
                (len(prefix), prefix),
            ).fetchall()
            if len(rows) > 1:
                raise NotFoundError(
                    f"the id prefix {memory_id} matches several memories; give more of the id"
                )
        if not rows:
            raise NotFoundError(f"no memory with id {memory_id}")
        return self._load(rows)[0]

    def memories_by_rowid(self, rowids: Sequence[int]) -> dict[int, Memory]:
        """Memories by rowid, their sources loaded in one query per chunk (the search hot path)."""
        found: dict[int, Memory] = {}
        for chunk in _chunks(list(rowids), 500):
            marks = ", ".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {_MEMORY_COLUMNS} FROM memories WHERE rowid IN ({marks})", chunk
            ).fetchall()
            found.update((stored.rowid, stored.memory) for stored in self._load(rows))
        return found

    def rowids_of(self, memory_ids: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(list(memory_ids), 500):
            marks = ", ".join("?" * len(chunk))
            for rowid, mid in self.conn.execute(
                f"SELECT rowid, id FROM memories WHERE id IN ({marks})", chunk
            ):
                found[mid] = int(rowid)
        return found

    def _load(self, rows: Sequence[Sequence[Any]]) -> list[StoredMemory]:
        """Memories from `memories` rows, with their sources fetched one query per 500 rows."""
        sources: dict[str, list[str]] = {row[1]: [] for row in rows}
        for chunk in _chunks(list(sources), 500):
            marks = ", ".join("?" * len(chunk))
            for memory_id, obs_id in self.conn.execute(
                "SELECT memory_id, observation_id FROM memory_sources "
                f"WHERE memory_id IN ({marks}) ORDER BY observation_id",
                chunk,
            ):
                sources[memory_id].append(obs_id)
        return [self._stored(row, sources[row[1]]) for row in rows]

    def _stored(self, row: Sequence[Any], sources: list[str]) -> StoredMemory:
        memory = Memory(
            id=row[1],
            type=MemoryType(row[2]),
            text=row[3],
            fields=json.loads(row[4]),
            valid_from=_dt(row[5]),
            valid_to=_dt(row[6]),
            recorded_at=_dt(row[7]) or datetime.now(UTC),
            superseded_at=_dt(row[8]),
            version=int(row[9]),
            supersedes=row[10],
            importance=float(row[11]),
            strength=float(row[12]),
            last_recalled_at=_dt(row[13]),
            recall_count=int(row[14]),
            tier=Tier(row[15]),
            status=Status(row[16]),
            content_hash=row[17],
            pinned=bool(row[18]),
            sources=sources,
        )
        return StoredMemory(int(row[0]), memory)

    def current_by_hash(self, chash: str) -> Memory | None:
        """The live, active memory with this content hash, if any (for dedupe)."""
        found = self.currents_by_hash(chash, limit=1)
        return found[0] if found else None

    def currents_by_hash(
        self, chash: str, status: Status = Status.ACTIVE, limit: int = 20
    ) -> list[Memory]:
        """Live memories with this content hash and status, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_MEMORY_COLUMNS} FROM memories WHERE content_hash = ? "
            "AND superseded_at IS NULL AND status = ? ORDER BY rowid LIMIT ?",
            (chash, str(status), limit),
        ).fetchall()
        return [stored.memory for stored in self._load(rows)]

    def current_by_slot(self, key: str) -> list[Memory]:
        """Live, active memories whose `fields.slot.key` is `key` (one subject's attribute)."""
        rows = self.conn.execute(
            f"SELECT {_MEMORY_COLUMNS} FROM memories "
            "WHERE json_extract(fields, '$.slot.key') = ? AND superseded_at IS NULL "
            "AND status = 'active' ORDER BY rowid DESC LIMIT 20",
            (key,),
        ).fetchall()
        return [stored.memory for stored in self._load(rows)]

    def current_slots_of(self, subject: str, limit: int = 200) -> list[Memory]:
        """Live, active memories that set one of `subject`'s attributes, newest first."""
        rows = self.conn.execute(
            f"SELECT {_MEMORY_COLUMNS} FROM memories "
            "WHERE json_extract(fields, '$.slot.subject') = ? "
            "AND json_extract(fields, '$.slot.attribute') != '' AND superseded_at IS NULL "
            "AND status = 'active' ORDER BY rowid DESC LIMIT ?",
            (subject, limit),
        ).fetchall()
        return [stored.memory for stored in self._load(rows)]

    def add_sources(self, memory_id: str, observation_ids: Sequence[str]) -> None:
        """Record more provenance for a memory (the same fact seen again)."""
        with self.write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO memory_sources (memory_id, observation_id) VALUES (?, ?)",
                [(memory_id, o) for o in observation_ids],
            )

    def list_memories(
        self, filt: MemoryFilter | None = None, limit: int = 50, offset: int = 0
    ) -> list[Memory]:
        """Memories matching `filt`, newest event first."""
        where, params = (filt or MemoryFilter()).clauses("m")
        rows = self.conn.execute(
            f"SELECT {', '.join('m.' + c.strip() for c in _MEMORY_COLUMNS.split(','))} "
            f"FROM memories m WHERE {where} ORDER BY m.event_ts DESC, m.rowid DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return [stored.memory for stored in self._load(rows)]

    def versions(self, memory_id: str) -> list[Memory]:
        """The whole version chain the memory belongs to, oldest first."""
        head = self.get_memory(memory_id)
        chain = [head]
        seen = {head.id}
        while chain[0].supersedes and chain[0].supersedes not in seen:
            older = self.get_memory(chain[0].supersedes)
            seen.add(older.id)
            chain.insert(0, older)
        while True:
            row = self.conn.execute(
                "SELECT id FROM memories WHERE supersedes = ?", (chain[-1].id,)
            ).fetchone()
            if row is None or row[0] in seen:
                break
            seen.add(row[0])
            chain.append(self.get_memory(row[0]))
        return chain

    def supersede(
        self,
        old_id: str,
        new: Memory,
        ends_validity: bool = False,
        vector: npt.NDArray[np.float32] | None = None,
        when: datetime | None = None,
    ) -> Memory:
        """Append `new` as the next version of `old_id` and mark the old one superseded.

        With `ends_validity` the old fact stops holding when the new one starts (a changed value,
        as opposed to a corrected wording): the old version's `valid_to` is set to the new
        version's `valid_from`.
        """
        with self.write() as conn:
            stored = self.get_stored(old_id)
            old = stored.memory
            if not old.is_current:
                raise InvalidInputError(f"memory {old.id} is not the current version")
            now = when or datetime.now(UTC)
            new.version = old.version + 1
            new.supersedes = old.id  # earlier provenance stays on the earlier versions
            new.pinned = new.pinned or old.pinned
            valid_to = old.valid_to
            if ends_validity and valid_to is None:
                valid_to = new.valid_from or now
            conn.execute(
                "UPDATE memories SET superseded_at = ?, valid_to = ? WHERE rowid = ?",
                (now.isoformat(), _iso(valid_to), stored.rowid),
            )
            self._sync_state(stored.rowid)
            self.add_memories([new], [vector])
        return new

    def end_validity(self, memory_id: str, valid_to: datetime) -> Memory:
        """The fact no longer holds from `valid_to`: the memory is superseded, never erased."""
        with self.write() as conn:
            stored = self.get_stored(memory_id)
            if not stored.memory.is_current:
                raise InvalidInputError(f"memory {memory_id} is not the current version")
            conn.execute(
                "UPDATE memories SET superseded_at = ?, valid_to = ? WHERE rowid = ?",
                (datetime.now(UTC).isoformat(), valid_to.isoformat(), stored.rowid),
            )
            self._sync_state(stored.rowid)
            return self.get_stored(memory_id).memory

    def mark_recalled(self, memory_ids: Sequence[str], when: datetime) -> None:
        """Count a use of each memory (cited in an answer, opened by the user): the decay clock
        restarts, so its strength is full again, and a faded memory comes back to the hot tier."""
        if not memory_ids:
            return
        with self.write() as conn:
            rowids = self.rowids_of(memory_ids)
            conn.executemany(
                "UPDATE memories SET recall_count = recall_count + 1, last_recalled_at = ?, "
                "strength = 1.0, tier = 'hot' WHERE rowid = ?",
                [(when.isoformat(), rowid) for rowid in rowids.values()],
            )
            for rowid in rowids.values():
                self._sync_state(rowid)

    def set_pinned(self, memory_id: str, pinned: bool) -> Memory:
        """Pin (or unpin) a memory: a pinned memory never fades and is always hot."""
        with self.write() as conn:
            stored = self.get_stored(memory_id)
            if not stored.memory.is_current:
                raise InvalidInputError(f"memory {stored.memory.id} is not the current version")
            conn.execute(
                "UPDATE memories SET pinned = ?, strength = CASE WHEN ? THEN 1.0 ELSE strength END, "
                "tier = CASE WHEN ? THEN 'hot' ELSE tier END WHERE rowid = ?",
                (int(pinned), int(pinned), int(pinned), stored.rowid),
            )
            self._sync_state(stored.rowid)
            return self.get_stored(stored.memory.id).memory

    def merge(
        self,
        member_ids: Sequence[str],
        merged: Memory,
        when: datetime,
        vector: npt.NDArray[np.float32] | None = None,
    ) -> Memory:
        """Replace several current memories by one: `merged` becomes the next version of the
        first member, every member is superseded at `when` and gets a merged-into link to it.

        Nothing is lost: the members stay as superseded versions with their own sources, and
        `merged` should carry the union of those sources.
        """
        with self.write() as conn:
            rowids = self.rowids_of(member_ids)
            if len(rowids) != len(set(member_ids)):
                missing = next(m for m in member_ids if m not in rowids)
                raise NotFoundError(f"no memory with id {missing}")
            loaded = self.memories_by_rowid(list(rowids.values()))
            members = [StoredMemory(rowids[mid], loaded[rowids[mid]]) for mid in member_ids]
            for stored in members:
                if not stored.memory.is_current:
                    raise InvalidInputError(f"memory {stored.memory.id} is not the current version")
            merged.version = max(s.memory.version for s in members) + 1
            merged.supersedes = members[0].memory.id
            merged.pinned = merged.pinned or any(s.memory.pinned for s in members)
            conn.executemany(
                "UPDATE memories SET superseded_at = ? WHERE rowid = ?",
                [(when.isoformat(), s.rowid) for s in members],
            )
            conn.executemany(
                f"UPDATE {self._vec_table} SET state = ? WHERE rowid = ?",
                [(int(vectors.VecState.SUPERSEDED), s.rowid) for s in members],
            )
            self.add_memories([merged], [vector])
            self.add_links(
                [
                    Link(s.memory.id, merged.id, LinkKind.MERGED_INTO, 1.0, "sleep", when)
                    for s in members
                ]
            )
        return merged

    # -- decisions -------------------------------------------------------------------------
    def record_decisions(self, decisions: Sequence[Decision]) -> None:
        with self.write() as conn:
            conn.executemany(
                "INSERT INTO decisions (id, time, action, decided_by, reason, candidate, "
                "target_id, result_id, observations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.id,
                        d.time.isoformat(),
                        str(d.action),
                        d.decided_by,
                        d.reason,
                        d.candidate,
                        d.target_id,
                        d.result_id,
                        json.dumps(d.observations),
                    )
                    for d in decisions
                ],
            )

    def decisions_for(self, memory_ids: Sequence[str]) -> list[Decision]:
        """Decisions that made or touched any of these memories, oldest first."""
        found: dict[str, Decision] = {}
        for chunk in _chunks(list(memory_ids), 400):
            marks = ", ".join("?" * len(chunk))
            for row in self.conn.execute(
                "SELECT id, time, action, decided_by, reason, candidate, target_id, result_id, "
                f"observations FROM decisions WHERE target_id IN ({marks}) "
                f"OR result_id IN ({marks})",
                [*chunk, *chunk],
            ):
                found[row[0]] = Decision(
                    id=row[0],
                    time=datetime.fromisoformat(row[1]),
                    action=Action(row[2]),
                    decided_by=row[3],
                    reason=row[4],
                    candidate=row[5],
                    target_id=row[6],
                    result_id=row[7],
                    observations=json.loads(row[8]),
                )
        return sorted(found.values(), key=lambda d: (d.time, d.id))

    def sync_state(self, rowid: int) -> None:
        """Bring the vector row's search visibility in line with the memory row (after an update
        made with plain SQL, as the archive import does)."""
        self._sync_state(rowid)

    def _sync_state(self, rowid: int) -> None:
        row = self.conn.execute(
            "SELECT status, tier, superseded_at FROM memories WHERE rowid = ?", (rowid,)
        ).fetchone()
        state = vectors.vec_state(row[0], row[1], row[2] is not None)
        self.conn.execute(
            f"UPDATE {self._vec_table} SET state = ? WHERE rowid = ?", (int(state), rowid)
        )

    def set_tier(self, memory_id: str, tier: Tier) -> None:
        with self.write() as conn:
            stored = self.get_stored(memory_id)
            conn.execute("UPDATE memories SET tier = ? WHERE rowid = ?", (str(tier), stored.rowid))
            self._sync_state(stored.rowid)

    def set_status(self, memory_id: str, status: Status) -> None:
        if status is Status.DELETED:
            raise InvalidInputError("use forget() to erase a memory")
        with self.write() as conn:
            stored = self.get_stored(memory_id)
            conn.execute(
                "UPDATE memories SET status = ? WHERE rowid = ?", (str(status), stored.rowid)
            )
            self._sync_state(stored.rowid)

    def approve(self, memory_id: str) -> Memory:
        """Release a quarantined memory for use in answers, with the user's decision logged."""
        target = self.get_memory(memory_id)
        if target.status is not Status.QUARANTINED:
            raise InvalidInputError(f"memory {target.id} is not waiting for review")
        with self.write():
            self.set_status(target.id, Status.ACTIVE)
            self.record_decisions(
                [
                    Decision(
                        Action.APPROVE,
                        "approved by the user after review",
                        target.text,
                        "user",
                        target_id=target.id,
                    )
                ]
            )
        return self.get_memory(target.id)

    def forget(self, memory_id: str) -> list[str]:
        """Erase a memory at the user's request: every version, its vectors and index entries, and
        its statement in the observations it came from. Returns the erased version ids.

        An observation that fed other memories too keeps the rest of its text with the forgotten
        statement cut out; where the statement cannot be found verbatim (a model reworded it), or
        nothing else uses the observation, its whole text is erased.

        The sleep job's derivatives go too: the memories merged into it (and what it was merged
        into), and the day or week summaries that quote it; the next sleep run summarises those
        days again without it.
        """
        with self.write() as conn:
            chain = self._lineage(memory_id)
            ids = [m.id for m in chain]
            rowids = self.rowids_of(ids)
            # Summaries and merges only gather their parts' sources: the statements to cut out
            # of observations are those of the memories that came from them.
            originals = [m for m in chain if not m.fields.get("sleep")]
            observations = self.observations([o for m in originals for o in m.sources])
            for mid in ids:
                rowid = rowids[mid]
                conn.execute(
                    "UPDATE memories SET text = '', fields = '{}', content_hash = '', "
                    "status = 'deleted-by-user' WHERE rowid = ?",
                    (rowid,),
                )
                conn.execute(f"DELETE FROM {self._vec_table} WHERE rowid = ?", (rowid,))
                conn.execute("DELETE FROM memory_sources WHERE memory_id = ?", (mid,))
                conn.execute(
                    "UPDATE decisions SET candidate = '', reason = 'forgotten by the user' "
                    "WHERE target_id = ? OR result_id = ?",
                    (mid, mid),
                )
            for obs in observations.values():
                still_used = conn.execute(
                    "SELECT 1 FROM memory_sources WHERE observation_id = ? LIMIT 1", (obs.id,)
                ).fetchone()
                said = [m.text for m in originals if obs.id in m.sources]
                text = _redact(obs, said) if still_used else ""
                conn.execute("UPDATE observations SET text = ? WHERE id = ?", (text, obs.id))
        self.checkpoint()
        return ids

    def _lineage(self, memory_id: str) -> list[Memory]:
        """Every version of the memory, joined through merges and up through summaries."""
        found: dict[str, Memory] = {}
        todo = [memory_id]
        while todo:
            head = todo.pop()
            if head in found:
                continue
            for version in self.versions(head):
                if version.id in found:
                    continue
                found[version.id] = version
                for src, dst in self.conn.execute(
                    "SELECT src, dst FROM links WHERE (dst = ? AND kind IN ('merged-into', "
                    "'summarizes')) OR (src = ? AND kind = 'merged-into')",
                    (version.id, version.id),
                ):
                    todo.append(dst if src == version.id else src)
        return list(found.values())

    def checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it (so erased pages leave the WAL too)."""
        with self._lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- links -----------------------------------------------------------------------------
    def add_links(self, links: Sequence[Link]) -> None:
        with self.write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO links (src, dst, kind, weight, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        lk.src,
                        lk.dst,
                        str(lk.kind),
                        lk.weight,
                        lk.created_by,
                        lk.created_at.isoformat(),
                    )
                    for lk in links
                ],
            )

    def links_of(self, memory_ids: Sequence[str]) -> list[Link]:
        """Links touching any of `memory_ids`, in either direction."""
        found: list[Link] = []
        for chunk in _chunks(list(memory_ids), 400):
            marks = ", ".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT src, dst, kind, weight, created_by, created_at FROM links "
                f"WHERE src IN ({marks}) UNION "
                f"SELECT src, dst, kind, weight, created_by, created_at FROM links "
                f"WHERE dst IN ({marks})",
                [*chunk, *chunk],
            ).fetchall()
            found.extend(
                Link(r[0], r[1], r[2], float(r[3]), r[4], datetime.fromisoformat(r[5]))
                for r in rows
            )
        return found

    # -- search primitives -----------------------------------------------------------------
    def fulltext(self, match: str, filt: MemoryFilter, limit: int) -> list[tuple[int, float]]:
        """(rowid, bm25) for an FTS5 MATCH expression, best first (lower bm25 is better).

        BM25 ranks inside FTS5 first and only the best few times `limit` rows are joined and
        filtered: joining every matching row costs more than the ranking itself at 100k memories.
        When the filter throws away so many that fewer than `limit` remain, the full join runs.
        """
        over = limit * 4
        ranked = self.conn.execute(
            "SELECT rowid, bm25(memories_fts) AS score FROM memories_fts "
            "WHERE memories_fts MATCH ? ORDER BY score LIMIT ?",
            (match, over),
        ).fetchall()
        if not ranked:
            return []
        kept = set(self.passing("rowid", [int(r[0]) for r in ranked], filt).values())
        hits = [(int(r[0]), float(r[1])) for r in ranked if int(r[0]) in kept][:limit]
        if len(hits) == limit or len(ranked) < over:
            return hits
        where, params = filt.clauses("m")
        rows = self.conn.execute(
            "SELECT f.rowid, bm25(memories_fts) AS score FROM memories_fts f "
            f"JOIN memories m ON m.rowid = f.rowid WHERE memories_fts MATCH ? AND {where} "
            "ORDER BY score LIMIT ?",
            [match, *params, limit],
        ).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    def count_fulltext(self, match: str) -> int:
        """How many memory versions (any status) match an FTS5 expression."""
        return int(
            self.conn.execute(
                "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ?", (match,)
            ).fetchone()[0]
        )

    def passing(self, column: str, values: Sequence[Any], filt: MemoryFilter) -> dict[str, int]:
        """id -> rowid of the memories, given by `column` ("id" or "rowid"), that pass `filt`."""
        if column not in ("id", "rowid"):
            raise ValueError(column)
        where, params = filt.clauses("m")
        found: dict[str, int] = {}
        for chunk in _chunks(list(values), 500):
            marks = ", ".join("?" * len(chunk))
            for memory_id, rowid in self.conn.execute(
                f"SELECT m.id, m.rowid FROM memories m WHERE m.{column} IN ({marks}) AND {where}",
                [*chunk, *params],
            ):
                found[memory_id] = int(rowid)
        return found

    def nearest(
        self, vector: npt.NDArray[np.float32], filt: MemoryFilter, limit: int
    ) -> list[tuple[int, float]]:
        """(rowid, cosine distance) of the nearest vectors under the filter, nearest first."""
        return self._knn(self.conn, vector, filt, limit)

    def nearest_async(
        self, vector: npt.NDArray[np.float32], filt: MemoryFilter, limit: int
    ) -> Future[list[tuple[int, float]]]:
        """`nearest` on a reader connection in a worker thread, so it overlaps full-text search.

        Inside a write transaction the reader could not see the uncommitted rows, so the search
        then runs at once on the writer connection instead.
        """
        if self._depth > 0 or not self._reader_enabled:
            done: Future[list[tuple[int, float]]] = Future()
            done.set_result(self.nearest(vector, filt, limit))
            return done
        return self._reader_pool().submit(self._reader_knn, vector, filt, limit)

    def _reader_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mnemo-reader")
        return self._pool

    def _reader_knn(
        self, vector: npt.NDArray[np.float32], filt: MemoryFilter, limit: int
    ) -> list[tuple[int, float]]:
        if self._reader is None:  # opened in the worker thread, used only there
            self._reader = connect(self.path, self._key, self._cache_mb)
        return self._knn(self._reader, vector, filt, limit)

    def _knn(
        self, conn: Connection, vector: npt.NDArray[np.float32], filt: MemoryFilter, limit: int
    ) -> list[tuple[int, float]]:
        where, params = filt.clauses(vec=True)
        rows = conn.execute(
            f"SELECT rowid, distance FROM {self._vec_table} "
            f"WHERE embedding MATCH ? AND k = ? AND {where} ORDER BY distance",
            [self._as_blob(vector), limit, *params],
        ).fetchall()
        return [(int(r[0]), float(r[1])) for r in rows]

    # -- backups ---------------------------------------------------------------------------
    def backup_to(self, target: Path) -> None:
        """Copy the whole database, as one consistent snapshot, to a new file encrypted with the
        same key (SQLite's online backup, so writers of other processes are not stopped)."""
        copy = connect(target, self._key, 16)
        try:
            with self._lock:
                self.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        except DatabaseError as exc:
            raise translate(exc) from exc
        finally:
            copy.close()

    def verify_copy(self, target: Path) -> str | None:
        """None if `target` opens with this store's key, passes SQLite's quick check and holds
        the same schema; otherwise what is wrong with it."""
        try:
            copy = connect(target, self._key, 16)
        except MnemoError as exc:
            return exc.message
        try:
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                return f"quick check: {check}"
            mine = self.conn.execute("PRAGMA user_version").fetchone()[0]
            theirs = copy.execute("PRAGMA user_version").fetchone()[0]
            if mine != theirs:
                return f"schema {theirs} instead of {mine}"
            copy.execute("SELECT count(*) FROM memories").fetchone()
            return None
        except DatabaseError as exc:
            return str(exc)
        finally:
            try:
                copy.execute("PRAGMA journal_mode = DELETE")
            except DatabaseError:
                pass
            copy.close()

    # -- bulk access for the sleep job ------------------------------------------------------
    def current_vectors(
        self, upto_rowid: int, skip_vault: bool = True
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """(rowids, vectors) of the current, active memories (hot and cold) up to `upto_rowid`,
        in rowid order: what the sleep job's neighbour index is built from."""
        states = (int(vectors.VecState.LIVE), int(vectors.VecState.COLD))
        vault = " AND mtype != 'vault'" if skip_vault else ""
        rows = self.conn.execute(
            f"SELECT rowid, embedding FROM {self._vec_table} WHERE state IN (?, ?) "
            f"AND rowid <= ?{vault} ORDER BY rowid",
            (*states, upto_rowid),
        ).fetchall()
        dim = self.embedder.identity.dim
        rowids = np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))
        data = b"".join(bytes(r[1]) for r in rows)
        matrix = np.frombuffer(data, dtype=np.float32).reshape(len(rows), dim).copy()
        return rowids, matrix

    def set_strengths(self, updates: Sequence[tuple[int, float, Tier | None]]) -> None:
        """Set (rowid, strength, new tier or None to keep it) of current memories, keeping the
        vector index's view of the tier in step (the sleep job's decay)."""
        with self.write() as conn:
            conn.executemany(
                "UPDATE memories SET strength = ?, tier = coalesce(?, tier) WHERE rowid = ?",
                [(strength, tier and str(tier), rowid) for rowid, strength, tier in updates],
            )
            for rowid, _, tier in updates:
                if tier is not None:
                    self._sync_state(rowid)

    # -- reporting -------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counts a user cares about: memories by type/status/tier, observations, links, size."""

        def grouped(sql: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in self.conn.execute(sql).fetchall()}

        identity: EmbedderIdentity = self.embedder.identity
        size = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return {
            "memories": int(
                self.conn.execute(
                    "SELECT count(*) FROM memories WHERE superseded_at IS NULL "
                    "AND status = 'active'"
                ).fetchone()[0]
            ),
            "versions": int(self.conn.execute("SELECT count(*) FROM memories").fetchone()[0]),
            "by_type": grouped(
                "SELECT type, count(*) FROM memories WHERE superseded_at IS NULL "
                "AND status = 'active' GROUP BY type ORDER BY type"
            ),
            "by_status": grouped(
                "SELECT status, count(*) FROM memories WHERE superseded_at IS NULL "
                "GROUP BY status ORDER BY status"
            ),
            "by_tier": grouped(
                "SELECT tier, count(*) FROM memories WHERE superseded_at IS NULL "
                "AND status = 'active' GROUP BY tier ORDER BY tier"
            ),
            "observations": grouped(
                "SELECT source, count(*) FROM observations GROUP BY source ORDER BY source"
            ),
            "links": int(self.conn.execute("SELECT count(*) FROM links").fetchone()[0]),
            "embedder": {"name": identity.name, "dim": identity.dim},
            "database_bytes": size,
        }


_OBS_COLUMNS = (
    "id, source, external_id, time, speaker, session, app, window, url, text, trust, frame_path"
)


def _observation(row: Sequence[Any]) -> Observation:
    return Observation(
        id=row[0],
        source=row[1],
        external_id=row[2],
        time=datetime.fromisoformat(row[3]),
        speaker=row[4],
        session=row[5],
        app=row[6],
        window=row[7],
        url=row[8],
        text=row[9],
        trust=row[10],
        frame_path=row[11],
    )


def _redact(obs: Observation, statements: Sequence[str]) -> str:
    return cut_statements(obs.text, obs.speaker, statements, "[forgotten]")


def cut_statements(text: str, speaker: str | None, statements: Sequence[str], mark: str) -> str:
    """`text` with each statement replaced by `mark`; empty if one is not found verbatim."""
    for statement in statements:
        if speaker and statement.startswith(f"{speaker}: "):
            statement = statement[len(speaker) + 2 :]
        if not statement or statement not in text:
            return ""
        text = text.replace(statement, mark)
    return text


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

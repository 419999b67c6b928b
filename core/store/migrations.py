"""Append-only schema migrations, applied when the store opens.

Each step is a named function run in its own transaction together with its record in
`schema_migrations` and the bump of `PRAGMA user_version`, so a crash leaves the database at a
whole step. Steps are never edited once released: a change is a new step at the end. A database
whose `user_version` is higher than the steps this code knows was written by a newer Mnemo and is
refused. The vector tables depend on the embedder's dimension, so the registry of embedders is
created here and each embedder's vec0 table is created when that embedder is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from core.errors import DatabaseTooNewError
from core.store.connection import Connection, DatabaseError, translate


def m001_observations(conn: Connection) -> None:
    conn.execute(
        """
        CREATE TABLE observations (
            id          TEXT PRIMARY KEY,
            source      TEXT NOT NULL CHECK (source IN ('chat', 'screen', 'import')),
            external_id TEXT,
            time        TEXT NOT NULL,
            ts          REAL NOT NULL,
            speaker     TEXT,
            session     TEXT,
            app         TEXT,
            window      TEXT,
            url         TEXT,
            text        TEXT NOT NULL,
            trust       TEXT NOT NULL CHECK (trust IN ('user', 'assistant', 'screen', 'import')),
            frame_path  TEXT,
            created_at  TEXT NOT NULL
        )
        """
    )
    conn.execute(
        "CREATE UNIQUE INDEX observations_external ON observations (source, external_id) "
        "WHERE external_id IS NOT NULL"
    )
    conn.execute("CREATE INDEX observations_ts ON observations (ts)")


def m002_memories(conn: Connection) -> None:
    conn.execute(
        """
        CREATE TABLE memories (
            rowid            INTEGER PRIMARY KEY,
            id               TEXT NOT NULL UNIQUE,
            type             TEXT NOT NULL CHECK (type IN
                               ('core', 'episodic', 'semantic', 'procedural', 'resource', 'vault')),
            text             TEXT NOT NULL,
            fields           TEXT NOT NULL DEFAULT '{}',
            valid_from       TEXT,
            valid_to         TEXT,
            recorded_at      TEXT NOT NULL,
            superseded_at    TEXT,
            event_ts         REAL NOT NULL,
            version          INTEGER NOT NULL DEFAULT 1,
            supersedes       TEXT REFERENCES memories (id),
            importance       REAL NOT NULL DEFAULT 0.5,
            strength         REAL NOT NULL DEFAULT 1.0,
            last_recalled_at TEXT,
            recall_count     INTEGER NOT NULL DEFAULT 0,
            tier             TEXT NOT NULL DEFAULT 'hot' CHECK (tier IN ('hot', 'cold')),
            status           TEXT NOT NULL DEFAULT 'active'
                               CHECK (status IN ('active', 'quarantined', 'deleted-by-user')),
            content_hash     TEXT NOT NULL,
            source           TEXT NOT NULL DEFAULT '',
            app              TEXT NOT NULL DEFAULT ''
        )
        """
    )
    conn.execute("CREATE INDEX memories_hash ON memories (content_hash)")
    conn.execute("CREATE INDEX memories_event ON memories (event_ts)")
    conn.execute("CREATE INDEX memories_supersedes ON memories (supersedes)")
    conn.execute(
        """
        CREATE TABLE memory_sources (
            memory_id      TEXT NOT NULL REFERENCES memories (id),
            observation_id TEXT NOT NULL REFERENCES observations (id),
            PRIMARY KEY (memory_id, observation_id)
        ) WITHOUT ROWID
        """
    )
    conn.execute("CREATE INDEX memory_sources_obs ON memory_sources (observation_id)")
    conn.execute(
        """
        CREATE TABLE links (
            src        TEXT NOT NULL REFERENCES memories (id),
            dst        TEXT NOT NULL REFERENCES memories (id),
            kind       TEXT NOT NULL,
            weight     REAL NOT NULL DEFAULT 1.0,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (src, dst, kind)
        ) WITHOUT ROWID
        """
    )
    conn.execute("CREATE INDEX links_dst ON links (dst)")


def m003_fulltext(conn: Connection) -> None:
    # External-content FTS5 over memories.text: the text is stored once, in `memories`.
    conn.execute(
        """
        CREATE VIRTUAL TABLE memories_fts USING fts5 (
            text, content='memories', content_rowid='rowid',
            tokenize='porter unicode61 remove_diacritics 2'
        )
        """
    )
    # Deleted text must leave the index at once (forgetting), not at the next segment merge.
    conn.execute("INSERT INTO memories_fts (memories_fts, rank) VALUES ('secure-delete', 1)")
    conn.execute("INSERT INTO memories_fts (memories_fts) VALUES ('rebuild')")  # rows from m002
    conn.execute(
        """
        CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
            INSERT INTO memories_fts (rowid, text) VALUES (new.rowid, new.text);
        END
        """
    )
    conn.execute(
        """
        CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
            INSERT INTO memories_fts (memories_fts, rowid, text)
            VALUES ('delete', old.rowid, old.text);
        END
        """
    )
    conn.execute(
        """
        CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
            INSERT INTO memories_fts (memories_fts, rowid, text)
            VALUES ('delete', old.rowid, old.text);
            INSERT INTO memories_fts (rowid, text) VALUES (new.rowid, new.text);
        END
        """
    )


def m004_embedders(conn: Connection) -> None:
    conn.execute(
        """
        CREATE TABLE embedders (
            key         TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            dim         INTEGER NOT NULL,
            config_hash TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            active      INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    conn.execute("CREATE UNIQUE INDEX embedders_one_active ON embedders (active) WHERE active = 1")


def m005_decisions(conn: Connection) -> None:
    # The update log: every ADD / UPDATE / DELETE / NOOP with its reason, and user reviews.
    conn.execute(
        """
        CREATE TABLE decisions (
            id           TEXT PRIMARY KEY,
            time         TEXT NOT NULL,
            action       TEXT NOT NULL
                           CHECK (action IN ('ADD', 'UPDATE', 'DELETE', 'NOOP', 'APPROVE')),
            decided_by   TEXT NOT NULL CHECK (decided_by IN ('rules', 'model', 'user')),
            reason       TEXT NOT NULL,
            candidate    TEXT NOT NULL,
            target_id    TEXT,
            result_id    TEXT,
            observations TEXT NOT NULL DEFAULT '[]'
        )
        """
    )
    conn.execute("CREATE INDEX decisions_target ON decisions (target_id)")
    conn.execute("CREATE INDEX decisions_result ON decisions (result_id)")
    # Slot matching ("my dentist is ...") looks up the live memory holding a subject's attribute.
    conn.execute(
        "CREATE INDEX memories_slot ON memories (json_extract(fields, '$.slot.key')) "
        "WHERE superseded_at IS NULL"
    )


def m006_capture(conn: Connection) -> None:
    # Activity segments: consecutive frames of one window; closed segments become one observation.
    conn.execute(
        """
        CREATE TABLE segments (
            id             TEXT PRIMARY KEY,
            app            TEXT,
            title          TEXT,
            start          TEXT NOT NULL,
            start_ts       REAL NOT NULL,
            end            TEXT NOT NULL,
            end_ts         REAL NOT NULL,
            closed         INTEGER NOT NULL DEFAULT 0,
            observation_id TEXT REFERENCES observations (id)
        )
        """
    )
    conn.execute("CREATE INDEX segments_start ON segments (start_ts)")
    conn.execute("CREATE INDEX segments_pending ON segments (closed) WHERE observation_id IS NULL")
    # Frames: one encrypted thumbnail file each, with the OCR words (text, box, confidence) that
    # the timeline highlights. `path` is relative to the profile's frames folder.
    conn.execute(
        """
        CREATE TABLE frames (
            rowid      INTEGER PRIMARY KEY,
            id         TEXT NOT NULL UNIQUE,
            segment_id TEXT NOT NULL REFERENCES segments (id),
            time       TEXT NOT NULL,
            ts         REAL NOT NULL,
            path       TEXT NOT NULL,
            bytes      INTEGER NOT NULL,
            width      INTEGER NOT NULL,
            height     INTEGER NOT NULL,
            screen     TEXT NOT NULL,
            app        TEXT,
            title      TEXT,
            masked     INTEGER NOT NULL DEFAULT 0,
            ocr        TEXT NOT NULL DEFAULT 'pending'
                         CHECK (ocr IN ('pending', 'done', 'dropped', 'skipped', 'lost')),
            ocr_region TEXT,
            text       TEXT NOT NULL DEFAULT '',
            words      TEXT NOT NULL DEFAULT '[]'
        )
        """
    )
    conn.execute("CREATE INDEX frames_ts ON frames (ts)")
    conn.execute("CREATE INDEX frames_segment ON frames (segment_id)")
    conn.execute(
        """
        CREATE VIRTUAL TABLE frames_fts USING fts5 (
            text, content='frames', content_rowid='rowid',
            tokenize='porter unicode61 remove_diacritics 2'
        )
        """
    )
    conn.execute("INSERT INTO frames_fts (frames_fts, rank) VALUES ('secure-delete', 1)")
    conn.execute(
        """
        CREATE TRIGGER frames_fts_insert AFTER INSERT ON frames BEGIN
            INSERT INTO frames_fts (rowid, text) VALUES (new.rowid, new.text);
        END
        """
    )
    conn.execute(
        """
        CREATE TRIGGER frames_fts_delete AFTER DELETE ON frames BEGIN
            INSERT INTO frames_fts (frames_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
        END
        """
    )
    conn.execute(
        """
        CREATE TRIGGER frames_fts_update AFTER UPDATE OF text ON frames BEGIN
            INSERT INTO frames_fts (frames_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
            INSERT INTO frames_fts (rowid, text) VALUES (new.rowid, new.text);
        END
        """
    )


def m007_sleep(conn: Connection) -> None:
    # Pinned memories never fade; the flag belongs to the whole version chain (copied forward).
    conn.execute("ALTER TABLE memories ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")
    # One row per sleep run; `now` is the reference time every phase of the run computes with,
    # so a resumed run decides exactly what the interrupted one would have.
    conn.execute(
        """
        CREATE TABLE sleep_runs (
            id          TEXT PRIMARY KEY,
            started_at  TEXT NOT NULL,
            now         TEXT NOT NULL,
            trigger     TEXT NOT NULL,
            phases      TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
            finished_at TEXT,
            error       TEXT,
            attempts    INTEGER NOT NULL DEFAULT 1,
            report      TEXT NOT NULL DEFAULT '{}'
        )
        """
    )
    conn.execute("CREATE INDEX sleep_runs_started ON sleep_runs (started_at)")
    # Each phase's progress, written in the same transaction as the batch it describes.
    conn.execute(
        """
        CREATE TABLE sleep_progress (
            run_id  TEXT NOT NULL REFERENCES sleep_runs (id),
            phase   TEXT NOT NULL,
            state   TEXT NOT NULL CHECK (state IN ('planned', 'done')),
            cursor  INTEGER NOT NULL DEFAULT 0,
            counts  TEXT NOT NULL DEFAULT '{}',
            detail  TEXT NOT NULL DEFAULT '{}',
            seconds REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (run_id, phase)
        ) WITHOUT ROWID
        """
    )
    # A phase's plan (e.g. the clusters to merge), fixed before any of it is applied.
    conn.execute(
        """
        CREATE TABLE sleep_steps (
            run_id  TEXT NOT NULL,
            phase   TEXT NOT NULL,
            seq     INTEGER NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (run_id, phase, seq)
        ) WITHOUT ROWID
        """
    )
    # Watermarks between runs: the last memory rowid each incremental phase has seen.
    conn.execute("CREATE TABLE sleep_marks (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


Migration = tuple[str, Callable[[Connection], None]]

MIGRATIONS: list[Migration] = [
    ("m001_observations", m001_observations),
    ("m002_memories", m002_memories),
    ("m003_fulltext", m003_fulltext),
    ("m004_embedders", m004_embedders),
    ("m005_decisions", m005_decisions),
    ("m006_capture", m006_capture),
    ("m007_sleep", m007_sleep),
]

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection, upto: int | None = None) -> list[str]:
    """Apply pending steps in order (up to step `upto`, for tests); return the names applied."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise DatabaseTooNewError(
            f"this store was written by a newer Mnemo (schema {current}, this version knows "
            f"{SCHEMA_VERSION}); update Mnemo to open it"
        )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    applied: list[str] = []
    target = SCHEMA_VERSION if upto is None else upto
    for index, (name, step) in enumerate(MIGRATIONS[current:target], start=current + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
        except DatabaseError as exc:
            raise translate(exc) from exc
        if schema_version(conn) >= index:  # another process applied this step meanwhile
            conn.execute("ROLLBACK")
            continue
        try:
            step(conn)
            conn.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat()),
            )
            conn.execute(f"PRAGMA user_version = {index}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied

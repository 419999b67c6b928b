"""Freeze the schema of one migration step, with sample rows, as a replayable SQL script.

Run when a schema version is released: `python tests/core/store/frozen/freeze.py N` writes
`vN.sql`: every statement the migrations up to step N executed (captured by SQLite's trace, with
parameters expanded), followed by sample rows valid at that step. The files are then never edited;
tests replay each into a fresh encrypted database and check that today's code migrates it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlcipher3

from core.store.migrations import migrate

HERE = Path(__file__).parent

OBSERVATIONS = """
INSERT INTO observations (id, source, external_id, time, ts, speaker, session, app, window, url,
    text, trust, frame_path, created_at)
VALUES ('0190f000-0000-7000-8000-000000000001', 'chat', 'frozen-1', '2026-03-09T09:00:00+01:00',
    1773043200.0, 'user', 's1', NULL, NULL, NULL, 'My dentist is Dr. Lee.', 'user', NULL,
    '2026-03-09T08:00:00+00:00'),
   ('0190f000-0000-7000-8000-000000000002', 'chat', 'frozen-2', '2026-03-14T10:00:00+01:00',
    1773478800.0, 'user', 's2', NULL, NULL, NULL, 'I switched to Dr. Park as my dentist.', 'user',
    NULL, '2026-03-14T09:00:00+00:00');
"""

MEMORIES = """
INSERT INTO memories (id, type, text, fields, valid_from, recorded_at, superseded_at, event_ts,
    version, supersedes, importance, content_hash, source)
VALUES ('0190f000-0000-7000-9000-000000000001', 'core', 'My dentist is Dr. Lee.', '{}',
    '2026-03-09T09:00:00+01:00', '2026-03-09T08:00:00+00:00', '2026-03-14T09:00:00+00:00',
    1773043200.0, 1, NULL, 0.8, 'hash-lee', 'chat'),
   ('0190f000-0000-7000-9000-000000000002', 'core', 'I switched to Dr. Park as my dentist.', '{}',
    '2026-03-14T10:00:00+01:00', '2026-03-14T09:00:00+00:00', NULL, 1773478800.0, 2,
    '0190f000-0000-7000-9000-000000000001', 0.8, 'hash-park', 'chat');
INSERT INTO memory_sources (memory_id, observation_id) VALUES
   ('0190f000-0000-7000-9000-000000000001', '0190f000-0000-7000-8000-000000000001'),
   ('0190f000-0000-7000-9000-000000000002', '0190f000-0000-7000-8000-000000000002');
INSERT INTO links (src, dst, kind, weight, created_by, created_at) VALUES
   ('0190f000-0000-7000-9000-000000000002', '0190f000-0000-7000-9000-000000000001', 'related',
    1.0, 'frozen', '2026-03-14T09:00:00+00:00');
"""


DECISIONS = """
INSERT INTO decisions (id, time, action, decided_by, reason, candidate, target_id, result_id,
    observations)
VALUES ('0190f000-0000-7000-a000-000000000001', '2026-03-14T09:00:00+00:00', 'UPDATE', 'rules',
    'dentist changed from Dr. Lee to Dr. Park', 'I switched to Dr. Park as my dentist.',
    '0190f000-0000-7000-9000-000000000001', '0190f000-0000-7000-9000-000000000002',
    '["0190f000-0000-7000-8000-000000000002"]');
"""


CAPTURE = """
INSERT INTO observations (id, source, external_id, time, ts, speaker, session, app, window, url,
    text, trust, frame_path, created_at)
VALUES ('0190f000-0000-7000-8000-000000000003', 'screen', 'segment:0190f000-0000-7000-b000-000000000001',
    '2026-03-15T09:00:00+00:00', 1773565200.0, NULL, NULL, 'firefox', 'Flights - Mozilla Firefox',
    NULL, 'LH 1234 Berlin to Lisbon', 'screen', '2026/03/15/0190f000-0000-7000-c000-000000000001.mnf',
    '2026-03-15T09:05:00+00:00');
INSERT INTO segments (id, app, title, start, start_ts, end, end_ts, closed, observation_id)
VALUES ('0190f000-0000-7000-b000-000000000001', 'firefox', 'Flights - Mozilla Firefox',
    '2026-03-15T09:00:00+00:00', 1773565200.0, '2026-03-15T09:04:00+00:00', 1773565440.0, 1,
    '0190f000-0000-7000-8000-000000000003');
INSERT INTO frames (id, segment_id, time, ts, path, bytes, width, height, screen, app, title,
    masked, ocr, ocr_region, text, words)
VALUES ('0190f000-0000-7000-c000-000000000001', '0190f000-0000-7000-b000-000000000001',
    '2026-03-15T09:00:00+00:00', 1773565200.0,
    '2026/03/15/0190f000-0000-7000-c000-000000000001.mnf', 41234, 1280, 720, '[0, 0, 1920, 1080]',
    'firefox', 'Flights - Mozilla Firefox', 0, 'done', '[0, 0, 1920, 1080]',
    'LH 1234 Berlin to Lisbon', '[["LH", 10, 10, 30, 20, 95.0]]');
"""


SLEEP = """
UPDATE memories SET pinned = 1 WHERE id = '0190f000-0000-7000-9000-000000000002';
INSERT INTO sleep_runs (id, started_at, now, trigger, phases, status, finished_at, report)
VALUES ('0190f000-0000-7000-d000-000000000001', '2026-03-16T03:00:00+00:00',
    '2026-03-16T03:00:00+00:00', 'nightly', '["consolidate", "decay"]', 'done',
    '2026-03-16T03:00:09+00:00', '{"phases": {"decay": {"counts": {"faded": 1}}}}');
INSERT INTO sleep_progress (run_id, phase, state, cursor, counts, detail, seconds)
VALUES ('0190f000-0000-7000-d000-000000000001', 'decay', 'done', 2, '{"faded": 1}', '{}', 0.5);
INSERT INTO sleep_steps (run_id, phase, seq, payload)
VALUES ('0190f000-0000-7000-d000-000000000001', 'consolidate', 0, '{"members": []}');
INSERT INTO sleep_marks (key, value) VALUES ('link', '2');
"""


def sample_rows(version: int) -> str:
    """Rows that were valid at schema `version`."""
    return (
        OBSERVATIONS
        + (MEMORIES if version >= 2 else "")
        + (DECISIONS if version >= 5 else "")
        + (CAPTURE if version >= 6 else "")
        + (SLEEP if version >= 7 else "")
    )


def freeze(version: int) -> str:
    conn = sqlcipher3.connect(":memory:", isolation_level=None)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    migrate(conn, upto=version)
    conn.set_trace_callback(None)
    kept = [
        s.strip()
        for s in statements
        if not s.lstrip().startswith("--")
        and s.strip().upper() not in ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
        and not s.strip().upper().startswith("PRAGMA USER_VERSION;")
        and s.strip().upper() != "PRAGMA USER_VERSION"
    ]
    header = f"-- Frozen Mnemo schema version {version}. Generated by freeze.py; never edit.\n"
    return header + ";\n".join(kept) + ";\n" + sample_rows(version)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        n = int(arg)
        (HERE / f"v{n}.sql").write_text(freeze(n), encoding="utf-8")
        print(f"wrote v{n}.sql")

"""Housekeeping: frame retention, index upkeep, and folding the WAL back into the database.

- Frames past the capture retention (age, then total size) are deleted, as the capture monitor
  does every few minutes (`prune_by_settings`); memories are never touched.
- The FTS5 indexes of memories and frames are merged into one segment each ('optimize'), which
  keeps full-text search fast after a day of small inserts.
- SQLite's planner statistics are refreshed (`PRAGMA optimize`), and the WAL is checkpointed and
  truncated so the database file holds everything.
sqlite-vec 0.1 has no compaction command for its vector chunks; rows of forgotten memories leave
slots it reuses, so there is nothing more to do for the vector index.
"""

from __future__ import annotations

from datetime import timedelta

from core.capture.retention import frames_footprint, prune_by_settings
from core.sleep.common import Context, PhaseLog

FTS_TABLES = ("memories_fts", "frames_fts")


def housekeeping(ctx: Context, log: PhaseLog) -> None:
    store = ctx.store
    if ctx.dry_run:
        cutoff = (ctx.now - timedelta(days=ctx.settings.capture.retention_days)).timestamp()
        old = store.conn.execute("SELECT count(*) FROM frames WHERE ts < ?", (cutoff,)).fetchone()
        log.count("frames_pruned", int(old[0]))
        frames, size = frames_footprint(store)
        log.detail["note"] = (
            f"would prune {int(old[0])} frames older than "
            f"{ctx.settings.capture.retention_days:g} days (then the oldest beyond "
            f"{ctx.settings.capture.retention_gb:g} GB; {frames} frames, {size / 1e6:.1f} MB now) "
            "and optimise the full-text indexes"
        )
        return
    if log.cursor < 1 and ctx.home is not None:
        pruned = prune_by_settings(store, ctx.home.frames_dir, ctx.settings.capture, ctx.now)
        with ctx.batch(log):
            log.count("frames_pruned", pruned.frames)
            log.count("frame_bytes_freed", pruned.bytes)
            log.cursor = 1
    if log.cursor < 2:
        with ctx.batch(log) as conn:
            for table in FTS_TABLES:
                conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
            log.count("indexes_optimised", len(FTS_TABLES))
            log.cursor = 2
    store.conn.execute("PRAGMA optimize")
    store.checkpoint()

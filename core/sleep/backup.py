"""Backup: a verified copy of the database before the run changes anything.

The copy is SQLite's online backup of the encrypted database into a new file under the same key
(so it is encrypted too), written under a temporary name, checked (it opens, passes
`PRAGMA quick_check`, has the same schema) and only then renamed into `backups/`. The newest
`keep_backups` copies are kept. If no verified copy can be made (a full disk), the run stops before
touching anything.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from core.errors import BackupError, MnemoError
from core.sleep.common import Context, PhaseLog

PREFIX = "mnemo-"
SUFFIX = ".db"


def backup(ctx: Context, log: PhaseLog) -> None:
    if ctx.home is None:
        log.detail["note"] = "skipped: no profile folder"
        return
    folder = ctx.home.backups_dir
    name = f"{PREFIX}{ctx.now:%Y%m%d-%H%M%S}{SUFFIX}"
    if ctx.dry_run:
        log.detail["note"] = f"would back up the database to {folder / name}"
        return
    path = make_backup(ctx, folder, name)
    removed = prune_backups(folder, ctx.sleep.keep_backups)
    with ctx.batch(log):
        log.detail.update(file=str(path), bytes=path.stat().st_size, removed=removed)
        log.count("backups")


def make_backup(ctx: Context, folder: Path, name: str) -> Path:
    """Write and verify one backup; return its path."""
    final = folder / name
    partial = folder / f".{name}.partial"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _discard(partial)  # a stale one from a killed run
        ctx.store.backup_to(partial)
        partial.chmod(0o600)
        problem = ctx.store.verify_copy(partial)
        if problem is not None:
            raise BackupError(
                f"the database backup did not verify ({problem}); the sleep run changed nothing"
            )
        partial.replace(final)
    except MnemoError as exc:
        _discard(partial)
        if isinstance(exc, BackupError):
            raise
        raise BackupError(
            f"cannot back up the database before the sleep run ({exc.message}); "
            "the sleep run changed nothing"
        ) from None
    except OSError as exc:
        _discard(partial)
        raise BackupError(
            f"cannot back up the database to {folder} ({exc.strerror}); "
            "the sleep run changed nothing"
        ) from None
    return final


def _discard(partial: Path) -> None:
    for path in (
        partial,
        Path(f"{partial}-wal"),
        Path(f"{partial}-shm"),
        Path(f"{partial}-journal"),
    ):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def backups(folder: Path) -> list[Path]:
    """The finished backups, oldest first (their names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def prune_backups(folder: Path, keep: int) -> int:
    """Delete all but the newest `keep` backups; return how many went."""
    old = backups(folder)[:-keep] if keep > 0 else backups(folder)
    for path in old:
        with contextlib.suppress(OSError):
            path.unlink()
    return len(old)

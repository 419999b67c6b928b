"""Archive test helpers. A store worth archiving: the sleep seed after a night's run, a forgotten memory, decisions,
frames with real encrypted thumbnails; and helpers to export and import it quickly."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from core.archive import age
from core.archive.export import Selection, export_archive
from core.archive.importer import ImportReport, import_archive
from core.capture.frames import KEY_INFO, FrameCipher, thumbnail, write_frame
from core.home import Home
from core.memory import Action, Decision, Memory
from core.settings import Settings
from core.sleep.runner import run_sleep
from core.store import Store
from models.embedders import HashingEmbedder
from tests.core.sleep.seed import NOW, dump, seed

PASSPHRASE = "correct horse battery staple"
WORK = 10  # scrypt 2^10: the format is the same as at the default 2^18, a thousand times cheaper


def open_store(path: Path, key: bytes) -> Store:
    return Store.open(path, key, HashingEmbedder(), create=True, cache_mb=32)


def add_frames(store: Store, frames_dir: Path, count: int = 3) -> list[str]:
    """Frames with encrypted WebP thumbnails in the first seeded segment."""
    cipher = FrameCipher(store.derive_key(KEY_INFO))
    with store.read() as conn:
        segment, start = conn.execute(
            "SELECT id, start_ts FROM segments ORDER BY start_ts LIMIT 1"
        ).fetchone()
    ids = []
    rng = np.random.default_rng(7)
    for i in range(count):
        frame_id = f"0190f000-0000-7000-8000-00000000000{i}"
        when = NOW.fromtimestamp(start + 60 * i, NOW.tzinfo)
        rel = f"{when:%Y/%m/%d}/{frame_id}.mnf"
        webp, _ = thumbnail(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8), 80, 50)
        write_frame(frames_dir / rel, frame_id, webp, cipher)
        with store.write() as conn:
            conn.execute(
                "INSERT INTO frames (id, segment_id, time, ts, path, bytes, width, height, screen, "
                "app, title, ocr, text, words) VALUES (?, ?, ?, ?, ?, ?, 80, 60, '{}', 'firefox', "
                "'Flights', 'done', ?, '[]')",
                (
                    frame_id,
                    segment,
                    when.isoformat(),
                    when.timestamp(),
                    rel,
                    len(webp),
                    f"flight {i} to Porto",
                ),
            )
        ids.append(frame_id)
    return ids


def fill(store: Store, home: Home) -> dict[str, Any]:
    """The sleep seed, one night's run, a forgotten memory, a decision and three frames."""
    ids = seed(store)
    run_sleep(store, Settings(), home=home, now=NOW)
    store.forget(ids["stale"][1])
    store.record_decisions(
        [Decision(Action.ADD, "new fact", "I like figs.", target_id=None, result_id=ids["core"])]
    )
    ids["frames"] = add_frames(store, home.frames_dir)
    return ids


def export(store: Store, target: Path, home: Home | Path | None = None, **selection: Any) -> Any:
    """Export with the test passphrase; `home` (or a frames folder) brings the frames along."""
    return export_archive(
        store,
        target,
        Selection(**selection),
        passphrase=PASSPHRASE,
        frames_dir=home.frames_dir if isinstance(home, Home) else home,
        work=WORK,
    )


def do_import(
    store: Store,
    path: Path,
    frames_dir: Path | None = None,
    passphrase: str = PASSPHRASE,
    **kw: Any,
) -> ImportReport:
    return import_archive(store, path, lambda: passphrase, frames_dir=frames_dir, max_work=12, **kw)


def canonical(store: Store) -> dict[str, str]:
    """The store's content, with the one thing an import changes on purpose (observation trust)
    folded out and rowid-free keys, so two stores built in different orders compare."""
    with store.read() as conn:
        out = dump(conn, store.vector_table)
        out["observations"] = json.dumps(
            conn.execute(
                "SELECT id, source, external_id, time, ts, speaker, session, app, window, url, "
                "text, frame_path, created_at FROM observations ORDER BY id"
            ).fetchall()
        )
        out["sleep_runs"] = json.dumps(
            conn.execute(
                "SELECT id, started_at, now, trigger, phases, status, finished_at, error, "
                "attempts, report FROM sleep_runs WHERE status != 'running' ORDER BY id"
            ).fetchall()
        )
    return out


def plaintext(path: Path, passphrase: str = PASSPHRASE) -> bytes:
    with path.open("rb") as fh:
        return age.reader(fh, lambda: passphrase).read()


def seal(plain: bytes, target: Path, passphrase: str = PASSPHRASE) -> Path:
    """Encrypt `plain` as a Mnemo archive would be (same padding convention)."""
    buf = io.BytesIO()
    writer = age.passphrase_writer(buf, passphrase, WORK)
    writer.write(plain)
    writer.write(bytes((1 - len(plain)) % age.CHUNK))
    writer.close()
    target.write_bytes(buf.getvalue())
    return target


def members(plain: bytes) -> Iterator[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r|") as tar:
        for info in tar:
            handle = tar.extractfile(info)
            yield info, handle.read() if handle else b""


def retar(items: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for name, data in items:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def edit(memory: Memory, text: str, when_days: float) -> Memory:
    return Memory(
        type=memory.type,
        text=text,
        recorded_at=NOW + timedelta(days=when_days),
        valid_from=memory.valid_from,
        sources=list(memory.sources),
    )

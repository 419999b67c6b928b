"""The model catalog and downloads.

`resources/models.toml` lists recommended base models and embedders (name, kind, URL, size,
sha256, licence). Nothing is downloaded unless the user asks (`mnemo models pull NAME`). A download
goes to `NAME.part` beside its destination and resumes from there with an HTTP Range request after a
dropped connection; it is verified against the catalog's sha256 and size, and only then renamed into
place, so a partial or corrupt file is never mistaken for a model. A full disk, a refused range, a
bad checksum or a dead connection each give one clear message.
"""

from __future__ import annotations

import errno
import os
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from core.errors import DownloadError, InvalidInputError
from core.files import sha256_file

Progress = Callable[[int, int], None]
CHUNK = 1 << 16


@dataclass(frozen=True)
class CatalogEntry:
    """One downloadable model."""

    name: str
    kind: str  # "base" | "embedder"
    url: str
    size: int
    sha256: str
    license: str
    description: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"


def load_catalog(path: Path | None = None) -> dict[str, CatalogEntry]:
    """The bundled catalog (or the TOML file at `path`), by name."""
    if path is None:
        text = resources.files("resources").joinpath("models.toml").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    try:
        raw: dict[str, Any] = tomllib.loads(text)
        return {
            name: CatalogEntry(name=name, **fields)
            for name, fields in raw.get("models", {}).items()
        }
    except (tomllib.TOMLDecodeError, TypeError) as exc:
        raise InvalidInputError(f"the model catalog is invalid: {exc}") from None


def download(
    entry: CatalogEntry,
    dest_dir: Path,
    progress: Progress | None = None,
    timeout: float = 30.0,
    attempts: int = 5,
) -> Path:
    """Download `entry` into `dest_dir` (resuming a partial file), verify it, rename into place."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / entry.filename
    part = dest_dir / f"{entry.filename}.part"
    last_error = "no attempt made"
    for _ in range(attempts):
        try:
            _fetch(entry, part, progress, timeout)
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise DownloadError(
                    f"the disk is full while downloading {entry.name}; {part.name} was kept "
                    "so the download can resume once there is space"
                ) from None
            last_error = str(getattr(exc, "reason", exc))
    else:
        raise DownloadError(
            f"the download of {entry.name} failed after {attempts} attempts ({last_error}); "
            f"run the same command again to resume"
        )
    size = part.stat().st_size
    if size != entry.size or sha256_file(part) != entry.sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"the downloaded {entry.name} does not match the catalog's checksum; it was deleted"
        )
    os.replace(part, final)
    return final


def _fetch(entry: CatalogEntry, part: Path, progress: Progress | None, timeout: float) -> None:
    have = part.stat().st_size if part.exists() else 0
    if have > entry.size:
        part.unlink()
        have = 0
    if have == entry.size:
        return
    request = urllib.request.Request(entry.url, headers={"User-Agent": "mnemo"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        status = response.status
        if have and status != 206:  # the server ignored the range: start over
            have = 0
        mode = "ab" if have else "wb"
        with part.open(mode) as fh:
            done = have
            while chunk := response.read(CHUNK):
                fh.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, entry.size)
            fh.flush()
            os.fsync(fh.fileno())
    if part.stat().st_size < entry.size:
        raise ConnectionError("the connection closed before the end of the file")

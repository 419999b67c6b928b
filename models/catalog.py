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
    license: str
    size: int = 0  # 0: not pinned, taken from the server's published X-Linked-Size
    sha256: str = ""  # "": not pinned, taken from the server's published X-Linked-Etag
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
    """Download `entry` into `dest_dir` (resuming a partial file), verify it, rename into place.

    The expected size and sha256 are the catalog's when pinned there, else the ones the server
    publishes for the file (Hugging Face sends X-Linked-Size and X-Linked-Etag for LFS files); a
    file that cannot be verified either way is not kept.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / entry.filename
    part = dest_dir / f"{entry.filename}.part"
    expected = Expected(entry.size, entry.sha256)
    last_error = "no attempt made"
    for _ in range(attempts):
        try:
            if not (expected.sha256 and expected.size):
                expected.learn(_published_headers(entry.url, timeout), 0)
            _fetch(entry.url, part, expected, progress, timeout)
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
    if not expected.sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{entry.name} cannot be verified: neither the catalog nor the server gives its sha256"
        )
    if part.stat().st_size != expected.size or sha256_file(part) != expected.sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"the downloaded {entry.name} does not match its published checksum; it was deleted"
        )
    os.replace(part, final)
    return final


@dataclass
class Expected:
    """What the finished file must be: filled from the catalog, else from response headers."""

    size: int
    sha256: str

    def learn(self, headers: Any, have: int) -> None:
        if not self.sha256:
            tag = (headers.get("X-Linked-Etag") or "").strip('"')
            if len(tag) == 64 and all(c in "0123456789abcdef" for c in tag.lower()):
                self.sha256 = tag.lower()
        if not self.size:
            linked = headers.get("X-Linked-Size") or ""
            length = headers.get("Content-Length") or ""
            if linked.isdigit():
                self.size = int(linked)
            elif length.isdigit():
                self.size = int(length) + have


class _KeepRedirect(urllib.request.HTTPRedirectHandler):
    """Do not follow redirects: the checksum headers are on the redirect itself."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _published_headers(url: str, timeout: float) -> Any:
    """Headers of a HEAD on `url` before any redirect (Hugging Face puts X-Linked-Etag and
    X-Linked-Size on its 302 to the CDN, not on the CDN's response)."""
    opener = urllib.request.build_opener(_KeepRedirect)
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "mnemo"})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.headers
    except urllib.error.HTTPError as exc:  # the unfollowed 3xx arrives as an HTTPError
        if 300 <= exc.code < 400:
            return exc.headers
        raise


def _fetch(
    url: str, part: Path, expected: Expected, progress: Progress | None, timeout: float
) -> None:
    have = part.stat().st_size if part.exists() else 0
    if expected.size and have > expected.size:
        part.unlink()
        have = 0
    if expected.size and expected.sha256 and have == expected.size:
        return
    request = urllib.request.Request(url, headers={"User-Agent": "mnemo"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if have and response.status != 206:  # the server ignored the range: start over
            have = 0
        expected.learn(response.headers, have)
        with part.open("ab" if have else "wb") as fh:
            done = have
            while chunk := response.read(CHUNK):
                fh.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, expected.size)
            fh.flush()
            os.fsync(fh.fileno())
    if part.stat().st_size < expected.size:
        raise ConnectionError("the connection closed before the end of the file")

"""Model downloads against an HTTP server on 127.0.0.1: resume, checksum, progress, errors."""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.errors import DownloadError
from models.catalog import CatalogEntry, download, load_catalog

PAYLOAD = os.urandom(300_000)


class Server:
    """Serves PAYLOAD; can cut the first responses short and records the Range headers seen."""

    def __init__(self) -> None:
        self.cut_after: list[int] = []  # per request, bytes to send before dropping the line
        self.ranges: list[str | None] = []
        self.ignore_range = False
        self.publish_checksum = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                # Like Hugging Face: the checksum is published on a redirect to the CDN.
                self.send_response(302)
                self.send_header("Location", "/cdn/model.gguf")
                if outer.publish_checksum:
                    self.send_header("X-Linked-Etag", f'"{hashlib.sha256(PAYLOAD).hexdigest()}"')
                    self.send_header("X-Linked-Size", str(len(PAYLOAD)))
                self.end_headers()

            def do_GET(self) -> None:
                if self.path == "/model.gguf":
                    self.send_response(302)
                    self.send_header("Location", "/cdn/model.gguf")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                outer.ranges.append(self.headers.get("Range"))
                start = 0
                if self.headers.get("Range") and not outer.ignore_range:
                    start = int(self.headers["Range"].split("=")[1].rstrip("-"))
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/*")
                else:
                    self.send_response(200)
                body = PAYLOAD[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_after:
                    self.wfile.write(body[: outer.cut_after.pop(0)])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.gguf"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


def entry(server: Server, sha: str | None = None) -> CatalogEntry:
    return CatalogEntry(
        name="test-model",
        kind="embedder",
        url=server.url,
        license="MIT",
        size=len(PAYLOAD),
        sha256=sha or hashlib.sha256(PAYLOAD).hexdigest(),
    )


def test_download_verifies_and_reports_progress(server: Server, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    path = download(entry(server), tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert path.read_bytes() == PAYLOAD and path.name == "test-model.gguf"
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD)) and len(seen) > 2
    assert not list(tmp_path.glob("*.part"))


def test_resumes_after_a_cut_connection(server: Server, tmp_path: Path) -> None:
    server.cut_after = [100_000, 50_000]
    path = download(entry(server), tmp_path)
    assert path.read_bytes() == PAYLOAD
    assert server.ranges == [None, "bytes=100000-", "bytes=150000-"]


def test_server_that_ignores_ranges_restarts_cleanly(server: Server, tmp_path: Path) -> None:
    server.cut_after = [100_000]
    server.ignore_range = True
    assert download(entry(server), tmp_path).read_bytes() == PAYLOAD


def test_checksum_mismatch_leaves_nothing_in_place(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="does not match its published checksum"):
        download(entry(server, sha="0" * 64), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unpinned_entry_uses_the_servers_published_checksum(server: Server, tmp_path: Path) -> None:
    unpinned = CatalogEntry("test-model", "embedder", server.url, "MIT")
    with pytest.raises(DownloadError, match="cannot be verified"):
        download(unpinned, tmp_path)
    assert list(tmp_path.iterdir()) == []
    server.publish_checksum = True
    server.cut_after = [70_000]
    assert download(unpinned, tmp_path).read_bytes() == PAYLOAD


def test_full_disk_keeps_the_partial_file_for_resuming(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = Path.open

    def full_disk(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        if self.suffix == ".part" and "b" in mode and ("w" in mode or "a" in mode):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", full_disk)
    with pytest.raises(DownloadError, match="the disk is full"):
        download(entry(server), tmp_path)
    assert not (tmp_path / "test-model.gguf").exists()


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    dead = CatalogEntry("m", "base", "http://127.0.0.1:9/m.gguf", "MIT", 10, "0" * 64)
    with pytest.raises(DownloadError, match="failed after 2 attempts"):
        download(dead, tmp_path, attempts=2, timeout=2)
    assert not (tmp_path / "m.gguf").exists()


def test_bundled_catalog_is_well_formed() -> None:
    catalog = load_catalog()
    assert catalog
    for item in catalog.values():
        assert item.kind in ("base", "embedder")
        assert item.url.startswith("https://") and item.license
        assert item.sha256 == "" or len(item.sha256) == 64

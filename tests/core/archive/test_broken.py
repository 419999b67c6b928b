"""Every broken archive is refused with its own message, and the store file stays byte-identical."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from core.archive import age
from core.errors import (
    ArchiveDamagedError,
    ArchiveError,
    ArchiveInvalidError,
    ArchiveMismatchError,
    ArchivePassphraseError,
    ArchiveTooNewError,
    ArchiveTruncatedError,
    NotAnArchiveError,
)
from core.store import Store
from tests.core.archive.helpers import (
    PASSPHRASE,
    do_import,
    export,
    members,
    open_store,
    plaintext,
    retar,
    seal,
)
from tests.core.sleep.seed import seed


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("good")
    store = open_store(folder / "src.db", os.urandom(32))
    seed(store)
    export(store, folder / "good.mnemo", vault=True)
    store.close()
    return folder / "good.mnemo"


def files_of(store: Store) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(store.path.parent.glob(store.path.name + "*"))
        if not p.name.endswith("-shm")  # SQLite's shared-memory index, rebuilt on every open
    }


def rewrite_manifest(plain: bytes, change: Callable[[dict], None]) -> bytes:
    items = [(i.name, d) for i, d in members(plain)]
    manifest = json.loads(items[-1][1])
    change(manifest)
    items[-1] = ("manifest.json", json.dumps(manifest).encode())
    return retar(items)


def change_a_part(plain: bytes) -> bytes:
    items = [(i.name, d) for i, d in members(plain)]
    name, data = next((n, d) for n, d in items if n.startswith("memories/"))
    items[[n for n, _ in items].index(name)] = (name, data.replace(b"Porto", b"Paris", 1))
    return retar(items)


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x20]) + data[at + 1 :]


CASES: dict[str, tuple[Callable[[Path, Path], Path], type[ArchiveError], str]] = {
    "wrong passphrase": (
        lambda good, out: good,
        ArchivePassphraseError,
        "wrong passphrase",
    ),
    "cut in half": (
        lambda good, out: _bytes(out, good.read_bytes()[: good.stat().st_size // 2]),
        ArchiveTruncatedError,
        "truncated",
    ),
    "last bytes missing": (
        lambda good, out: _bytes(out, good.read_bytes()[:-5]),
        ArchiveTruncatedError,
        "truncated",
    ),
    "cut inside the header": (
        lambda good, out: _bytes(out, good.read_bytes()[:60]),
        ArchiveTruncatedError,
        "truncated",
    ),
    "flipped byte": (
        lambda good, out: _bytes(out, flip(good.read_bytes(), good.stat().st_size // 2)),
        ArchiveDamagedError,
        "damaged",
    ),
    "flipped byte in the last chunk": (
        lambda good, out: _bytes(out, flip(good.read_bytes(), good.stat().st_size - 3)),
        ArchiveDamagedError,
        "damaged",
    ),
    "flipped byte in the header MAC": (
        lambda good, out: _bytes(
            out, flip(good.read_bytes(), good.read_bytes().index(b"\n---") + 8)
        ),
        ArchiveError,  # the header's MAC or its base64: damaged or malformed, never accepted
        "header",
    ),
    "newer archive format": (
        lambda good, out: seal(
            rewrite_manifest(plaintext(good), lambda m: m.update(format_version=99)), out
        ),
        ArchiveTooNewError,
        "newer Mnemo",
    ),
    "newer store schema": (
        lambda good, out: seal(
            rewrite_manifest(plaintext(good), lambda m: m.update(schema_version=999)), out
        ),
        ArchiveTooNewError,
        "newer store layout",
    ),
    "member hash mismatch": (
        lambda good, out: seal(change_a_part(plaintext(good)), out),
        ArchiveMismatchError,
        "does not match its checksum",
    ),
    "not an age file": (
        lambda good, out: _bytes(out, b"PK\x03\x04 a zip file, say" * 40),
        NotAnArchiveError,
        "not age-encrypted",
    ),
    "empty file": (lambda good, out: _bytes(out, b""), NotAnArchiveError, "not age-encrypted"),
    "age file that is not a tar": (
        lambda good, out: seal(b"just some text\n" * 100, out),
        ArchiveInvalidError,
        "not a readable tar",
    ),
    "tar without a manifest": (
        lambda good, out: seal(retar([("notes.txt", b"hello")]), out),
        NotAnArchiveError,
        "no Mnemo manifest",
    ),
    "armored age file": (
        lambda good, out: _bytes(out, b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n"),
        NotAnArchiveError,
        "ASCII-armored",
    ),
}


def _bytes(out: Path, data: bytes) -> Path:
    out.write_bytes(data)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_archive_is_refused_and_the_store_is_untouched(
    case: str, good: Path, store: Store, tmp_path: Path
) -> None:
    make, error, words = CASES[case]
    bad = make(good, tmp_path / "bad.mnemo")
    seed(store)
    store.checkpoint()
    before = files_of(store)
    passphrase = "not the passphrase" if case == "wrong passphrase" else PASSPHRASE
    with pytest.raises(error) as caught:
        do_import(store, bad, frames_dir=tmp_path / "frames", passphrase=passphrase)
    message = caught.value.message
    assert words in message and "\n" not in message, message
    assert files_of(store) == before
    assert not (tmp_path / "frames").exists()


def test_a_chunk_boundary_cut_is_a_truncation(tmp_path: Path) -> None:
    buf = tmp_path / "x.age"
    with buf.open("wb") as fh:
        writer = age.passphrase_writer(fh, PASSPHRASE, 10)
        writer.write(os.urandom(3 * age.CHUNK + 1))
        writer.close()
    data = buf.read_bytes()
    header = data.index(b"\n---") + data[data.index(b"\n---") + 1 :].index(b"\n") + 2 + 16
    cut = header + 2 * (age.CHUNK + age.TAG)
    buf.write_bytes(data[:cut])
    with buf.open("rb") as fh, pytest.raises(ArchiveTruncatedError):
        age.reader(fh, lambda: PASSPHRASE, final_chunk=1).read()


def test_an_archive_asking_for_too_much_work_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.age"
    with path.open("wb") as fh:
        writer = age.passphrase_writer(fh, PASSPHRASE, 10)
        writer.close()
    with path.open("rb") as fh, pytest.raises(ArchiveInvalidError, match="work factor"):
        age.reader(fh, lambda: PASSPHRASE, max_work=9)

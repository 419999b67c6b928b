"""The container is standard age: the `age` tool and pyrage open what Mnemo writes, and back."""

from __future__ import annotations

import io
import json
import os
import pty
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pyrage
import pytest

from core.archive import age
from core.archive.importer import verify_archive
from core.errors import ArchivePassphraseError, InvalidInputError
from core.home import Home
from core.store import Store
from tests.core.archive.helpers import PASSPHRASE, WORK, do_import, export, members, open_store

AGE = shutil.which("age")
needs_age = pytest.mark.skipif(
    AGE is None and not os.environ.get("MNEMO_REQUIRE_DESKTOP"),
    reason="the age tool is not installed (Debian package 'age')",
)


def age_decrypt(path: Path, out: Path, passphrase: str) -> tuple[int, bytes]:
    """Run `age -d` the way a person would: it reads the passphrase from a terminal, so give it
    one (a pseudo-terminal) and type the passphrase when it asks."""
    assert AGE is not None, "the age tool is not installed (Debian package 'age')"
    pid, fd = pty.fork()
    if pid == 0:  # the child: age, with the pty as its controlling terminal
        os.execv(AGE, [AGE, "--decrypt", "--output", str(out), str(path)])
    said = b""
    deadline = time.monotonic() + 30
    typed = False
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        said += chunk
        if not typed and b"passphrase" in said.lower():
            os.write(fd, passphrase.encode() + b"\n")
            typed = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), said


@needs_age
def test_the_age_tool_decrypts_an_archive_and_its_json_reads_back(
    full: tuple[Store, dict[str, Any]], mnemo_home: Home, tmp_path: Path
) -> None:
    store, ids = full
    export(store, tmp_path / "a.mnemo", mnemo_home)
    code, said = age_decrypt(tmp_path / "a.mnemo", tmp_path / "a.tar", PASSPHRASE)
    assert code == 0, said
    # Standard tar tools list it; every part is JSON lines.
    listing = subprocess.run(
        ["tar", "-tf", str(tmp_path / "a.tar")], capture_output=True, text=True, check=True
    ).stdout.split()
    assert listing[-1] == "manifest.json" and "memories/000001.jsonl" in listing
    found: dict[str, list[Any]] = {}
    manifest: dict[str, Any] = {}
    for info, data in members((tmp_path / "a.tar").read_bytes()):
        if info.name.endswith(".jsonl"):
            rows = [json.loads(line) for line in data.splitlines()]
            found.setdefault(info.name.split("/")[0], []).extend(rows)
        elif info.name == "manifest.json":
            manifest = json.loads(data)
    texts = {m["text"] for m in found["memories"]}
    assert store.get_memory(ids["core"]).text in texts
    assert {k: len(v) for k, v in found.items()} == {
        k: n for k, n in manifest["counts"].items() if n and k != "frame_images_unreadable"
    }


@needs_age
def test_the_age_tool_refuses_a_wrong_passphrase(store: Store, tmp_path: Path) -> None:
    export(store, tmp_path / "a.mnemo")
    code, said = age_decrypt(tmp_path / "a.mnemo", tmp_path / "a.tar", "wrong")
    assert code != 0 and b"incorrect passphrase" in said.lower()


def test_pyrage_and_mnemo_read_each_others_passphrase_files() -> None:
    data = os.urandom(3 * age.CHUNK + 17)
    buf = io.BytesIO()
    writer = age.passphrase_writer(buf, "pw", WORK)
    writer.write(data)
    writer.close()
    assert pyrage.passphrase.decrypt(buf.getvalue(), "pw") == data
    theirs = pyrage.passphrase.encrypt(data, "pw")
    assert age.reader(io.BytesIO(theirs), lambda: "pw").read() == data
    for size in (0, 1, age.CHUNK, 2 * age.CHUNK):
        buf = io.BytesIO()
        writer = age.passphrase_writer(buf, "pw", WORK)
        writer.write(data[:size])
        writer.close()
        assert pyrage.passphrase.decrypt(buf.getvalue(), "pw") == data[:size]
        assert age.reader(io.BytesIO(buf.getvalue()), lambda: "pw").read() == data[:size]


def test_an_archive_for_a_public_key_opens_with_its_identity(
    full: tuple[Store, dict[str, Any]], mnemo_home: Home, tmp_path: Path, key: bytes
) -> None:
    store, _ = full
    identity = pyrage.x25519.Identity.generate()
    from core.archive.export import Selection, export_archive

    report = export_archive(
        store,
        tmp_path / "b.mnemo",
        Selection(vault=True),
        recipient=str(identity.to_public()),
        frames_dir=mnemo_home.frames_dir,
    )
    assert report.encrypted_to.startswith("age1")
    plain = pyrage.decrypt((tmp_path / "b.mnemo").read_bytes(), [identity])
    assert any(info.name == "manifest.json" for info, _ in members(plain))
    keyfile = tmp_path / "key.txt"
    keyfile.write_text(f"# created by a test\n{identity}\n")
    identities = age.load_identities(keyfile)
    verify_archive(tmp_path / "b.mnemo", None, identities)
    fresh = open_store(tmp_path / "fresh.db", key)
    result = do_import(fresh, tmp_path / "b.mnemo", identities=identities, passphrase="")
    assert result.added["memories"] == report.counts["memories"]
    other = pyrage.x25519.Identity.generate()
    with pytest.raises(ArchivePassphraseError, match="identities"):
        verify_archive(tmp_path / "b.mnemo", None, [other])
    with pytest.raises(ArchivePassphraseError, match="identity file"):
        verify_archive(tmp_path / "b.mnemo", lambda: PASSPHRASE)
    fresh.close()


def test_bad_recipients_and_identity_files_are_explained(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not an age public key"):
        age.parse_recipient("age1nope")
    (tmp_path / "id.txt").write_text("hello\n")
    with pytest.raises(InvalidInputError, match="no age secret key"):
        age.load_identities(tmp_path / "id.txt")
    with pytest.raises(InvalidInputError, match="cannot be empty"):
        age.passphrase_writer(io.BytesIO(), "")

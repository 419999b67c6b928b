"""`mnemo export` and `mnemo import archive` end to end, in real subprocesses."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from core.home import Home
from tests.app.test_cli import SAMPLE, lines, mnemo


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Home, Home]:
    """Two profiles, the first with the sample chat imported; cheap archive passphrases."""
    monkeypatch.setenv("MNEMO_ARCHIVE_PASSPHRASE", "archive pw")
    made = []
    for name in ("a", "b"):
        home = Home.resolve(tmp_path / name)
        home.settings_path.parent.mkdir(parents=True, exist_ok=True)
        home.settings_path.write_text(json.dumps({"archive": {"work": 10}}))
        mnemo("init", home=home)
        made.append(home)
    mnemo("import", "chats", str(SAMPLE), home=made[0])
    return made[0], made[1]


def memory_ids(home: Home, vault: bool = True) -> set[str]:
    listed = mnemo("memories", "list", "--limit", "10000", "--json", home=home)
    return {str(m["memory_id"]) for m in lines(listed) if vault or m["type"] != "vault"}


def store_bytes(home: Home) -> str:
    return hashlib.sha256(home.db_path.read_bytes()).hexdigest()


def test_export_then_import_into_another_profile(homes: tuple[Home, Home], tmp_path: Path) -> None:
    a, b = homes
    archive = tmp_path / "backup.mnemo"
    result = lines(mnemo("export", str(archive), "--json", home=a))[0]
    assert result["verified"] and result["counts"]["memories"] > 3
    human = mnemo("export", str(tmp_path / "again.mnemo"), home=a).stdout
    assert "Encrypted with your archive passphrase" in human
    dry = lines(mnemo("import", "archive", str(archive), "--dry-run", "--json", home=b))[0]
    assert dry["dry_run"] and dry["added"]["memories"] == result["counts"]["memories"]
    assert memory_ids(b) == set()
    first = mnemo("import", "archive", str(archive), home=b).stdout
    # The vault stays home unless asked for.
    assert first.startswith("Imported") and memory_ids(b) == memory_ids(a, vault=False)
    assert memory_ids(a) - memory_ids(a, vault=False)
    second = mnemo("import", "archive", str(archive), home=b).stdout
    assert "nothing new" in second and "already here" in second


@pytest.mark.parametrize(
    "case, words",
    [
        ("wrong passphrase", "wrong passphrase"),
        ("truncated", "truncated"),
        ("flipped byte", "damaged"),
        ("not an archive", "not a Mnemo archive"),
        ("missing", "no archive at"),
    ],
)
def test_a_bad_archive_exits_non_zero_with_one_line_and_the_store_untouched(
    case: str,
    words: str,
    homes: tuple[Home, Home],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = homes
    archive = tmp_path / "backup.mnemo"
    mnemo("export", str(archive), home=a)
    data = archive.read_bytes()
    if case == "truncated":
        archive.write_bytes(data[: len(data) // 2])
    elif case == "flipped byte":
        archive.write_bytes(data[:-40] + bytes([data[-40] ^ 1]) + data[-39:])
    elif case == "not an archive":
        archive.write_text("hello, I am a text file\n")
    elif case == "missing":
        archive.unlink()
    elif case == "wrong passphrase":
        monkeypatch.setenv("MNEMO_ARCHIVE_PASSPHRASE", "something else")
    mnemo("import", "chats", str(SAMPLE), home=b)
    before = store_bytes(b)
    result = mnemo("import", "archive", str(archive), home=b, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    assert store_bytes(b) == before


def test_plain_exports_markdown_and_jsonl(homes: tuple[Home, Home], tmp_path: Path) -> None:
    a, _ = homes
    notes = tmp_path / "vault"
    out = mnemo("export", "--format", "markdown", str(notes), home=a).stdout
    assert "not encrypted" in out
    index = (notes / "Mnemo.md").read_text()
    days = sorted((notes / "Days").glob("*.md"))
    assert days and f"[[{days[0].stem}]]" in index
    day_text = days[0].read_text()
    assert "^m" in day_text and "[[Mnemo]]" in day_text
    types = sorted(p.stem for p in (notes / "Types").glob("*.md"))
    assert types and all(f"[[{t}]]" in index for t in types)
    # Exporting again replaces an earlier export, but never someone's own folder.
    mnemo("export", "--format", "markdown", str(notes), home=a)
    own = tmp_path / "mine"
    own.mkdir()
    (own / "diary.md").write_text("mine")
    refused = mnemo("export", "--format", "markdown", str(own), home=a, check=False)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert (own / "diary.md").read_text() == "mine"

    jsonl = tmp_path / "all.jsonl"
    counts = lines(mnemo("export", "--format", "jsonl", str(jsonl), "--json", home=a))[0]["counts"]
    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert sum(1 for r in records if r["kind"] == "memory") == counts["memories"]
    assert {r["kind"] for r in records} >= {"observation", "memory"}


@pytest.mark.skipif(shutil.which("age-keygen") is None, reason="the age tools are not installed")
def test_an_archive_for_a_public_key(homes: tuple[Home, Home], tmp_path: Path) -> None:
    a, b = homes
    key = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    public = next(
        line.split(": ")[1] for line in key.read_text().splitlines() if "public key" in line
    )
    archive = tmp_path / "offsite.mnemo"
    out = mnemo("export", str(archive), "--recipient", public, home=a).stdout
    assert "public key" in out
    plain = subprocess.run(
        ["age", "-d", "-i", str(key), str(archive)], capture_output=True, check=True
    ).stdout
    assert b"manifest.json" in plain
    refused = mnemo("import", "archive", str(archive), home=b, check=False)
    assert refused.returncode == 2 and "--identity" in refused.stderr
    mnemo("import", "archive", str(archive), "--identity", str(key), home=b)
    assert memory_ids(b) == memory_ids(a, vault=False)
    bad = mnemo("export", str(archive), "--recipient", "age1oops", home=a, check=False)
    assert bad.returncode == 2 and "not an age public key" in bad.stderr

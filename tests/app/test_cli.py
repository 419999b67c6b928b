"""The `mnemo` CLI end to end, in real subprocesses against a real encrypted store."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.home import Home

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample" / "chats.jsonl"


def mnemo(
    *args: str, home: Home, passphrase: str | None = "pw", check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MNEMO_PASSPHRASE", "MNEMO_HOME")}
    env["MNEMO_HOME"] = str(home.config_dir.parent)
    if passphrase is not None:
        env["MNEMO_PASSPHRASE"] = passphrase
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def ready(mnemo_home: Home) -> Home:
    """A profile with the sample chat imported (passphrase storage: no keyring in tests)."""
    mnemo("init", home=mnemo_home)
    mnemo("import", "chats", str(SAMPLE), home=mnemo_home)
    return mnemo_home


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_init_creates_an_encrypted_store(mnemo_home: Home) -> None:
    out = mnemo("init", "--json", home=mnemo_home)
    info = lines(out)[0]
    assert "passphrase" in str(info["key"])
    assert mnemo_home.db_path.exists() and mnemo_home.key_path.exists()
    assert not mnemo_home.db_path.read_bytes().startswith(b"SQLite format 3")
    again = mnemo("init", home=mnemo_home, check=False)
    assert again.returncode == 2 and "already exists" in again.stderr


def test_home_flag_overrides_the_environment(tmp_path: Path, mnemo_home: Home) -> None:
    other = tmp_path / "elsewhere"
    mnemo("--home", str(other), "init", home=mnemo_home)
    assert (other / "data" / "mnemo.db").exists() and not mnemo_home.db_path.exists()


def test_import_search_and_reimport(ready: Home) -> None:
    result = lines(mnemo("search", "who", "is", "my", "dentist", "--json", home=ready))[0]
    top = result["results"][0]  # type: ignore[index]
    # "My dentist is Dr. Lee" (tour-05) was superseded by "I switched to Dr. Park" (tour-19).
    assert "Dr. Park" in top["text"] and top["sources"] == ["tour-19"]
    assert {"memory_id", "type", "score", "breakdown"} <= set(top)
    again = lines(mnemo("import", "chats", str(SAMPLE), "--json", home=ready))[0]
    assert again["observations_added"] == 0 and again["memories_added"] == 0


def test_search_filters_and_human_output(ready: Home) -> None:
    out = mnemo("search", "onboarding", "--type", "resource", "--explain", home=ready).stdout
    assert "[resource] The onboarding spec lives at" in out and "why: bm25 #1" in out
    late = mnemo("search", "onboarding", "--since", "2026-03-13", "--json", home=ready)
    texts = [r["text"] for r in lines(late)[0]["results"]]  # type: ignore[index]
    assert texts and all("Priya" in t for t in texts)
    early = mnemo("search", "onboarding", "--until", "2026-03-10", "--json", home=ready)
    assert all("Priya:" not in r["text"] for r in lines(early)[0]["results"])  # type: ignore[index]


def test_batch_search_answers_every_query_in_one_process(ready: Home, tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        "\n".join(
            json.dumps({"id": i, "query": q})
            for i, q in [("a", "dentist"), ("b", "restart staging server"), ("c", "zzzz qqqq")]
        )
    )
    out = lines(mnemo("search", "--batch", str(queries), "--k", "3", "--json", home=ready))
    assert [o["id"] for o in out] == ["a", "b", "c"]
    assert "tour-10" in out[1]["results"][0]["sources"]  # type: ignore[index]
    assert len(out[0]["results"]) <= 3  # type: ignore[arg-type]
    # Nothing shares a word with gibberish: at most weak vector neighbours, never a text match.
    assert all("bm25" not in r["breakdown"] for r in out[2]["results"])  # type: ignore[index,union-attr]
    assert set(out[0]["results"][0]) >= {"memory_id", "type", "text", "score", "sources"}  # type: ignore[index]


def test_memories_list_show_forget_and_stats(ready: Home) -> None:
    listed = lines(mnemo("memories", "list", "--json", "--limit", "100", home=ready))
    assert len(listed) == 17  # 18 statements, one of which superseded another
    vault = next(m for m in listed if m["type"] == "vault")
    assert "4471" not in json.dumps(vault) and "hidden" in str(vault["text"])
    shown = mnemo("memories", "show", str(vault["memory_id"])[:30], home=ready).stdout
    assert "4471" not in shown and "source chat tour-15" in shown
    revealed = mnemo("memories", "show", str(vault["memory_id"]), "--reveal", home=ready).stdout
    assert "4471" in revealed

    refused = mnemo("memories", "forget", str(vault["memory_id"]), home=ready, check=False)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    mnemo("memories", "forget", str(vault["memory_id"]), "--yes", home=ready)
    gone = lines(mnemo("search", "locker code", "--json", home=ready))[0]
    assert all(r["type"] != "vault" for r in gone["results"])  # type: ignore[index]

    stats = lines(mnemo("stats", "--json", home=ready))[0]
    assert stats["memories"] == 16 and stats["observations"] == {"chat": 20}
    assert "Memories: 16 current" in mnemo("stats", home=ready).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "x"), "run 'mnemo init' first"),
        (("memories", "show", "nope"), "run 'mnemo init' first"),
    ],
)
def test_expected_errors_are_one_line_without_traceback(
    mnemo_home: Home, args: tuple[str, ...], message: str
) -> None:
    result = mnemo(*args, home=mnemo_home, check=False)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_wrong_or_missing_passphrase_touches_nothing(ready: Home) -> None:
    before = hashlib.sha256(ready.db_path.read_bytes()).hexdigest()
    wrong = mnemo("stats", home=ready, passphrase="not it", check=False)
    assert wrong.returncode == 2 and wrong.stderr.strip() == (
        "mnemo: wrong passphrase: the store was not opened"
    )
    missing = mnemo("stats", home=ready, passphrase=None, check=False)
    assert missing.returncode == 2 and "MNEMO_PASSPHRASE" in missing.stderr
    assert hashlib.sha256(ready.db_path.read_bytes()).hexdigest() == before


def test_bad_inputs_name_the_problem(ready: Home, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "time": "2026-01-01T00:00:00Z", "speaker": "u", "text": "ok"}\n{')
    result = mnemo("import", "chats", str(bad), home=ready, check=False)
    assert result.returncode == 2 and "bad.jsonl, line 2: not valid JSON" in result.stderr
    result = mnemo("search", "x", "--since", "someday", home=ready, check=False)
    assert result.returncode == 2 and "cannot read the date 'someday'" in result.stderr
    result = mnemo("memories", "show", "0000000000000", home=ready, check=False)
    assert result.returncode == 2 and "no memory with id" in result.stderr


def test_tour_runs_on_bundled_data_and_touches_nothing(mnemo_home: Home) -> None:
    out = mnemo("tour", home=mnemo_home, passphrase=None).stdout
    assert "Importing a sample chat" in out and "cited: tour-10" in out
    assert not mnemo_home.data_dir.exists()


def test_help_lists_the_commands_and_says_no_command_starts_the_app(mnemo_home: Home) -> None:
    # `mnemo` with no command starts the desktop app (tests/app/gui/test_main.py).
    shown = mnemo("--help", home=mnemo_home).stdout
    assert "usage: mnemo" in shown and "With no command, the desktop app starts." in " ".join(
        shown.split()
    )


def test_k_is_bounded_and_ids_shown_are_ids_accepted(ready: Home) -> None:
    for k in ("0", "-3", "5000", "ten"):
        bad = mnemo("search", "x", "--k", k, home=ready, check=False)
        assert bad.returncode == 2 and "--k" in bad.stderr and "Traceback" not in bad.stderr
    listed = mnemo("memories", "list", home=ready).stdout.splitlines()
    shown_id = listed[0].split()[0]
    assert len(shown_id) == 36
    assert shown_id in mnemo("memories", "show", shown_id, home=ready).stdout
    wildcard = mnemo("memories", "show", "________", home=ready, check=False)
    assert wildcard.returncode == 2 and "no memory with id" in wildcard.stderr


def test_import_from_a_pipe(mnemo_home: Home) -> None:
    mnemo("init", home=mnemo_home)
    env = dict(os.environ, MNEMO_HOME=str(mnemo_home.config_dir.parent), MNEMO_PASSPHRASE="pw")
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "import", "chats", "/dev/stdin", "--json"],
        input=SAMPLE.read_text(),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["observations_added"] == 20

"""`mnemo sleep` and `mnemo memories pin` end to end, in real subprocesses on a real store."""

from __future__ import annotations

import json
from pathlib import Path

from core.home import Home
from tests.app.test_cli import lines, mnemo

CHAT = [
    {
        "id": "c1",
        "time": "2026-11-02T09:00:00+00:00",
        "speaker": "me",
        "text": "My sister Anna lives in Porto.",
    },
    {
        "id": "c2",
        "time": "2026-11-03T09:00:00+00:00",
        "speaker": "me",
        "text": "I went to the dentist today.",
    },
    {
        "id": "c3",
        "time": "2026-11-04T09:00:00+00:00",
        "speaker": "me",
        "text": "My sister Anna lives in Porto!",
    },
]


def imported(home: Home, tmp_path: Path) -> Home:
    chat = tmp_path / "chat.jsonl"
    chat.write_text("".join(json.dumps(line) + "\n" for line in CHAT), encoding="utf-8")
    mnemo("init", home=home)
    mnemo("import", "chats", str(chat), home=home)
    return home


def test_sleep_dry_run_then_run_then_report(mnemo_home: Home, tmp_path: Path) -> None:
    home = imported(mnemo_home, tmp_path)
    listing = ("memories", "list", "--json", "--include-superseded", "--include-cold")
    before = mnemo(*listing, home=home).stdout
    dry = mnemo("sleep", "--dry-run", home=home)
    assert "Dry run (nothing was changed)" in dry.stdout
    assert "would back up the database" in dry.stdout
    assert "Day summaries:" in dry.stdout and "dentist" in dry.stdout
    assert not home.backups_dir.exists()
    assert mnemo(*listing, home=home).stdout == before
    assert "No sleep run yet" in mnemo("sleep", "--report", home=home).stdout

    run = mnemo("sleep", "--json", home=home)
    report = lines(run)[0]
    assert report["status"] == "done" and not report["dry_run"]
    assert list(report["phases"]) == [
        "backup",
        "consolidate",
        "summarise",
        "decay",
        "link",
        "evolve",
        "housekeeping",
    ]
    assert report["phases"]["evolve"]["note"].startswith("skipped")
    assert len(list(home.backups_dir.glob("mnemo-*.db"))) == 1

    shown = mnemo("sleep", "--report", home=home)
    assert f"Sleep run {report['run_id'][:8]}" in shown.stdout
    assert "backup" in shown.stdout and "decay" in shown.stdout
    again = lines(mnemo("sleep", "--report", "--json", home=home))[0]
    assert again["run_id"] == report["run_id"]


def test_sleep_one_phase_and_bad_phase(mnemo_home: Home, tmp_path: Path) -> None:
    home = imported(mnemo_home, tmp_path)
    only = lines(mnemo("sleep", "--phase", "decay", "--json", home=home))[0]
    assert list(only["phases"]) == ["decay"]
    bad = mnemo("sleep", "--phase", "nap", home=home, check=False)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_no_report_before_the_first_run(mnemo_home: Home, tmp_path: Path) -> None:
    home = imported(mnemo_home, tmp_path)
    assert "No sleep run yet" in mnemo("sleep", "--report", home=home).stdout


def test_pin_and_show_count_as_keeping_and_recalling(mnemo_home: Home, tmp_path: Path) -> None:
    home = imported(mnemo_home, tmp_path)
    first = lines(mnemo("memories", "list", "--json", home=home))[0]
    pinned = lines(mnemo("memories", "pin", str(first["memory_id"]), "--json", home=home))[0]
    assert pinned["pinned"] is True
    looked = lines(mnemo("memories", "show", str(first["memory_id"]), "--json", home=home))[0]
    assert looked["pinned"] is True and looked["recall_count"] == 1
    quiet = mnemo("memories", "show", str(first["memory_id"]), "--json", "--no-recall", home=home)
    assert lines(quiet)[0]["recall_count"] == 1
    off = lines(mnemo("memories", "pin", str(first["memory_id"]), "--off", "--json", home=home))[0]
    assert off["pinned"] is False

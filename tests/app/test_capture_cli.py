"""`mnemo capture` commands that need no screen: pause, resume, durations, and the reasons
capture cannot run (the real-screen commands are tested in tests/core/capture/test_capture_x11)."""

from __future__ import annotations

import pytest

from app.capture_commands import parse_duration
from core.errors import InvalidInputError
from core.home import Home
from tests.app.test_cli import mnemo


@pytest.mark.parametrize(
    ("text", "minutes"), [("15m", 15), ("1h", 60), ("1h30m", 90), ("90s", 1.5), ("20", 20)]
)
def test_durations(text: str, minutes: float) -> None:
    assert parse_duration(text).total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["", "soon", "-5", "0", "inf", "nan", "1e12", "99999999h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_duration(text)


def test_pause_and_resume_without_a_running_monitor(mnemo_home: Home) -> None:
    out = mnemo("capture", "pause", home=mnemo_home).stdout
    assert out == "Capture paused until resumed.\n"
    assert mnemo("capture", "resume", home=mnemo_home).stdout == "Capture resumed.\n"
    assert mnemo("capture", "resume", home=mnemo_home).stdout == "Capture was not paused.\n"
    bad = mnemo("capture", "pause", "--for", "inf", home=mnemo_home, check=False)
    assert bad.returncode == 2 and "at most 30 days" in bad.stderr and "Traceback" not in bad.stderr


def test_capture_without_a_display_says_why_in_one_line(
    mnemo_home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    mnemo("init", home=mnemo_home)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    result = mnemo("capture", "once", home=mnemo_home, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("mnemo: screen capture does not work on Wayland yet")
    monkeypatch.delenv("XDG_SESSION_TYPE")
    monkeypatch.delenv("WAYLAND_DISPLAY")
    result = mnemo("capture", "run", "--for", "1", home=mnemo_home, check=False)
    assert result.returncode == 2 and "DISPLAY is not set" in result.stderr

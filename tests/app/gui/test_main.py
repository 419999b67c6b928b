"""Start-up decisions of the desktop app that need no window: display detection, the CLI hand-off."""

from __future__ import annotations

import subprocess
import sys

from app.main import NO_DISPLAY, has_display


def test_a_display_is_found_from_the_session_or_the_qt_platform() -> None:
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert has_display({}, "win32") and has_display({}, "darwin")
    assert not has_display({}, "linux")
    assert not has_display({"QT_QPA_PLATFORM": "xcb"}, "linux")


def test_mnemo_without_a_display_says_so_in_one_line_and_points_to_the_cli(mnemo_home) -> None:
    env = {"PATH": "/usr/bin:/bin", "MNEMO_HOME": str(mnemo_home.data_dir.parent), "HOME": "/tmp"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [NO_DISPLAY]
    assert "mnemo --help" in done.stderr
    assert not mnemo_home.data_dir.exists()  # nothing was created


def test_the_theme_setting_gives_a_dark_or_light_palette(qapp) -> None:
    from app.main import apply_theme
    from app.qt import QtGui

    def window_lightness() -> int:
        return qapp.palette().color(QtGui.QPalette.ColorRole.Window).lightness()

    apply_theme(qapp, "dark")
    dark = window_lightness()
    apply_theme(qapp, "light")
    light = window_lightness()
    apply_theme(qapp, "system")
    assert dark < 80 < 160 < light

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


def shell_on_a_new_store(qapp, mnemo_home, monkeypatch):
    from app.main import Shell
    from core.profile import init_store
    from core.settings import Settings
    from models.embedders import HashingEmbedder
    from tests.app.gui.conftest import PASSPHRASE
    from tests.conftest import TEST_SCRYPT_N

    settings = Settings()
    settings.capture.enabled = False
    settings.sleep.enabled = False
    store = init_store(
        mnemo_home,
        settings,
        HashingEmbedder(),
        lambda: PASSPHRASE,
        None,
        "passphrase",
        TEST_SCRYPT_N,
    )
    monkeypatch.setenv("MNEMO_PASSPHRASE", PASSPHRASE)
    shell = Shell(qapp, mnemo_home, settings)
    shell.start(store)
    return shell, store


def test_locking_closes_the_store_and_unlocking_builds_the_app_again(
    qapp, mnemo_home, monkeypatch
) -> None:
    from core.errors import MnemoError

    shell, store = shell_on_a_new_store(qapp, mnemo_home, monkeypatch)
    try:
        first = shell.ctx
        assert first is not None and shell.window is not None and shell.window.isVisible()
        first.events.lock_requested.emit()  # "Lock now" (Ctrl+L, the settings button)
        assert shell.ctx is not None and shell.ctx is not first
        assert shell.ctx.store is not store and shell.window.isVisible()
        try:
            store.stats()
            closed = False
        except MnemoError:
            closed = True
        except Exception:  # sqlite's ProgrammingError on a closed connection
            closed = True
        assert closed
    finally:
        shell.stop()


def test_auto_lock_locks_after_the_idle_minutes_only(qapp, mnemo_home, monkeypatch) -> None:
    shell, _store = shell_on_a_new_store(qapp, mnemo_home, monkeypatch)
    try:
        first = shell.ctx
        shell.settings.desktop.auto_lock_minutes = 5
        shell.activity.last_input -= 4 * 60
        shell._check_idle()
        assert shell.ctx is first  # four idle minutes: still open
        shell.activity.last_input -= 2 * 60
        shell._check_idle()
        assert shell.ctx is not first  # six: locked, then unlocked again (MNEMO_PASSPHRASE)
    finally:
        shell.stop()

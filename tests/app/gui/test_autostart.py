"""Start at login (the autostart entry per platform), and the menu entry and icons it relies on."""

from __future__ import annotations

import configparser
import os
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image

from app.gui.autostart import (
    AutostartError,
    autostart_enabled,
    autostart_path,
    desktop_exec,
    mnemo_command,
    set_autostart,
)
from core.errors import ExpectedError

ROOT = Path(__file__).resolve().parents[3]
ICON_SIZES = (16, 32, 48, 64, 128, 256)
COMMAND = ["/opt/mnemo/bin/mnemo", "--hidden"]


def read_entry(path: Path, section: str = "Desktop Entry") -> dict[str, str]:
    """A desktop entry's keys, read the strict way (case kept, no interpolation)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser[section])


def validation_errors(path: Path) -> str:
    """What desktop-file-validate (desktop-file-utils) finds wrong with an entry; "" without it."""
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        return ""
    done = subprocess.run([validator, str(path)], capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG_CONFIG_HOME in a temporary folder, so the user's own autostart is never touched."""
    folder = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


def test_turning_it_on_writes_an_entry_that_starts_mnemo_hidden(config_home: Path) -> None:
    set_autostart(True, COMMAND, platform="linux")
    path = config_home / "autostart" / "mnemo.desktop"
    assert validation_errors(path) == ""
    entry = read_entry(path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Mnemo"
    assert entry["Exec"] == "/opt/mnemo/bin/mnemo --hidden"
    assert entry["X-GNOME-Autostart-enabled"] == "true"
    assert entry["Terminal"] == "false"
    assert autostart_enabled(platform="linux") is True


def test_the_default_command_is_this_installation_by_absolute_path(config_home: Path) -> None:
    set_autostart(True, platform="linux")
    exec_line = read_entry(config_home / "autostart" / "mnemo.desktop")["Exec"]
    program = exec_line.split(" ")[0].strip('"')
    assert Path(program).is_absolute() and Path(program).exists()
    assert exec_line.endswith(" --hidden")


def test_a_bundle_starts_itself_and_on_windows_its_windowed_twin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "dist" / "mnemo"
    bundle.mkdir(parents=True)
    for name in ("mnemo", "mnemo.exe", "mnemow.exe"):
        (bundle / name).write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle / "mnemo"))
    assert mnemo_command() == [str(bundle / "mnemo"), "--hidden"]
    monkeypatch.setattr(sys, "executable", str(bundle / "mnemo.exe"))
    monkeypatch.setattr(sys, "platform", "win32")
    assert mnemo_command() == [str(bundle / "mnemow.exe"), "--hidden"]


def test_a_windows_venv_starts_mnemo_without_a_console_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripts = tmp_path / "venv" / "Scripts"
    scripts.mkdir(parents=True)
    for name in ("python.exe", "pythonw.exe", "mnemo.exe"):
        (scripts / name).write_text("")
    monkeypatch.setattr(sys, "executable", str(scripts / "python.exe"))
    monkeypatch.setattr(sys, "platform", "win32")
    assert mnemo_command() == [str(scripts / "pythonw.exe"), "-m", "app.cli", "--hidden"]


def test_turning_it_off_removes_the_entry_and_is_safe_to_repeat(config_home: Path) -> None:
    set_autostart(True, COMMAND, platform="linux")
    set_autostart(False, platform="linux")
    assert not (config_home / "autostart" / "mnemo.desktop").exists()
    assert autostart_enabled(platform="linux") is False
    set_autostart(False, platform="linux")
    assert autostart_enabled(platform="linux") is False


def test_an_entry_switched_off_by_the_desktop_counts_as_off(config_home: Path) -> None:
    set_autostart(True, COMMAND, platform="linux")
    path = config_home / "autostart" / "mnemo.desktop"
    path.write_text(
        path.read_text().replace(
            "X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false"
        )
    )
    assert autostart_enabled(platform="linux") is False
    path.write_text(path.read_text().replace("=false", "=true") + "Hidden=true\n")
    assert autostart_enabled(platform="linux") is False


def test_xdg_config_home_is_respected_and_home_config_is_the_fallback(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path / "me"), "XDG_CONFIG_HOME": str(tmp_path / "elsewhere")}
    assert autostart_path("linux", env) == tmp_path / "elsewhere" / "autostart" / "mnemo.desktop"
    unset = {"HOME": str(tmp_path / "me")}
    assert autostart_path("linux", unset) == tmp_path / "me/.config/autostart/mnemo.desktop"
    # A relative XDG_CONFIG_HOME is invalid by the spec, and ignored.
    relative = {"HOME": str(tmp_path / "me"), "XDG_CONFIG_HOME": "relative/dir"}
    assert autostart_path("linux", relative) == tmp_path / "me/.config/autostart/mnemo.desktop"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_autostart_folder_gives_a_clear_message(config_home: Path) -> None:
    folder = config_home / "autostart"
    folder.mkdir(parents=True)
    folder.chmod(0o500)
    try:
        with pytest.raises(ExpectedError) as caught:
            set_autostart(True, COMMAND, platform="linux")
    finally:
        folder.chmod(0o700)
    assert "could not turn on start at login" in caught.value.message
    assert str(folder / "mnemo.desktop") in caught.value.message
    assert list(folder.iterdir()) == []


def test_a_refused_write_names_the_file_and_the_reason(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a read-only folder does to a user without root (the test above cannot run as root).
    def refuse(path: Path, data: str | bytes, mode: int = 0o600) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("app.gui.autostart.write_atomic", refuse)
    with pytest.raises(ExpectedError) as caught:
        set_autostart(True, COMMAND, platform="linux")
    path = config_home / "autostart" / "mnemo.desktop"
    assert caught.value.message == (
        f"could not turn on start at login: cannot write {path} (Permission denied)"
    )
    assert autostart_enabled(platform="linux") is False


def test_a_folder_in_the_entrys_place_fails_clearly_and_loses_nothing(config_home: Path) -> None:
    blocker = config_home / "autostart" / "mnemo.desktop"
    (blocker / "keep").mkdir(parents=True)
    with pytest.raises(AutostartError) as on:
        set_autostart(True, COMMAND, platform="linux")
    assert "could not turn on start at login: cannot write" in on.value.message
    assert str(blocker) in on.value.message
    with pytest.raises(AutostartError) as off:
        set_autostart(False, platform="linux")
    assert "could not turn off start at login: cannot remove" in off.value.message
    assert (blocker / "keep").is_dir()
    assert sorted(p.name for p in blocker.parent.iterdir()) == ["mnemo.desktop"]


def test_a_file_where_the_autostart_folder_should_be_fails_clearly(config_home: Path) -> None:
    config_home.mkdir()
    (config_home / "autostart").write_text("not a folder")
    with pytest.raises(AutostartError) as caught:
        set_autostart(True, COMMAND, platform="linux")
    assert "cannot write" in caught.value.message
    assert (config_home / "autostart").read_text() == "not a folder"


def test_exec_quotes_paths_with_spaces_percent_signs_and_backslashes() -> None:
    assert desktop_exec(["/home/a b/mnemo", "--hidden"]) == '"/home/a b/mnemo" --hidden'
    assert desktop_exec(["/opt/100%/mnemo"]) == "/opt/100%%/mnemo"
    # A literal backslash: escaped inside the quotes, then again as a string value.
    assert desktop_exec(["/opt/a\\b"]) == '"/opt/a\\\\\\\\b"'
    assert desktop_exec(['/opt/say "hi"/mnemo']) == '"/opt/say \\\\"hi\\\\"/mnemo"'


def test_a_control_character_in_the_command_is_refused(config_home: Path) -> None:
    with pytest.raises(AutostartError, match="control character"):
        set_autostart(True, ["/opt/mnemo\n/mnemo", "--hidden"], platform="linux")
    assert not (config_home / "autostart" / "mnemo.desktop").exists()


def test_windows_uses_a_batch_file_in_the_startup_folder(tmp_path: Path) -> None:
    env = {"APPDATA": str(tmp_path / "Roaming")}
    command = [r"C:\Program Files\Mnemo\mnemo.exe", "--hidden"]
    set_autostart(True, command, platform="win32", environ=env)
    path = tmp_path / "Roaming/Microsoft/Windows/Start Menu/Programs/Startup/Mnemo.cmd"
    script = path.read_bytes().decode()
    assert 'start "" "C:\\Program Files\\Mnemo\\mnemo.exe" --hidden\r\n' in script
    assert autostart_enabled("win32", env) is True
    set_autostart(False, platform="win32", environ=env)
    assert not path.exists() and autostart_enabled("win32", env) is False
    with pytest.raises(AutostartError, match="APPDATA"):
        autostart_path("win32", {})


def test_macos_uses_a_launch_agent_that_runs_at_load(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    set_autostart(
        True,
        ["/Applications/Mnemo.app/Contents/MacOS/mnemo", "--hidden"],
        platform="darwin",
        environ=env,
    )
    path = tmp_path / "Library/LaunchAgents/org.mnemo.Mnemo.plist"
    agent = plistlib.loads(path.read_bytes())
    assert agent["ProgramArguments"] == ["/Applications/Mnemo.app/Contents/MacOS/mnemo", "--hidden"]
    assert agent["RunAtLoad"] is True and agent["Label"] == "org.mnemo.Mnemo"
    assert autostart_enabled("darwin", env) is True


def test_an_unsupported_platform_says_so() -> None:
    with pytest.raises(AutostartError, match="not supported on haiku1 yet"):
        set_autostart(True, COMMAND, platform="haiku1")


# The menu entry and the icons, which the autostart entry and the desktop app refer to by name.


def test_the_menu_entry_has_the_keys_desktops_need() -> None:
    path = ROOT / "packaging" / "mnemo.desktop"
    assert validation_errors(path) == ""
    entry = read_entry(path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Mnemo"
    assert entry["GenericName"] and entry["Comment"]
    assert entry["Exec"] == "mnemo"
    assert entry["Icon"] == "mnemo"
    assert entry["Terminal"] == "false"
    assert "Utility" in entry["Categories"].split(";") and entry["Categories"].endswith(";")
    assert "memory" in entry["Keywords"].split(";") and entry["Keywords"].endswith(";")
    assert entry["StartupWMClass"] == "mnemo"  # the app's Qt desktop file name
    action = read_entry(ROOT / "packaging" / "mnemo.desktop", "Desktop Action hidden")
    assert action["Exec"] == "mnemo --hidden"


@pytest.mark.parametrize("size", ICON_SIZES)
def test_every_icon_size_exists_at_its_size_with_transparent_corners(size: int) -> None:
    with Image.open(ROOT / "resources" / "icons" / f"mnemo-{size}.png") as image:
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]
        centre = image.getpixel((size // 2, size // 2))
        assert centre[3] == 255  # type: ignore[index]


def test_the_svg_icon_and_the_installer_icons_are_there() -> None:
    svg = ElementTree.parse(ROOT / "resources" / "icons" / "mnemo.svg").getroot()
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 256 256"
    with Image.open(ROOT / "resources" / "icons" / "mnemo.ico") as ico:
        assert {(s, s) for s in ICON_SIZES} <= set(ico.info["sizes"])
    with Image.open(ROOT / "resources" / "icons" / "mnemo.icns") as icns:
        assert icns.size[0] >= 512


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_install_desktop_puts_the_entry_and_icons_in_the_users_data_folder(tmp_path: Path) -> None:
    program = tmp_path / "my apps" / "mnemo"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(tmp_path / "home"), MNEMO_EXEC=str(program))
    script = [str(ROOT / "packaging" / "install-desktop.sh")]
    for _ in range(2):  # running it again gives the same result
        done = subprocess.run(script, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    share = tmp_path / "home" / ".local" / "share"
    assert validation_errors(share / "applications" / "mnemo.desktop") == ""
    entry = read_entry(share / "applications" / "mnemo.desktop")
    assert entry["Exec"] == f'"{program}"'
    assert entry["TryExec"] == str(program)
    assert entry["Icon"] == "mnemo"
    for size in ICON_SIZES:
        with Image.open(share / f"icons/hicolor/{size}x{size}/apps/mnemo.png") as image:
            assert image.size == (size, size)
    assert (share / "icons/hicolor/scalable/apps/mnemo.svg").read_bytes() == (
        ROOT / "resources/icons/mnemo.svg"
    ).read_bytes()
    leftovers = [p.name for p in (share / "applications").iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no temporary file left behind by the atomic write


def test_install_desktop_without_mnemo_installed_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(tmp_path / "home"), MNEMO_EXEC=str(tmp_path / "missing" / "mnemo"))
    done = subprocess.run(
        [str(ROOT / "packaging" / "install-desktop.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "run packaging/bootstrap.sh first" in done.stderr
    assert not (tmp_path / "home" / ".local").exists()

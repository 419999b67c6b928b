"""Start Mnemo at login, hidden in the tray: one small file where the desktop looks for it.

Each platform has a per-user place that the session runs at login, and turning the option on or
off is writing or removing one file there, atomically (`core.files.write_atomic`), so a crash never
leaves half an entry. On Linux and the BSDs it is a freedesktop autostart entry,
`$XDG_CONFIG_HOME/autostart/mnemo.desktop` (`~/.config` when unset), which GNOME, KDE, Xfce, LXQt
and Cinnamon all read; its keys also ask GNOME and KDE to wait for the panel, so the tray exists
when Mnemo starts. On Windows it is a `Mnemo.cmd` in the user's Startup folder (a real shortcut
needs COM, i.e. pywin32; a one-line batch file does the same with a brief console flash). On macOS
it is a launchd agent, `~/Library/LaunchAgents/org.mnemo.Mnemo.plist`, with `RunAtLoad`. Every
entry runs this Mnemo by absolute path with `--hidden`, so it starts the same installation the
user turned the option on from. A failure to write or remove the file is an `ExpectedError` whose
message names the file and the reason; nothing else is changed.
"""

from __future__ import annotations

import configparser
import os
import plistlib
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from core.errors import ExpectedError
from core.files import write_atomic

HIDDEN_FLAG = "--hidden"
DESKTOP_FILE = "mnemo.desktop"
WINDOWS_FILE = "Mnemo.cmd"
LAUNCHD_LABEL = "org.mnemo.Mnemo"
# Characters that make a desktop-entry Exec argument need quotes (freedesktop Desktop Entry spec,
# "The Exec key").
_EXEC_RESERVED = set(" \t\"'\\><~|&;$*?#()`")
_EXEC_ESCAPED_IN_QUOTES = set('"`$\\')


class AutostartError(ExpectedError):
    """Start at login cannot be turned on or off here (unsupported platform, unwritable folder)."""


def _platform(platform: str | None) -> str:
    """'linux' (freedesktop), 'windows' or 'macos' for `platform` (default: this machine)."""
    plat = sys.platform if platform is None else platform
    if plat.startswith("linux") or "bsd" in plat:
        return "linux"
    if plat in ("win32", "cygwin"):
        return "windows"
    if plat == "darwin":
        return "macos"
    raise AutostartError(
        f"starting Mnemo at login is not supported on {plat} yet; start it from your session's "
        "own startup settings instead (command: mnemo --hidden)"
    )


def autostart_path(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The file whose presence makes the desktop session start Mnemo at login."""
    env = os.environ if environ is None else environ
    kind = _platform(platform)
    home = Path(env.get("HOME") or Path.home())
    if kind == "linux":
        # The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
        configured = env.get("XDG_CONFIG_HOME", "")
        config = Path(configured) if os.path.isabs(configured) else home / ".config"
        return config / "autostart" / DESKTOP_FILE
    if kind == "windows":
        appdata = env.get("APPDATA")
        if not appdata:
            raise AutostartError(
                "cannot find your Startup folder: the APPDATA environment variable is not set"
            )
        startup = Path(appdata) / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
        return startup / WINDOWS_FILE
    return home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"


def mnemo_command() -> list[str]:
    """The command line that starts this installation's desktop app hidden in the tray."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the executable is Mnemo itself
        program = Path(sys.executable).absolute()
        # On Windows the bundle has a windowed twin, so login opens no console window.
        windowed = program.with_name("mnemow.exe")
        if sys.platform == "win32" and windowed.is_file():
            program = windowed
        return [str(program), HIDDEN_FLAG]
    # Keep the venv's interpreter path unresolved: resolving its symlink would leave the venv.
    python = Path(sys.executable).absolute()
    if sys.platform == "win32":
        # mnemo.exe is a console program (a console window would stay open beside the tray);
        # pythonw.exe runs the same entry point without one.
        pythonw = python.with_name("pythonw.exe")
        if pythonw.is_file():
            return [str(pythonw), "-m", "app.cli", HIDDEN_FLAG]
    # The console script sits beside the interpreter in a venv.
    script = python.with_name("mnemo.exe" if sys.platform == "win32" else "mnemo")
    if script.is_file():
        return [str(script), HIDDEN_FLAG]
    found = shutil.which("mnemo")
    if found:
        return [str(Path(found).absolute()), HIDDEN_FLAG]
    return [str(python), "-m", "app.cli", HIDDEN_FLAG]


def desktop_exec(command: Sequence[str]) -> str:
    """`command` as the value of a desktop entry's Exec key (quoted and escaped per the spec)."""
    parts = []
    for arg in command:
        if arg == "" or any(c in _EXEC_RESERVED for c in arg):
            inner = "".join(f"\\{c}" if c in _EXEC_ESCAPED_IN_QUOTES else c for c in arg)
            arg = f'"{inner}"'
        parts.append(arg.replace("%", "%%"))
    # The string-value escape applies on top of the quoting: a literal backslash ends up as four.
    return " ".join(parts).replace("\\", "\\\\")


def desktop_entry(command: Sequence[str]) -> str:
    """The freedesktop autostart entry that runs `command` at login."""
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Name=Mnemo",
            "GenericName=Memory assistant",
            "Comment=Start Mnemo in the tray when you log in (turn off in Mnemo's settings)",
            f"Exec={desktop_exec(command)}",
            "Icon=mnemo",
            "Terminal=false",
            "Categories=Utility;",
            "StartupNotify=false",
            "X-GNOME-Autostart-enabled=true",
            # Give the panel (and its tray) time to appear, so Mnemo can hide in it.
            "X-GNOME-Autostart-Delay=5",
            "X-KDE-autostart-after=panel",
            "",
        ]
    )


def windows_script(command: Sequence[str]) -> str:
    """A batch file for the Startup folder that starts `command` and closes its console at once."""
    quoted = []
    for arg in command:
        if '"' in arg:
            raise AutostartError(f"cannot start {arg!r} at login: its path contains a quote")
        quoted.append(f'"{arg}"' if not arg or any(c in arg for c in " &|<>^()") else arg)
    line = " ".join(quoted).replace("%", "%%")  # batch files expand %VAR%
    lines = [
        "@echo off",
        "rem Written by Mnemo: starts it hidden in the tray at login. Turn off in Mnemo's settings.",
        f'start "" {line}',
        "",
    ]
    return "\r\n".join(lines)


def launch_agent(command: Sequence[str]) -> bytes:
    """A launchd agent property list that starts `command` once at login."""
    agent = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
    return plistlib.dumps(agent)


def set_autostart(
    enabled: bool,
    command: list[str] | None = None,
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Turn starting Mnemo (hidden, in the tray) at login on or off."""
    path = autostart_path(platform, environ)
    if not enabled:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise AutostartError(
                f"could not turn off start at login: cannot remove {path} "
                f"({exc.strerror or exc}); delete that file to turn it off"
            ) from exc
        return
    command = command or mnemo_command()
    for arg in command:
        if any(ord(c) < 0x20 for c in arg):
            raise AutostartError(f"cannot start {arg!r} at login: it contains a control character")
    kind = _platform(platform)
    data: str | bytes
    if kind == "linux":
        data = desktop_entry(command)
    elif kind == "windows":
        data = windows_script(command)
    else:
        data = launch_agent(command)
    try:
        write_atomic(path, data, mode=0o644)
    except OSError as exc:
        raise AutostartError(
            f"could not turn on start at login: cannot write {path} ({exc.strerror or exc})"
        ) from exc


def autostart_enabled(
    platform: str | None = None, environ: Mapping[str, str] | None = None
) -> bool:
    """Whether the session will start Mnemo at login (the entry exists and is not switched off)."""
    path = autostart_path(platform, environ)
    if not path.is_file():
        return False
    if _platform(platform) != "linux":
        return True
    # Desktop settings panels (GNOME Tweaks, KDE's Autostart) switch an entry off in place.
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read(path, encoding="utf-8")
        entry = parser["Desktop Entry"]
    except (configparser.Error, OSError, UnicodeDecodeError, KeyError):
        return True  # unreadable for us, but present: the desktop decides; removing it still works
    if entry.get("Hidden", "false").strip().lower() == "true":
        return False
    return entry.get("X-GNOME-Autostart-enabled", "true").strip().lower() != "false"

"""A real, headless X desktop for capture tests: Xvfb, openbox, and windows that show known text.

`XServer` starts Xvfb on a free display (the server picks it and reports it through
`-displayfd`) and openbox with a minimal configuration of our own, so no theme, menu, key binding
or autostart from the machine can change what the tests see; it returns once openbox has claimed
the screen (`_NET_SUPPORTING_WM_CHECK` on the root). `open_window` starts `xwindow.py` in its own
process, as a real application would be, and returns once the window is framed, mapped and painted,
so a test can grab the screen straight away. The fixtures (`xserver`, `xdisplay`, `xwindows`) are
exported from this folder's conftest; the tools missing make the tests skip, unless
MNEMO_REQUIRE_DESKTOP=1 says the run must prove the desktop works.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NoReturn

import mss
import mss.tools
import pytest
from Xlib import display as xlib_display
from Xlib import error as xlib_error

TOOLS = ("Xvfb", "openbox", "xdotool")
PACKAGES = {"Xvfb": "xvfb", "xwininfo": "x11-utils", "tesseract": "tesseract-ocr"}
SCREEN = (1920, 1080)
START_TIMEOUT = 10.0
HELPER = Path(__file__).with_name("xwindow.py")

# Everything openbox would otherwise read from the machine is pinned here: one theme that ships
# with openbox (a missing theme falls back to the built-in one, also fine), no menus, no key or
# mouse bindings that could swallow test input, two desktops so tests can use the second one.
OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <resistance><strength>0</strength><screen_edge_strength>0</screen_edge_strength></resistance>
  <focus>
    <focusNew>yes</focusNew>
    <followMouse>no</followMouse>
    <focusLast>yes</focusLast>
    <underMouse>no</underMouse>
  </focus>
  <placement><policy>Smart</policy><center>no</center></placement>
  <theme>
    <name>Clearlooks</name>
    <titleLayout>NLIMC</titleLayout>
    <keepBorder>yes</keepBorder>
    <animateIconify>no</animateIconify>
  </theme>
  <desktops>
    <number>2</number>
    <firstdesk>1</firstdesk>
    <popupTime>0</popupTime>
  </desktops>
  <margins><top>0</top><bottom>0</bottom><left>0</left><right>0</right></margins>
  <dock><noStrut>yes</noStrut><autoHide>no</autoHide></dock>
  <keyboard></keyboard>
  <mouse></mouse>
  <menu></menu>
  <applications></applications>
</openbox_config>
"""


def require_tools(tools: Sequence[str] = TOOLS) -> None:
    """Skip the test when a desktop tool is missing, or fail when MNEMO_REQUIRE_DESKTOP=1."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    packages = " ".join(PACKAGES.get(tool, tool) for tool in missing)
    reason = f"{', '.join(missing)} not installed (apt-get install {packages})"
    if os.environ.get("MNEMO_REQUIRE_DESKTOP") == "1":
        pytest.fail(f"MNEMO_REQUIRE_DESKTOP=1 but the test desktop cannot start: {reason}")
    pytest.skip(f"real-X tests need a test desktop: {reason}")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` every 20 ms; TimeoutError naming `what` if it stays false."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def desktop_env(display: str) -> dict[str, str]:
    """The environment for a program on the test display (never the developer's own session)."""
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XAUTHORITY")}
    env["DISPLAY"] = display
    return env


def xdotool(display: str, *args: str) -> str:
    """Run xdotool on the test display; its stdout."""
    done = subprocess.run(
        ["xdotool", *args],
        env=desktop_env(display),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=True,
    )
    return done.stdout


def screenshot(display: str, path: str | os.PathLike[str]) -> Path:
    """Save the whole screen of `display` as a PNG (for looking at a failing test)."""
    with mss.MSS(display=display) as grabber:
        shot = grabber.grab(grabber.monitors[0])
        mss.tools.to_png(shot.rgb, shot.size, output=str(path))
    return Path(path)


class XServer:
    """Xvfb with openbox on a free display; `display` is its name, e.g. ":3".

    `window_manager=False` gives a bare X server, as in a session without an EWMH window manager;
    `xvfb_args` are added to Xvfb's command line (e.g. `-extension MIT-SCREEN-SAVER` to drop one).
    """

    def __init__(
        self,
        workdir: Path,
        size: tuple[int, int] = SCREEN,
        window_manager: bool = True,
        xvfb_args: Sequence[str] = (),
    ) -> None:
        self.workdir = workdir
        self.size = size
        self.window_manager = window_manager
        self.xvfb_args = list(xvfb_args)
        self.display = ""
        self._processes: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []

    def __enter__(self) -> XServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start Xvfb, then openbox (unless told not to); return when openbox manages the screen."""
        try:
            self.display = self._start_xvfb()
            if self.window_manager:
                self._start_openbox()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop openbox and Xvfb (newest first) and close their logs."""
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self._processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def log(self, name: str) -> str:
        """What Xvfb or openbox printed so far (for error messages)."""
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _spawn(self, name: str, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, **kwargs
        )
        self._processes.append(process)
        return process

    def _start_xvfb(self) -> str:
        read_end, write_end = os.pipe()
        try:
            width, height = self.size
            xvfb = self._spawn(
                "xvfb",
                [
                    "Xvfb",
                    "-displayfd",
                    str(write_end),
                    "-screen",
                    "0",
                    f"{width}x{height}x24",
                    "-nolisten",
                    "tcp",
                    # Without -noreset the server wipes root properties whenever its last client
                    # disconnects, which would race with the window manager starting up.
                    "-noreset",
                    *self.xvfb_args,
                ],
                pass_fds=(write_end,),
            )
            os.close(write_end)
            write_end = -1
            # Xvfb writes the display number once it accepts connections; EOF means it died.
            number = b""
            deadline = time.monotonic() + START_TIMEOUT
            while not number.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                readable, _, _ = select.select([read_end], [], [], max(0.0, remaining))
                if not readable:
                    raise TimeoutError(f"Xvfb did not start in {START_TIMEOUT:.0f} s")
                chunk = os.read(read_end, 64)
                if not chunk:
                    xvfb.wait(timeout=5)
                    raise RuntimeError(f"Xvfb exited at start:\n{self.log('xvfb')}")
                number += chunk
            return f":{int(number)}"
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)

    def _start_openbox(self) -> None:
        config = self.workdir / "openbox-rc.xml"
        config.write_text(OPENBOX_RC)
        env = desktop_env(self.display)
        for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
            env[var] = str(self.workdir / var.lower())
        openbox = self._spawn(
            "openbox", ["openbox", "--sm-disable", "--config-file", str(config)], env=env
        )
        connection = xlib_display.Display(self.display)
        try:
            root = connection.screen().root
            check = connection.get_atom("_NET_SUPPORTING_WM_CHECK")

            def managed() -> bool:
                if openbox.poll() is not None:
                    raise RuntimeError(f"openbox exited at start:\n{self.log('openbox')}")
                return root.get_full_property(check, 0) is not None

            wait_until(managed, START_TIMEOUT, "openbox to manage the screen")
        finally:
            connection.close()


class XWindow:
    """A window shown by `xwindow.py` in its own process; `id` is its X window id."""

    def __init__(self, display: str, process: subprocess.Popen[bytes], stderr: IO[bytes]) -> None:
        self.display = display
        self.id = 0
        self._process = process
        self._stderr = stderr
        self._buffer = b""

    def __enter__(self) -> XWindow:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def pid(self) -> int:
        return self._process.pid

    def set_title(self, title: str) -> None:
        """Change `_NET_WM_NAME` and WM_NAME; returns once the server has them."""
        self._command({"title": title})

    def set_text(self, lines: Sequence[str]) -> None:
        """Show other text; returns once it is on screen."""
        self._command({"lines": list(lines)})

    def focus(self) -> None:
        """Activate the window through the window manager (`_NET_ACTIVE_WINDOW`), like a click."""
        xdotool(self.display, "windowactivate", "--sync", str(self.id))

    def minimize(self) -> None:
        """Iconify the window; returns once it is unmapped."""
        xdotool(self.display, "windowminimize", "--sync", str(self.id))

    def close(self) -> None:
        """Destroy the window and end its process (idempotent)."""
        process = self._process
        if process.stdin is not None and not process.stdin.closed:
            try:
                process.stdin.write(b'{"close": true}\n')
                process.stdin.flush()
            except BrokenPipeError:
                pass
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._stderr.close()

    def _command(self, message: dict[str, Any]) -> dict[str, Any]:
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps(message).encode() + b"\n")
        stdin.flush()
        return self._read_reply()

    def _read_reply(self, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        stdout = self._process.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            readable, _, _ = select.select([stdout], [], [], max(0.0, remaining))
            chunk = os.read(stdout.fileno(), 4096) if readable else b""
            if not chunk:
                self._fail("did not answer" if not readable else "exited")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        reply: dict[str, Any] = json.loads(line)
        return reply

    def _fail(self, what: str) -> NoReturn:
        self._stderr.seek(0)
        output = self._stderr.read().decode(errors="replace")
        self.close()
        raise RuntimeError(f"test window helper {what}:\n{output}")


def open_window(
    display: str,
    title: str,
    app_class: str,
    lines: Sequence[str] = (),
    x: int = 100,
    y: int = 100,
    width: int = 640,
    height: int = 360,
    background: str = "white",
    *,
    net_wm_name: bool = True,
) -> XWindow:
    """Show a real window with this WM_CLASS, title and text; return once it is on screen.

    `x`, `y` place the window manager's frame; `net_wm_name=False` leaves only WM_NAME, as old
    X programs do.
    """
    config = {
        "display": display,
        "title": title,
        "app_class": app_class,
        "lines": list(lines),
        "x": x,
        "y": y,
        "width": width,
        "height": height,
        "background": background,
        "net_wm_name": net_wm_name,
    }
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 - owned and closed by the XWindow
    process = subprocess.Popen(
        [sys.executable, str(HELPER), json.dumps(config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=desktop_env(display),
        bufsize=0,
    )
    window = XWindow(display, process, stderr)
    window.id = int(window._read_reply()["ready"])
    return window


def connect(display: str) -> xlib_display.Display:
    """A python-xlib connection to the test display (close it when done)."""
    try:
        return xlib_display.Display(display)
    except xlib_error.DisplayError as exc:
        raise RuntimeError(f"cannot connect to test display {display}: {exc}") from exc

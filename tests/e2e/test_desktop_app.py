"""The real desktop app, end to end: `mnemo` started on a headless X desktop and driven by keys.

Xvfb with openbox (a window manager) and trayer (a system tray) make a real desktop; the test
creates a passphrase-protected profile with `mnemo init`, starts `mnemo` with no command as a
user would (Qt's xcb platform, capture on), types the passphrase into the unlock dialog, tells the
chat a fact and asks about it, then visits each view with its shortcut. Each view is saved as a
screenshot in `artifacts/gui/` (kept for people to look at) and read back with tesseract, so the
test checks what is really on the screen: the answer in the chat, the memory in the browser, the
sections of the settings. Ctrl+Q must end the process cleanly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.core.capture.xdesktop import (
    XServer,
    desktop_env,
    require_tools,
    screenshot,
    wait_until,
    xdotool,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("MNEMO_ARTIFACTS", ROOT / "artifacts")) / "gui"
PASSPHRASE = "a long test passphrase"


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[XServer]:
    require_tools(("Xvfb", "openbox", "xdotool", "trayer", "tesseract"))
    (tmp_path / "x").mkdir()
    with XServer(tmp_path / "x", size=(1600, 1000)) as server:
        tray = subprocess.Popen(
            ["trayer", "--edge", "top", "--align", "right", "--height", "28", "--width", "10"],
            env=desktop_env(server.display),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield server
        finally:
            tray.terminate()
            tray.wait(timeout=10)


def mnemo_command() -> list[str]:
    script = Path(sys.executable).with_name("mnemo")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def ocr(path: Path, display: str, window: str) -> str:
    """The text tesseract reads in `window` on the screenshot (cropped, enlarged twice)."""
    geometry = dict(
        line.split("=", 1)
        for line in xdotool(display, "getwindowgeometry", "--shell", window).split()
    )
    x, y, w, h = (int(geometry[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    crop = path.with_name(path.stem + "-window.png")
    with Image.open(path) as image:
        part = image.crop((x, y, x + w, y + h)).convert("L")
        part.resize((w * 2, h * 2), Image.Resampling.LANCZOS).save(crop)
    done = subprocess.run(
        ["tesseract", str(crop), "-", "--psm", "3"], capture_output=True, text=True, timeout=60
    )
    return " ".join(done.stdout.split())


def find_window(display: str, name: str, timeout: float = 30.0) -> str:
    found: list[str] = []

    def visible() -> bool:
        done = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name],
            env=desktop_env(display),
            capture_output=True,
            text=True,
            timeout=10,
        )
        found[:] = done.stdout.split()
        return bool(found)

    wait_until(visible, timeout, f"a window named {name!r}")
    return found[0]


def shot(display: str, window: str, name: str, tmp_path: Path) -> str:
    """Save the screen as an artifact; the text read in `window`."""
    path = screenshot(display, tmp_path / f"{name}.png")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / path.name)
    return ocr(path, display, window)


def test_the_app_unlocks_chats_and_shows_every_view(desktop: XServer, tmp_path: Path) -> None:
    display = desktop.display
    env = desktop_env(display)
    env.update(
        MNEMO_HOME=str(tmp_path / "profile"),
        QT_QPA_PLATFORM="xcb",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    env.pop("MNEMO_PASSPHRASE", None)
    subprocess.run(
        [*mnemo_command(), "init", "--key-storage", "passphrase"],
        env={**env, "MNEMO_PASSPHRASE": PASSPHRASE},
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = open(tmp_path / "mnemo.log", "wb")  # noqa: SIM115 - closed below
    app = subprocess.Popen(mnemo_command(), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        dialog = find_window(display, "Unlock")
        xdotool(display, "windowactivate", "--sync", dialog)
        xdotool(display, "type", "--delay", "20", "wrong passphrase")
        xdotool(display, "key", "Return")
        time.sleep(2.0)
        wrong = shot(display, dialog, "unlock-wrong-passphrase", tmp_path)
        assert "wrong passphrase" in wrong.lower()
        xdotool(display, "windowactivate", "--sync", dialog)
        xdotool(display, "key", "ctrl+a")
        xdotool(display, "type", "--delay", "20", PASSPHRASE)
        xdotool(display, "key", "Return")

        window = find_window(display, "^Mnemo$", timeout=60)
        xdotool(display, "windowactivate", "--sync", window)
        xdotool(display, "windowsize", window, "1500", "900")
        time.sleep(1.0)
        for line in ("I live in Lisbon.", "where do I live?"):
            xdotool(display, "type", "--delay", "15", line)
            xdotool(display, "key", "Return")
            time.sleep(3.0)
        chat = shot(display, window, "chat", tmp_path)
        assert "Lisbon" in chat
        assert "Remembered" in chat

        xdotool(display, "key", "ctrl+2")
        time.sleep(2.5)
        timeline = shot(display, window, "timeline", tmp_path)
        assert "Previous day" in timeline and "Memories from this moment" in timeline
        assert "frame 1 of" in timeline or "frame 2 of" in timeline  # the app captured itself

        xdotool(display, "key", "ctrl+3")
        time.sleep(2.0)
        memories = shot(display, window, "memories", tmp_path)
        assert "Lisbon" in memories

        xdotool(display, "key", "ctrl+4")
        time.sleep(2.0)
        settings = shot(display, window, "settings", tmp_path)
        assert "Capture" in settings

        xdotool(display, "windowactivate", "--sync", window)
        xdotool(display, "key", "ctrl+q")
        assert app.wait(timeout=60) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "mnemo.log", ARTIFACTS / "mnemo.log")


def test_a_dark_theme_at_twice_the_scale_stays_legible(desktop: XServer, tmp_path: Path) -> None:
    display = desktop.display
    env = desktop_env(display)
    env.update(
        MNEMO_HOME=str(tmp_path / "profile"),
        MNEMO_PASSPHRASE=PASSPHRASE,
        QT_QPA_PLATFORM="xcb",
        QT_SCALE_FACTOR="2",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    subprocess.run(
        [*mnemo_command(), "init", "--key-storage", "passphrase"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    settings = tmp_path / "profile" / "config" / "settings.json"
    data = json.loads(settings.read_text())
    data.setdefault("desktop", {})["theme"] = "dark"
    data.setdefault("capture", {})["enabled"] = False
    settings.write_text(json.dumps(data))
    app = subprocess.Popen(
        mnemo_command(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        window = find_window(display, "^Mnemo$", timeout=60)
        xdotool(display, "windowactivate", "--sync", window)
        xdotool(display, "key", "ctrl+3")
        time.sleep(2.0)
        text = shot(display, window, "memories-dark-2x", tmp_path)
        assert "Memory types" in text and "Include older versions" in text
        with Image.open(ARTIFACTS / "memories-dark-2x.png") as image:
            geometry = dict(
                line.split("=", 1)
                for line in xdotool(display, "getwindowgeometry", "--shell", window).split()
            )
            x, y, w, h = (int(geometry[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
            part = image.crop((x, y, x + w, y + h)).convert("L")
            mean = float(np.asarray(part).mean())
        assert mean < 90, f"the window is not dark (mean grey {mean:.0f})"
        # At twice the scale the sidebar (150 logical px) is 300 physical pixels wide.
        assert w >= 1200
        xdotool(display, "key", "ctrl+q")
        assert app.wait(timeout=60) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()

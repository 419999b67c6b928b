"""One real X window for tests, in its own process: `python xwindow.py '<json config>'`.

The window is an ordinary top-level client (WM_CLASS, `_NET_WM_NAME`/WM_NAME, `_NET_WM_PID`, a
user-specified position) whose content is text rendered with Pillow into a server-side pixmap that
is the window's background, so the X server itself repaints it on every Expose and a grab never
sees a half-drawn window. It prints one JSON line `{"ready": <window id>}` once the window manager
has framed it (`_NET_FRAME_EXTENTS` set; skipped on a bare X server), mapped it and it was exposed, then obeys one JSON command
per stdin line (`{"title": ...}`, `{"lines": [...]}`, `{"close": true}`), answering `{"ok": ...}`
after the X server has applied it. It exits when stdin closes, so it never outlives the test.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from Xlib import X, Xatom, Xutil, display
from Xlib.xobject.drawable import Pixmap, Window

FONT_SIZE = 28
LINE_HEIGHT = 40
MARGIN = 20


def font_path() -> str | None:
    """A sans TrueType file from fontconfig (DejaVu Sans where installed)."""
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "DejaVu Sans:style=Book"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if found.endswith((".ttf", ".otf")):
            return found
    return None


def render(lines: list[str], width: int, height: int, background: str) -> Image.Image:
    """The window's content: black text lines on the background colour."""
    image = Image.new("RGB", (width, height), background)
    path = font_path()
    font = ImageFont.truetype(path, FONT_SIZE) if path else ImageFont.load_default(FONT_SIZE)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + i * LINE_HEIGHT), line, fill="black", font=font)
    return image


class HelperWindow:
    """The window and what it shows."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.d = display.Display(config["display"])
        self.screen = self.d.screen()
        self.width, self.height = config["width"], config["height"]
        self.background = config["background"]
        self.window: Window = self.screen.root.create_window(
            config["x"],
            config["y"],
            self.width,
            self.height,
            0,
            self.screen.root_depth,
            X.InputOutput,
            X.CopyFromParent,
            background_pixel=self.screen.white_pixel,
            event_mask=X.ExposureMask | X.StructureNotifyMask | X.PropertyChangeMask,
        )
        app_class = config["app_class"]
        self.window.set_wm_class(app_class.lower(), app_class)
        # USPosition makes openbox put the frame where the test asked instead of placing it.
        self.window.set_wm_normal_hints(
            flags=Xutil.USPosition | Xutil.USSize | Xutil.PPosition | Xutil.PSize,
            x=config["x"],
            y=config["y"],
            width=self.width,
            height=self.height,
        )
        self.window.set_wm_hints(flags=Xutil.InputHint | Xutil.StateHint, input=1, initial_state=1)
        self.window.change_property(
            self.d.get_atom("_NET_WM_PID"), Xatom.CARDINAL, 32, [os.getpid()]
        )
        self.window.change_property(
            Xatom.WM_CLIENT_MACHINE, Xatom.STRING, 8, socket.gethostname().encode()
        )
        self.set_title(config["title"], net_wm_name=config.get("net_wm_name", True))
        self.pixmap: Pixmap | None = None
        self.set_lines(config["lines"])

    def set_title(self, title: str, net_wm_name: bool = True) -> None:
        """Both title properties, as toolkits set them."""
        if net_wm_name:
            self.window.change_property(
                self.d.get_atom("_NET_WM_NAME"),
                self.d.get_atom("UTF8_STRING"),
                8,
                title.encode("utf-8"),
            )
        self.window.change_property(
            Xatom.WM_NAME, Xatom.STRING, 8, title.encode("latin-1", "replace")
        )

    def set_lines(self, lines: list[str]) -> None:
        """Render the text into a fresh background pixmap and show it."""
        image = render(lines, self.width, self.height, self.background)
        pixmap = self.window.create_pixmap(self.width, self.height, self.screen.root_depth)
        gc = pixmap.create_gc()
        pixmap.put_pil_image(gc, 0, 0, image)
        gc.free()
        self.window.change_attributes(background_pixmap=pixmap)
        self.window.clear_area()
        if self.pixmap is not None:
            self.pixmap.free()
        self.pixmap = pixmap

    def frame_extents_set(self) -> bool:
        """Whether the window manager has framed the window."""
        prop = self.window.get_full_property(
            self.d.get_atom("_NET_FRAME_EXTENTS"), X.AnyPropertyType
        )
        return prop is not None

    def show(self) -> None:
        """Map the window and wait until it is managed (if a WM runs), mapped and exposed."""
        wm_check = self.d.get_atom("_NET_SUPPORTING_WM_CHECK")
        managed = self.screen.root.get_full_property(wm_check, X.AnyPropertyType) is not None
        self.window.map()
        mapped = exposed = False
        framed = not managed
        while not (mapped and exposed and framed):
            event = self.d.next_event()
            if event.type == X.MapNotify:
                mapped = True
            elif event.type == X.Expose:
                exposed = True
            framed = framed or self.frame_extents_set()
        self.d.sync()


def reply(message: dict[str, Any]) -> None:
    """One JSON line to the test."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    """Show the window, then serve commands until stdin closes."""
    window = HelperWindow(json.loads(sys.argv[1]))
    window.show()
    reply({"ready": window.window.id})
    stdin = sys.stdin.fileno()
    pending = b""
    while True:
        while window.d.pending_events():
            window.d.next_event()  # the server repaints from the background pixmap
        readable, _, _ = select.select([stdin, window.d.fileno()], [], [])
        if stdin not in readable:
            continue
        chunk = os.read(stdin, 65536)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            command = json.loads(line)
            if command.get("close"):
                window.window.destroy()
                window.d.close()
                return
            if "title" in command:
                window.set_title(command["title"])
            if "lines" in command:
                window.set_lines(command["lines"])
            window.d.sync()
            reply({"ok": sorted(command)})
    window.window.destroy()
    window.d.close()


if __name__ == "__main__":
    main()

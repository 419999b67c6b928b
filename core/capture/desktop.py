"""The platform layer of capture: which windows are where, which one has focus, is the session locked.

Capture needs three things from the desktop, and only these: a consistent snapshot of the visible
windows (application, title, on-screen rectangle including the window manager's frame, bottom to
top), a way to sleep until the focused window changes, and whether the session is locked. Each
platform implements `Desktop` in its own module (`x11.py` today; Windows and macOS backends can be
added beside it); `open_desktop` picks the one for this session and explains, in one line, why
capture cannot run when no backend fits (Wayland, no display, another OS).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from core.errors import CaptureUnavailableError


@dataclass(frozen=True)
class Rect:
    """A rectangle in screen pixels (the virtual screen spanning all monitors)."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def intersect(self, other: Rect) -> Rect:
        x, y = max(self.x, other.x), max(self.y, other.y)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        return Rect(x, y, max(0, right - x), max(0, bottom - y))

    def union(self, other: Rect) -> Rect:
        if self.empty:
            return other
        if other.empty:
            return self
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Rect(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)

    def grow(self, margin: int) -> Rect:
        return Rect(
            self.x - margin, self.y - margin, self.width + 2 * margin, self.height + 2 * margin
        )


@dataclass(frozen=True)
class Window:
    """One visible top-level window."""

    id: int
    app: str  # the application class (WM_CLASS class on X11), e.g. "firefox", "KeePassXC"
    title: str
    rect: Rect  # on screen, including the window manager's frame (title bar, borders)
    pid: int | None = None
    # The part that surely hides what is below: without client-side shadow margins, and empty
    # for a translucent window. None: the whole rect.
    cover: Rect | None = None


@dataclass(frozen=True)
class DesktopState:
    """What is on screen at one moment: visible windows bottom to top, and the focused one."""

    windows: tuple[Window, ...] = ()
    focused: Window | None = None
    locked: bool = False

    def layout(self) -> tuple[tuple[int, str, str, Rect], ...]:
        """What must not change between two snapshots taken around a grab."""
        focused = self.focused.id if self.focused else 0
        rows = [(w.id, w.app, w.title, w.rect) for w in self.windows]
        return ((focused, "", "", Rect(0, 0, 0, 0)), *rows)


class Desktop(Protocol):
    """One platform's window system, as capture sees it."""

    name: str

    def snapshot(self) -> DesktopState:
        """The visible windows (bottom to top), the focused window and the lock state, now."""
        ...

    def wait_for_focus_change(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds; True as soon as the focused window (or its title) changes."""
        ...

    def close(self) -> None: ...


def open_desktop(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Desktop:
    """The desktop backend for this session, or a one-line reason why capture cannot run here."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if plat.startswith("linux") or "bsd" in plat:
        session = env.get("XDG_SESSION_TYPE", "").lower()
        if session == "wayland" or (env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
            raise CaptureUnavailableError(
                "screen capture does not work on Wayland yet: Wayland lets no program read the "
                "screen or other windows' titles without a portal prompt for every grab; log in "
                'to an X11 session ("GNOME on Xorg", "Plasma (X11)") to use capture'
            )
        if not env.get("DISPLAY"):
            raise CaptureUnavailableError(
                "no display to capture: DISPLAY is not set (capture needs a running X11 session)"
            )
        from core.capture.x11 import X11Desktop

        return X11Desktop(env["DISPLAY"])
    raise CaptureUnavailableError(
        f"screen capture is not available on {plat} yet (only Linux with X11 is supported); "
        "chat, search and archives work everywhere"
    )

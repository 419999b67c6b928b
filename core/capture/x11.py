"""The X11 backend of `Desktop`: windows, focus and the screen saver read with python-xlib.

Everything comes from the EWMH properties the window manager keeps on the root and on each client
(`_NET_CLIENT_LIST_STACKING`, `_NET_ACTIVE_WINDOW`, `_NET_FRAME_EXTENTS`, ...), with ICCCM and
`query_tree` fallbacks for sessions without an EWMH window manager. A snapshot runs every few
seconds, so it costs two round trips however many windows there are: the root's properties are
requested together, then every property and the geometry of every window, and only then are the
replies read (python-xlib's `defer=True`); a window destroyed meanwhile answers BadWindow to its
own requests and is left out. Waiting for a focus change is a `select` on the connection's socket,
woken by PropertyNotify on the root (`_NET_ACTIVE_WINDOW`) and on the active window (its title);
it reports a change only when the active window or its title really differs from what the last
snapshot or wait saw, so a program that re-sets the same title does not wake capture.
"""

from __future__ import annotations

import select
import time
import warnings
from collections.abc import Sequence
from typing import Any

from Xlib import X, Xatom
from Xlib import error as xerror
from Xlib.display import Display
from Xlib.ext import screensaver
from Xlib.protocol import request, rq

from core.capture.desktop import DesktopState, Rect, Window
from core.errors import CaptureUnavailableError

ALL_DESKTOPS = 0xFFFFFFFF  # _NET_WM_DESKTOP of a window shown on every desktop (sticky)
TITLE_LONGS = 1024  # property lengths are asked in 32-bit units: titles up to 4 KiB
LIST_LONGS = 8192  # up to 8192 windows in a client list

ATOM_NAMES = (
    "_NET_CLIENT_LIST_STACKING",
    "_NET_CLIENT_LIST",
    "_NET_ACTIVE_WINDOW",
    "_NET_CURRENT_DESKTOP",
    "_NET_WM_DESKTOP",
    "_NET_WM_STATE",
    "_NET_WM_STATE_HIDDEN",
    "_NET_WM_NAME",
    "_NET_WM_PID",
    "_NET_FRAME_EXTENTS",
    "_GTK_FRAME_EXTENTS",
    "_NET_WM_WINDOW_OPACITY",
    "UTF8_STRING",
)

OPAQUE = 0xFFFFFFFF  # _NET_WM_WINDOW_OPACITY of a fully opaque window

# Failures python-xlib raises while connecting; it leaks the failed socket, see _connect.
CONNECT_ERRORS = (
    xerror.DisplayError,
    xerror.ConnectionClosedError,
    xerror.XauthError,
    xerror.XNoAuthError,
    OSError,
)


class X11Desktop:
    """`Desktop` for an X11 session, over one python-xlib connection."""

    name = "x11"

    def __init__(self, display: str) -> None:
        """Connect to `display` (e.g. ":0"); CaptureUnavailableError if that is impossible."""
        connection = _connect(display)
        if isinstance(connection, str):
            raise CaptureUnavailableError(
                f"cannot open the X display {display!r} for screen capture: {connection}"
            )
        self._display = connection
        root = connection.screen().root
        self._root_id: int = root.id
        replies = [
            request.InternAtom(display=connection.display, defer=True, name=n, only_if_exists=False)
            for n in ATOM_NAMES
        ]
        self._atoms: dict[str, int] = {}
        for atom_name, reply in zip(ATOM_NAMES, replies, strict=True):
            reply.reply()
            self._atoms[atom_name] = reply.atom
        self._saver = connection.has_extension(screensaver.extname)
        # Root PropertyNotify carries _NET_ACTIVE_WINDOW changes; the active window's own events
        # carry its title changes (selected in _watch).
        root.change_attributes(event_mask=X.PropertyChangeMask)
        self._watched = 0
        self._closed = False
        try:
            self._active, self._title = self._read_focus()
        except xerror.ConnectionClosedError as exc:
            connection.close()
            raise CaptureUnavailableError(f"the X display {display!r} closed: {exc}") from None

    def snapshot(self) -> DesktopState:
        """The visible windows (bottom to top), the focused window and the lock state, now."""
        try:
            return self._snapshot()
        except xerror.ConnectionClosedError as exc:
            raise CaptureUnavailableError(f"lost the connection to the X display: {exc}") from None

    def wait_for_focus_change(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds; True as soon as the focused window (or its title) changes."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self._drain_events():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._display.flush()
                select.select([self._display.fileno()], [], [], remaining)
        except xerror.ConnectionClosedError as exc:
            raise CaptureUnavailableError(f"lost the connection to the X display: {exc}") from None

    def close(self) -> None:
        """Close the connection to the X server (once)."""
        if not self._closed:
            self._closed = True
            self._display.close()

    def _snapshot(self) -> DesktopState:
        # Events queued so far are superseded by what this snapshot reads (it becomes the baseline
        # for the next wait); dropping them keeps the queue bounded for callers that never wait.
        while self._display.pending_events():
            self._display.next_event()
        root = self._root_id
        stacking = self._ask(root, "_NET_CLIENT_LIST_STACKING", LIST_LONGS)
        clients = self._ask(root, "_NET_CLIENT_LIST", LIST_LONGS)
        active = self._ask(root, "_NET_ACTIVE_WINDOW")
        current = self._ask(root, "_NET_CURRENT_DESKTOP")
        saver = (
            screensaver.QueryInfo(
                display=self._display.display,
                defer=True,
                opcode=self._display.display.get_extension_major(screensaver.extname),
                drawable=root,
            )
            if self._saver
            else None
        )
        # _NET_CLIENT_LIST is in mapping order, the nearest to stacking a WM without the other has.
        listed = _value(stacking, 32)
        if listed is None:
            listed = _value(clients, 32)
        managed = listed is not None
        if listed is None:
            # No EWMH window manager: the top-level windows are the root's children, bottom to top.
            tree = request.QueryTree(display=self._display.display, defer=True, window=root)
            listed = [child.id for child in tree.children] if _answered(tree) else []
        desktop = _cardinal(current)
        focused_id = _cardinal(active) or 0
        locked = saver is not None and _answered(saver) and saver.state == screensaver.StateOn
        # Listening to the active window before its title is read below leaves no gap in which a
        # title change could be missed.
        self._watch(focused_id)
        described = self._describe([int(wid) for wid in listed], desktop, managed)
        windows = [w for w in described if w is not None]
        focused = next((w for w in windows if w.id == focused_id), None)
        self._active = focused_id
        self._title = focused.title if focused else self._read_title(focused_id)
        return DesktopState(windows=tuple(windows), focused=focused, locked=locked)

    def _describe(
        self, ids: Sequence[int], desktop: int | None, managed: bool
    ) -> list[Window | None]:
        """Every window's description, from requests all sent before any reply is read."""
        connection = self._display.display
        asked = [
            (
                wid,
                request.GetWindowAttributes(display=connection, defer=True, window=wid),
                request.GetGeometry(display=connection, defer=True, drawable=wid),
                request.TranslateCoords(
                    display=connection,
                    defer=True,
                    src_wid=wid,
                    dst_wid=self._root_id,
                    src_x=0,
                    src_y=0,
                ),
                {
                    "_NET_WM_STATE": self._ask(wid, "_NET_WM_STATE"),
                    "_NET_WM_DESKTOP": self._ask(wid, "_NET_WM_DESKTOP"),
                    "_NET_WM_PID": self._ask(wid, "_NET_WM_PID"),
                    "_NET_FRAME_EXTENTS": self._ask(wid, "_NET_FRAME_EXTENTS"),
                    "_GTK_FRAME_EXTENTS": self._ask(wid, "_GTK_FRAME_EXTENTS"),
                    "_NET_WM_WINDOW_OPACITY": self._ask(wid, "_NET_WM_WINDOW_OPACITY"),
                    "_NET_WM_NAME": self._ask(wid, "_NET_WM_NAME", TITLE_LONGS),
                    "WM_NAME": self._ask_atom(wid, Xatom.WM_NAME, TITLE_LONGS),
                    "WM_CLASS": self._ask_atom(wid, Xatom.WM_CLASS, TITLE_LONGS),
                },
            )
            for wid in ids
        ]
        return [self._window(*a, desktop=desktop, managed=managed) for a in asked]

    def _window(
        self,
        wid: int,
        attributes: request.GetWindowAttributes,
        geometry: request.GetGeometry,
        position: request.TranslateCoords,
        props: dict[str, request.GetProperty],
        *,
        desktop: int | None,
        managed: bool,
    ) -> Window | None:
        """One window from its replies; None if it is not visible now or vanished meanwhile."""
        if not (_answered(attributes) and _answered(geometry) and _answered(position)):
            return None  # destroyed during the snapshot (BadWindow)
        if attributes.map_state != X.IsViewable:
            return None  # unmapped, iconified, or its frame is on another desktop
        if not managed and attributes.override_redirect:
            return None  # menus and tooltips, not application windows
        if self._atoms["_NET_WM_STATE_HIDDEN"] in _cardinals(props["_NET_WM_STATE"]):
            return None
        on_desktop = _cardinal(props["_NET_WM_DESKTOP"])
        if desktop is not None and on_desktop not in (None, desktop, ALL_DESKTOPS):
            return None
        wm_class = [_decode(part) for part in _bytes(props["WM_CLASS"]).split(b"\0")]
        app = wm_class[1] if len(wm_class) > 1 and wm_class[1] else wm_class[0]
        left, right, top, bottom = [*_cardinals(props["_NET_FRAME_EXTENTS"]), 0, 0, 0, 0][:4]
        border = geometry.border_width
        rect = Rect(
            position.x - border - left,
            position.y - border - top,
            geometry.width + 2 * border + left + right,
            geometry.height + 2 * border + top + bottom,
        )
        # Client-side decorations draw see-through shadows inside the X window; a translucent
        # window hides nothing. Either way what is below may show, so it must stay masked.
        g_left, g_right, g_top, g_bottom = [*_cardinals(props["_GTK_FRAME_EXTENTS"]), 0, 0, 0, 0][
            :4
        ]
        cover = Rect(
            rect.x + g_left,
            rect.y + g_top,
            rect.width - g_left - g_right,
            rect.height - g_top - g_bottom,
        )
        opacity = _cardinal(props["_NET_WM_WINDOW_OPACITY"])
        if opacity is not None and opacity < OPAQUE:
            cover = Rect(rect.x, rect.y, 0, 0)
        return Window(
            id=wid,
            app=app,
            title=_title(props["_NET_WM_NAME"], props["WM_NAME"]),
            rect=rect,
            pid=_cardinal(props["_NET_WM_PID"]),
            cover=None if cover == rect else cover,
        )

    def _ask(self, window: int, atom_name: str, longs: int = 16) -> request.GetProperty:
        """Send a GetProperty for an EWMH atom; the reply is read later."""
        return self._ask_atom(window, self._atoms[atom_name], longs)

    def _ask_atom(self, window: int, atom: int, longs: int) -> request.GetProperty:
        """Send a GetProperty; the reply is read later."""
        return request.GetProperty(
            display=self._display.display,
            defer=True,
            delete=False,
            window=window,
            property=atom,
            type=X.AnyPropertyType,
            long_offset=0,
            long_length=longs,
        )

    def _read_title(self, wid: int) -> str | None:
        """The title of one window (None for no window, or one that is gone)."""
        if not wid:
            return None
        net_name = self._ask(wid, "_NET_WM_NAME", TITLE_LONGS)
        name = self._ask_atom(wid, Xatom.WM_NAME, TITLE_LONGS)
        if not _answered(net_name) or not _answered(name):
            return None  # gone
        return _title(net_name, name)

    def _read_focus(self) -> tuple[int, str | None]:
        """The active window and its title, now (and listen to that window's title changes)."""
        active = _cardinal(self._ask(self._root_id, "_NET_ACTIVE_WINDOW")) or 0
        self._watch(active)
        return active, self._read_title(active)

    def _watch(self, active: int) -> None:
        """Receive PropertyNotify from the active window only (its title changes)."""
        if active == self._watched:
            return
        if self._watched:
            self._select(self._watched, X.NoEventMask)
        if active:
            self._select(active, X.PropertyChangeMask)
        self._watched = active

    def _select(self, wid: int, mask: int) -> None:
        """Set this connection's event mask on another program's window."""
        # The window may be gone already; its BadWindow must not reach python-xlib's default
        # handler, which prints to stderr.
        window = self._display.create_resource_object("window", wid)
        window.change_attributes(onerror=xerror.CatchError(xerror.BadWindow), event_mask=mask)

    def _drain_events(self) -> bool:
        """Handle every queued event; True if the focus or its title now differs from before."""
        relevant = False
        watched = {
            (self._root_id, self._atoms["_NET_ACTIVE_WINDOW"]),
            (self._watched, self._atoms["_NET_WM_NAME"]),
            (self._watched, Xatom.WM_NAME),
        }
        while self._display.pending_events():
            event: Any = self._display.next_event()
            if event.type == X.PropertyNotify and (event.window.id, event.atom) in watched:
                relevant = True
        if not relevant:
            return False
        seen = (self._active, self._title)
        self._active, self._title = self._read_focus()
        return (self._active, self._title) != seen


def _connect(display: str) -> Display | str:
    """A connection to `display`, or why there is none."""
    # python-xlib does not close the socket of a failed connection; it is freed when the exception
    # is dropped at the end of the except clause, still inside this block, so its ResourceWarning
    # (an error under `-W error`) is not the caller's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return Display(display)
        except CONNECT_ERRORS as exc:
            reason = str(exc) or type(exc).__name__
        return reason


def _answered(reply: rq.ReplyRequest) -> bool:
    """Wait for a deferred reply; False if the server answered with an error (a vanished window)."""
    try:
        reply.reply()
    except xerror.XError:
        return False
    return True


def _value(prop: request.GetProperty, format_: int) -> Any:
    """A property's data if it exists with this format (8: bytes, 32: integers), else None."""
    # The raw reply's `value` is (format, data), or None when the window has no such property.
    if not _answered(prop) or prop.value is None:
        return None
    found, data = prop.value
    return data if found == format_ else None


def _cardinals(prop: request.GetProperty) -> list[int]:
    """A 32-bit property as integers ([] if it is missing or not 32-bit)."""
    data = _value(prop, 32)
    return [] if data is None else [int(v) for v in data]


def _cardinal(prop: request.GetProperty) -> int | None:
    """The first value of a 32-bit property, or None."""
    values = _cardinals(prop)
    return values[0] if values else None


def _bytes(prop: request.GetProperty) -> bytes:
    """An 8-bit property's bytes (b"" if it is missing or not 8-bit)."""
    data = _value(prop, 8)
    if data is None:
        return b""
    return data.encode("latin-1") if isinstance(data, str) else bytes(data)


def _decode(raw: bytes) -> str:
    """Text from a legacy STRING property: UTF-8 when it is valid (many programs write it), else Latin-1."""
    raw = raw.rstrip(b"\0")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _title(net_wm_name: request.GetProperty, wm_name: request.GetProperty) -> str:
    """`_NET_WM_NAME` (always UTF-8), else WM_NAME."""
    utf8 = _bytes(net_wm_name)
    if utf8:
        return utf8.decode("utf-8", "replace")
    return _decode(_bytes(wm_name))

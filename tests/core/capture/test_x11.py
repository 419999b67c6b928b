"""X11Desktop against a real X server (Xvfb + openbox), and open_desktop's refusals."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import mss
import mss.tools
import pytest
from Xlib import X, Xatom

from core.capture.desktop import DesktopState, Rect, Window, open_desktop
from core.capture.x11 import X11Desktop
from core.errors import CaptureUnavailableError
from tests.core.capture.xdesktop import (
    XServer,
    XWindow,
    connect,
    desktop_env,
    open_window,
    require_tools,
    xdotool,
)

OpenWindow = Callable[..., XWindow]


@pytest.fixture
def desktop(xdisplay: str) -> Iterator[X11Desktop]:
    d = X11Desktop(xdisplay)
    yield d
    d.close()


def ours(state: DesktopState, *windows: XWindow) -> list[Window]:
    """The snapshot's windows that this test opened, in the snapshot's order."""
    ids = {w.id for w in windows}
    return [w for w in state.windows if w.id in ids]


def client_area(display: str, window: XWindow) -> Rect:
    """Where the window's own content is on screen, as xwininfo reports it."""
    out = subprocess.run(
        ["xwininfo", "-id", str(window.id)],
        env=desktop_env(display),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = dict(line.strip().split(":", 1) for line in out.splitlines() if ":" in line)
    return Rect(
        int(fields["Absolute upper-left X"]),
        int(fields["Absolute upper-left Y"]),
        int(fields["Width"]),
        int(fields["Height"]),
    )


def frame_of(display: str, window: XWindow) -> Rect:
    """The outer rectangle of the window manager's frame: the root's child holding the window."""
    connection = connect(display)
    try:
        root = connection.screen().root
        node = connection.create_resource_object("window", window.id)
        while (parent := node.query_tree().parent) != root:
            node = parent
        g = node.get_geometry()
        return Rect(g.x, g.y, g.width + 2 * g.border_width, g.height + 2 * g.border_width)
    finally:
        connection.close()


def wait_timed(
    desktop: X11Desktop, timeout: float, action: Callable[[], None]
) -> tuple[bool, float]:
    """Run `action` 0.3 s into a wait; what the wait returned and after how long."""
    timer = threading.Timer(0.3, action)
    start = time.monotonic()
    timer.start()
    try:
        changed = desktop.wait_for_focus_change(timeout)
        return changed, time.monotonic() - start
    finally:
        timer.join()


def test_windows_are_listed_bottom_to_top_with_frames(
    xdisplay: str, xwindows: OpenWindow, desktop: X11Desktop
) -> None:
    notes = xwindows(
        "Shopping list", "Gedit", ["Buy oat milk"], x=100, y=120, width=600, height=300
    )
    mail = xwindows("Inbox", "Thunderbird", ["Dear Ana"], x=500, y=400, width=700, height=400)
    mail.focus()
    require_tools(("xwininfo",))

    state = desktop.snapshot()
    assert [(w.app, w.title) for w in ours(state, notes, mail)] == [
        ("Gedit", "Shopping list"),
        ("Thunderbird", "Inbox"),
    ]
    for handle, window in zip((notes, mail), ours(state, notes, mail), strict=True):
        client = client_area(xdisplay, handle)
        assert window.rect.intersect(client) == client
        assert window.rect.y < client.y  # the title bar above the content is included
        assert window.rect == frame_of(xdisplay, handle)
        assert window.pid == handle.pid
    assert ours(state, notes)[0].rect.x == 100  # openbox put the frame where the window asked
    assert ours(state, notes)[0].rect.y == 120

    notes.focus()  # raises it
    assert [w.title for w in ours(desktop.snapshot(), notes, mail)] == ["Inbox", "Shopping list"]


def test_focused_window_is_the_last_activated(xwindows: OpenWindow, desktop: X11Desktop) -> None:
    first = xwindows("First", "Alpha", ["one"], x=50, y=50)
    second = xwindows("Second", "Beta", ["two"], x=300, y=300)

    first.focus()
    focused = desktop.snapshot().focused
    assert focused is not None and (focused.id, focused.app) == (first.id, "Alpha")
    second.focus()
    focused = desktop.snapshot().focused
    assert focused is not None and (focused.id, focused.title) == (second.id, "Second")


def test_non_ascii_titles_round_trip(xwindows: OpenWindow, desktop: X11Desktop) -> None:
    utf8 = xwindows("Café — Privates Fenster", "Firefox", ["privat"], x=80, y=80)
    legacy = xwindows("Café au lait", "Xterm", ["old"], x=400, y=400, net_wm_name=False)

    titles = {w.id: w.title for w in desktop.snapshot().windows}
    assert titles[utf8.id] == "Café — Privates Fenster"
    assert titles[legacy.id] == "Café au lait"  # Latin-1 WM_NAME, no _NET_WM_NAME


def test_minimised_window_is_not_listed(xwindows: OpenWindow, desktop: X11Desktop) -> None:
    shown = xwindows("Shown", "Alpha", ["visible"], x=50, y=50)
    hidden = xwindows("Hidden", "Beta", ["secret"], x=300, y=300)
    hidden.minimize()

    state = desktop.snapshot()
    assert [w.id for w in ours(state, shown, hidden)] == [shown.id]
    assert state.focused is None or state.focused.id != hidden.id


def test_window_on_another_desktop_is_not_listed(
    xdisplay: str, xwindows: OpenWindow, desktop: X11Desktop
) -> None:
    here = xwindows("Here", "Alpha", ["here"], x=50, y=50)
    away = xwindows("Away", "Beta", ["away"], x=300, y=300)
    xdotool(xdisplay, "set_desktop_for_window", str(away.id), "1")

    assert [w.id for w in ours(desktop.snapshot(), here, away)] == [here.id]


@pytest.mark.parametrize(
    ("prop", "value", "listed"),
    [
        ("_NET_WM_STATE", "_NET_WM_STATE_HIDDEN", False),
        ("_NET_WM_DESKTOP", 1, False),
        ("_NET_WM_DESKTOP", 0xFFFFFFFF, True),
    ],
)
def test_hidden_and_other_desktop_windows_are_skipped_even_if_mapped(
    xdisplay: str,
    xwindows: OpenWindow,
    desktop: X11Desktop,
    prop: str,
    value: str | int,
    listed: bool,
) -> None:
    # Openbox unmaps such windows; other window managers (KWin, compositors keeping thumbnails)
    # leave them mapped and say so only in these properties, which the test writes as they would.
    window = xwindows("Marked", "Alpha", ["marked"], x=50, y=50)
    connection = connect(xdisplay)
    try:
        target = connection.create_resource_object("window", window.id)
        data = connection.get_atom(value) if isinstance(value, str) else value
        kind = Xatom.ATOM if isinstance(value, str) else Xatom.CARDINAL
        target.change_property(connection.get_atom(prop), kind, 32, [data])
        connection.sync()
    finally:
        connection.close()

    assert (window.id in [w.id for w in desktop.snapshot().windows]) is listed


def test_window_destroyed_during_snapshot_is_skipped(
    xdisplay: str, xwindows: OpenWindow, desktop: X11Desktop
) -> None:
    alive = xwindows("Alive", "Alpha", ["alive"], x=50, y=50)
    connection = connect(xdisplay)
    root = connection.screen().root
    stacking = connection.get_atom("_NET_CLIENT_LIST_STACKING")
    original = root.get_full_property(stacking, Xatom.WINDOW)
    assert original is not None
    # A window that existed when the list was written and is gone when the snapshot asks about it.
    gone = root.create_window(0, 0, 10, 10, 0, X.CopyFromParent)
    gone.destroy()
    try:
        root.change_property(stacking, Xatom.WINDOW, 32, [gone.id, *original.value])
        connection.sync()
        state = desktop.snapshot()
    finally:
        root.change_property(stacking, Xatom.WINDOW, 32, original.value)
        connection.close()
    assert gone.id not in [w.id for w in state.windows]
    assert alive.id in [w.id for w in state.windows]


def test_wait_returns_soon_after_another_window_is_activated(
    xwindows: OpenWindow, desktop: X11Desktop
) -> None:
    other = xwindows("Other", "Alpha", ["other"], x=50, y=50)
    current = xwindows("Current", "Beta", ["current"], x=300, y=300)
    current.focus()
    desktop.snapshot()

    changed, elapsed = wait_timed(desktop, 5.0, other.focus)
    assert changed
    assert 0.25 < elapsed < 2.0


def test_wait_returns_soon_after_the_focused_title_changes(
    xwindows: OpenWindow, desktop: X11Desktop
) -> None:
    editor = xwindows("draft.txt", "Gedit", ["text"], x=50, y=50)
    editor.focus()
    desktop.snapshot()

    changed, elapsed = wait_timed(desktop, 5.0, lambda: editor.set_title("draft.txt (modified)"))
    assert changed
    assert 0.25 < elapsed < 2.0
    focused = desktop.snapshot().focused
    assert focused is not None and focused.title == "draft.txt (modified)"


def test_wait_times_out_when_focus_and_title_stay(
    xwindows: OpenWindow, desktop: X11Desktop
) -> None:
    background = xwindows("Background", "Alpha", ["behind"], x=50, y=50)
    editor = xwindows("Editor", "Beta", ["front"], x=300, y=300)
    editor.focus()
    desktop.snapshot()
    cpu = time.process_time()

    # A window in the background retitling itself, or the focused one setting the same title
    # again, is not a change of what the user looks at.
    def noise() -> None:
        background.set_title("Background (1)")
        editor.set_title("Editor")

    changed, elapsed = wait_timed(desktop, 1.0, noise)
    assert not changed
    assert 1.0 <= elapsed < 1.5
    assert time.process_time() - cpu < 0.2  # asleep in select, not polling


def test_locked_follows_the_screen_saver(xdisplay: str, desktop: X11Desktop) -> None:
    connection = connect(xdisplay)
    try:
        assert not desktop.snapshot().locked
        connection.force_screen_saver(X.ScreenSaverActive)
        connection.sync()
        assert desktop.snapshot().locked
    finally:
        connection.force_screen_saver(X.ScreenSaverReset)
        connection.sync()
        connection.close()
    assert not desktop.snapshot().locked


def test_bare_x_server_lists_root_children_and_is_never_locked(tmp_path: Path) -> None:
    # No EWMH window manager, and no MIT-SCREEN-SAVER extension to ask whether the saver is on.
    require_tools(("Xvfb",))
    no_saver = ["-extension", "MIT-SCREEN-SAVER"]
    with (
        XServer(tmp_path, window_manager=False, xvfb_args=no_saver) as bare,
        open_window(
            bare.display, "Bare", "Xclock", ["tick"], x=40, y=60, width=300, height=200
        ) as w,
    ):
        desktop, connection = X11Desktop(bare.display), connect(bare.display)
        try:
            connection.force_screen_saver(X.ScreenSaverActive)
            connection.sync()
            state = desktop.snapshot()
            assert not desktop.wait_for_focus_change(0.2)
        finally:
            connection.close()
            desktop.close()
    assert not state.locked
    assert [(v.id, v.app, v.title, v.rect) for v in state.windows] == [
        (w.id, "Xclock", "Bare", Rect(40, 60, 300, 200))
    ]
    assert state.focused is None


def test_window_text_is_legible_to_ocr(
    xdisplay: str, xwindows: OpenWindow, desktop: X11Desktop, tmp_path: Path
) -> None:
    require_tools(("tesseract",))
    note = xwindows("Note", "Gedit", ["Dentist on Tuesday at 14:30"], x=200, y=200, width=700)
    note.focus()
    rect = ours(desktop.snapshot(), note)[0].rect

    def read() -> str:
        with mss.MSS(display=xdisplay) as grabber:
            region = {"left": rect.x, "top": rect.y, "width": rect.width, "height": rect.height}
            shot = grabber.grab(region)
            mss.tools.to_png(shot.rgb, shot.size, output=str(tmp_path / "note.png"))
        return subprocess.run(
            ["tesseract", str(tmp_path / "note.png"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert "Dentist on Tuesday at 14:30" in read()
    note.set_text(["Call the plumber back"])
    assert "Call the plumber back" in read()


@pytest.mark.parametrize("display", [":987", "no-such-display"])
def test_x11_desktop_on_a_missing_display_is_unavailable(display: str) -> None:
    with pytest.raises(
        CaptureUnavailableError, match=f"cannot open the X display '{display}'"
    ) as e:
        X11Desktop(display)
    assert "\n" not in e.value.message


def test_open_desktop_gives_x11_for_an_x_session(xdisplay: str) -> None:
    desktop = open_desktop({"DISPLAY": xdisplay}, platform="linux")
    try:
        assert desktop.name == "x11"
    finally:
        desktop.close()


@pytest.mark.parametrize(
    ("environ", "platform", "message"),
    [
        ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux", "on Wayland"),
        ({}, "linux", "DISPLAY is not set"),
        ({"DISPLAY": ":0"}, "win32", "not available on win32"),
    ],
)
def test_open_desktop_explains_why_capture_cannot_run(
    environ: dict[str, str], platform: str, message: str
) -> None:
    with pytest.raises(CaptureUnavailableError, match=message):
        open_desktop(environ, platform=platform)


def test_client_side_shadows_and_translucency_shrink_what_a_window_covers(
    xdisplay: str, xwindows: OpenWindow, desktop: X11Desktop
) -> None:
    window = xwindows("doc - gedit", "Gedit", ["text"], x=300, y=300, width=400, height=200)
    env = desktop_env(xdisplay)
    xprop = ["xprop", "-id", str(window.id), "-f"]
    subprocess.run(
        [*xprop, "_GTK_FRAME_EXTENTS", "32c", "-set", "_GTK_FRAME_EXTENTS", "10,12,14,16"],
        env=env,
        check=True,
    )
    (seen,) = ours(desktop.snapshot(), window)
    assert seen.cover == Rect(
        seen.rect.x + 10, seen.rect.y + 14, seen.rect.width - 22, seen.rect.height - 30
    )
    subprocess.run(
        [*xprop, "_NET_WM_WINDOW_OPACITY", "32c", "-set", "_NET_WM_WINDOW_OPACITY", "0x7fffffff"],
        env=env,
        check=True,
    )
    (seen,) = ours(desktop.snapshot(), window)
    assert seen.cover is not None and seen.cover.empty

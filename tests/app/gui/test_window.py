"""The main window: views wired together through the event bus, keyboard navigation, closing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.gui.context import AppContext, run_now
from app.gui.memory_dialogs import ChatTurnDialog
from app.gui.window import PAGES, MainWindow, capture_line
from app.qt import Qt, QtWidgets
from core.capture.health import Health, State


def window(ctx: AppContext, qtbot: Any, tray: bool = False) -> MainWindow:
    quits: list[bool] = []
    win = MainWindow(ctx, hide_to_tray=lambda: tray, quit_app=lambda: quits.append(True))
    win.quits = quits  # type: ignore[attr-defined]
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_a_citation_opens_its_memory_and_from_it_the_source_chat_turn(
    ctx: AppContext, qtbot: Any
) -> None:
    run_now(ctx, lambda job: ctx.chat().turn("I live in Lisbon."), "inference")
    win = window(ctx, qtbot)
    chat = win.chat
    chat.input.setPlainText("where do I live?")
    qtbot.keyClick(chat.input, Qt.Key.Key_Return)
    reply = chat.transcript.turns[-1][1]
    qtbot.waitUntil(lambda: not chat.busy, timeout=10000)
    (chip,) = reply.chips
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    # The memory browser comes to the front with the cited memory selected and shown.
    assert win.current_page() == "Memories"
    browser = win.memories
    qtbot.waitUntil(lambda: browser.detail.text.text() == "I live in Lisbon.")
    index = browser.table.currentIndex()
    assert browser.model.memory(index.row()).text == "I live in Lisbon."
    # Its source is the chat turn where it was said.
    sources = browser.detail.sources
    assert sources.count() == 1
    rect = sources.visualItemRect(sources.item(0))
    qtbot.mouseClick(sources.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    (dialog,) = browser.findChildren(ChatTurnDialog)
    assert dialog.cited_text().endswith("\nI live in Lisbon.")
    dialog.close()


def test_a_source_opened_from_a_chip_menu_shows_the_chat_turn(ctx: AppContext, qtbot: Any) -> None:
    run_now(ctx, lambda job: ctx.chat().turn("My dentist is Dr. Lee."), "inference")
    win = window(ctx, qtbot)
    (turn,) = [
        o
        for o in ctx.reader.observations(
            [o for m in ctx.reader.list_memories() for o in m.sources]
        ).values()
    ]
    ctx.events.open_observation.emit(turn.id)
    (dialog,) = win.findChildren(ChatTurnDialog)
    assert dialog.cited_text().endswith("\nMy dentist is Dr. Lee.")
    dialog.close()


def test_every_view_is_one_shortcut_away(ctx: AppContext, qtbot: Any) -> None:
    win = window(ctx, qtbot)
    win.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is win)
    assert win.current_page() == "Chat"
    assert QtWidgets.QApplication.focusWidget() is win.chat.input  # ready to type
    for n, name in enumerate(PAGES, start=1):
        qtbot.keyClick(win, Qt.Key(Qt.Key.Key_0 + n), Qt.KeyboardModifier.ControlModifier)
        assert win.current_page() == name
    ctx.events.open_frame.emit("no-such-frame")
    assert win.current_page() == "Timeline"
    unnamed = []
    for n, name in enumerate(PAGES):
        win.show_page(n)
        unnamed += [
            f"{name}: {w.metaObject().className()} {w.objectName()}"
            for w in win.findChildren(QtWidgets.QAbstractButton)
            + win.findChildren(QtWidgets.QLineEdit)
            + win.findChildren(QtWidgets.QAbstractItemView)
            + win.findChildren(QtWidgets.QAbstractSpinBox)
            + win.findChildren(QtWidgets.QComboBox)
            if w.isVisibleTo(win)
            and not (w.accessibleName() or (w.text() if hasattr(w, "text") else ""))
        ]
    assert unnamed == []


def test_closing_hides_to_the_tray_when_there_is_one_and_quits_otherwise(
    ctx: AppContext, qtbot: Any
) -> None:
    with_tray = window(ctx, qtbot, tray=True)
    with_tray.close()
    assert not with_tray.isVisible() and with_tray.quits == []  # type: ignore[attr-defined]
    without = window(ctx, qtbot, tray=False)
    without.close()
    qtbot.waitUntil(lambda: without.quits == [True])  # type: ignore[attr-defined]


def test_the_status_bar_shows_the_capture_state(ctx: AppContext, qtbot: Any) -> None:
    win = window(ctx, qtbot)
    assert win.capture_label.text() == "Capture is off"
    ctx.events.capture_health.emit(Health(state=State.PAUSED, message="for 15 min"))
    assert win.capture_label.text().startswith("Capture paused")
    assert capture_line(None) == "Capture is off"
    now = datetime.now(UTC)
    recording = Health(
        state=State.RECORDING, started_at=now, last_tick_at=now, last_frame_at=now, interval=5
    )
    assert capture_line(recording, now) == "Recording; last frame written 0 s ago"

"""Unlocking from the GUI: the passphrase dialog, retries, the keyring and MNEMO_PASSPHRASE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.gui.unlock import WRONG_PASSPHRASE, UnlockDialog, unlock
from app.qt import Qt, QtCore, QtWidgets
from core.home import Home
from core.profile import init_store
from core.settings import Settings
from core.store import Store
from models.embedders import HashingEmbedder
from tests.conftest import TEST_SCRYPT_N

PASSPHRASE = "correct horse battery staple"


class MemoryKeyring:
    """An OS keyring stand-in that keeps entries in a dict."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password


def make_store(
    home: Home, storage: str = "passphrase", keyring: MemoryKeyring | None = None
) -> None:
    """Create a profile in `home` and close it, as a previous run of Mnemo would have left it."""
    store = init_store(
        home,
        Settings(),
        HashingEmbedder(),
        lambda: PASSPHRASE,
        keyring,
        storage=storage,
        scrypt_n=TEST_SCRYPT_N,
    )
    store.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def dialog_for(home: Home, qtbot: QtBot) -> UnlockDialog:
    dialog = UnlockDialog(home, Settings(), HashingEmbedder(), None)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def when_modal(callback: Callable[[QtWidgets.QWidget], None]) -> list[QtWidgets.QWidget]:
    """Run `callback` on the next modal window once it is up (modal loops block the test body)."""
    seen: list[QtWidgets.QWidget] = []

    def poll() -> None:
        widget = QtWidgets.QApplication.activeModalWidget()
        if widget is None:
            QtCore.QTimer.singleShot(10, poll)
            return
        seen.append(widget)
        callback(widget)

    QtCore.QTimer.singleShot(0, poll)
    return seen


def test_the_right_passphrase_opens_the_store_off_the_gui_thread(
    mnemo_home: Home, qtbot: QtBot
) -> None:
    make_store(mnemo_home)
    dialog = dialog_for(mnemo_home, qtbot)
    assert dialog.passphrase_edit.echoMode() == QtWidgets.QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase_edit, QtCore.Qt.Key.Key_Return)
    # The unwrap runs in the background: the window shows it and refuses a second click.
    assert dialog.status_label.text() == "Unlocking…"
    assert not dialog.unlock_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.store is not None)
    assert dialog.result() == QtWidgets.QDialog.DialogCode.Accepted
    assert isinstance(dialog.store, Store)
    assert dialog.store.stats() is not None
    dialog.store.close()


def test_a_wrong_passphrase_says_so_changes_nothing_and_allows_a_retry(
    mnemo_home: Home, qtbot: QtBot
) -> None:
    make_store(mnemo_home)
    before = snapshot(mnemo_home.data_dir)
    dialog = dialog_for(mnemo_home, qtbot)
    qtbot.keyClicks(dialog.passphrase_edit, "correct horse battery stapler")
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.status_label.text() == WRONG_PASSPHRASE
    assert dialog.passphrase_edit.text() == ""
    assert dialog.isVisible() and dialog.store is None
    assert dialog.unlock_button.isEnabled() and dialog.passphrase_edit.isEnabled()
    assert snapshot(mnemo_home.data_dir) == before
    # The field keeps the focus, so the next attempt is typed there and Enter unlocks.
    assert dialog.focusWidget() is dialog.passphrase_edit
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.store is not None)
    assert not dialog.isVisible()
    assert dialog.store is not None
    dialog.store.close()


def test_an_empty_passphrase_is_refused_without_trying(mnemo_home: Home, qtbot: QtBot) -> None:
    make_store(mnemo_home)
    dialog = dialog_for(mnemo_home, qtbot)
    dialog.unlock_button.click()
    assert dialog.status_label.text() == "Type your passphrase first."
    assert not dialog.busy and dialog.store is None


def test_quit_returns_no_store(mnemo_home: Home, qtbot: QtBot) -> None:
    make_store(mnemo_home)
    dialog = UnlockDialog(mnemo_home, Settings(), HashingEmbedder(), None)
    qtbot.addWidget(dialog)
    when_modal(lambda widget: widget.quit_button.click())  # type: ignore[attr-defined]
    assert dialog.exec() is None


def test_unlock_asks_with_the_dialog_and_it_can_be_shown_again(
    mnemo_home: Home, qtbot: QtBot
) -> None:
    make_store(mnemo_home)

    def type_and_unlock(widget: QtWidgets.QWidget) -> None:
        assert isinstance(widget, UnlockDialog)
        widget.passphrase_edit.setText(PASSPHRASE)
        widget.unlock_button.click()

    seen = when_modal(type_and_unlock)
    store = unlock(mnemo_home, Settings(), HashingEmbedder(), None)
    assert isinstance(store, Store) and len(seen) == 1
    store.close()
    # After "Lock now" the same dialog is shown again, empty, and opens the store again.
    dialog = seen[0]
    assert isinstance(dialog, UnlockDialog)
    when_modal(type_and_unlock)
    again = dialog.exec()
    assert isinstance(again, Store) and again is not store
    again.close()


def test_a_key_in_the_keyring_opens_without_a_dialog(
    mnemo_home: Home, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = MemoryKeyring()
    make_store(mnemo_home, "keyring", keyring)
    asked: list[object] = []
    monkeypatch.setattr(UnlockDialog, "exec", lambda self: asked.append(self))
    store = unlock(mnemo_home, Settings(), HashingEmbedder(), keyring)
    assert isinstance(store, Store) and asked == []
    store.close()


def test_a_key_missing_from_the_keyring_is_shown_and_nothing_opens(
    mnemo_home: Home, qtbot: QtBot
) -> None:
    keyring = MemoryKeyring()
    make_store(mnemo_home, "keyring", keyring)
    keyring.entries.clear()
    texts: list[str] = []

    def read_and_close(widget: QtWidgets.QWidget) -> None:
        assert isinstance(widget, QtWidgets.QMessageBox)
        texts.append(widget.text())
        widget.accept()

    when_modal(read_and_close)
    assert unlock(mnemo_home, Settings(), HashingEmbedder(), keyring) is None
    assert len(texts) == 1 and "missing from the OS keyring" in texts[0]


def test_mnemo_passphrase_opens_without_a_dialog(
    mnemo_home: Home, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_store(mnemo_home)
    monkeypatch.setenv("MNEMO_PASSPHRASE", PASSPHRASE)
    asked: list[object] = []
    monkeypatch.setattr(UnlockDialog, "exec", lambda self: asked.append(self))
    store = unlock(mnemo_home, Settings(), HashingEmbedder(), None)
    assert isinstance(store, Store) and asked == []
    store.close()


def test_a_wrong_mnemo_passphrase_falls_back_to_the_dialog(
    mnemo_home: Home, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_store(mnemo_home)
    monkeypatch.setenv("MNEMO_PASSPHRASE", "not the passphrase")
    shown: list[str] = []

    def read_and_unlock(widget: QtWidgets.QWidget) -> None:
        assert isinstance(widget, UnlockDialog)
        shown.append(widget.status_label.text())
        widget.passphrase_edit.setText(PASSPHRASE)
        widget.unlock_button.click()

    when_modal(read_and_unlock)
    store = unlock(mnemo_home, Settings(), HashingEmbedder(), None)
    assert isinstance(store, Store)
    assert len(shown) == 1 and "MNEMO_PASSPHRASE is wrong" in shown[0]
    store.close()

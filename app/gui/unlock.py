"""Unlocking the encrypted store from the desktop app: keyring, MNEMO_PASSPHRASE, or a dialog.

`unlock()` is what start-up and the lock screen call. It reads `key.json` to learn where the data
key lives: a key in the OS keyring opens the store at once, `MNEMO_PASSPHRASE` does the same for a
scripted start, and otherwise `UnlockDialog` asks for the passphrase. Every path goes through
`core.profile.open_store`, the function the CLI uses, which unwraps the key before it touches the
database, so a wrong passphrase can never change the store. The scrypt unwrap costs about 0.4 s on
purpose; the dialog runs it on a background lane of its own (an `app.gui.ops.Runner`, since no
`AppContext` exists before unlocking) so the window keeps drawing while "Unlocking…" shows. The
dialog is reusable: each `exec()` starts afresh and returns the open `Store`, or None on Quit.
"""

from __future__ import annotations

import logging
import os

from app.gui.ops import Job, Op, Runner, describe_error
from app.qt import QtWidgets
from core.errors import CancelledError, MnemoError, WrongPassphraseError
from core.home import Home
from core.keys import passphrase_from_env, read_key_file
from core.ports import Embedder, Keyring
from core.profile import open_store
from core.settings import Settings
from core.store import Store

log = logging.getLogger(__name__)

WRONG_PASSPHRASE = "Wrong passphrase — try again"
WRONG_ENV_PASSPHRASE = "The passphrase in MNEMO_PASSPHRASE is wrong — type the right one here"


def unlock(
    home: Home,
    settings: Settings,
    embedder: Embedder,
    keyring: Keyring | None,
    parent: QtWidgets.QWidget | None = None,
) -> Store | None:
    """Open the profile's store from the keyring or MNEMO_PASSPHRASE, else ask; None if not opened."""
    message: str | None = None
    try:
        record = read_key_file(home)
        if record.storage == "keyring":
            return open_store(home, settings, embedder, lambda: None, keyring)
        if os.environ.get("MNEMO_PASSPHRASE"):
            return open_store(home, settings, embedder, passphrase_from_env(), keyring)
    except WrongPassphraseError:
        # A stale MNEMO_PASSPHRASE is no reason to give up: the user can still type the right one.
        message = WRONG_ENV_PASSPHRASE
    except MnemoError as exc:
        show_error_modal(parent, exc)
        return None
    return UnlockDialog(home, settings, embedder, keyring, parent, message=message).exec()


def show_error_modal(parent: QtWidgets.QWidget | None, error: BaseException) -> None:
    """Show `error` in a message box and wait until the user closes it (nothing else is open yet)."""
    message, details = describe_error(error)
    if details is not None:
        log.error("unlocking failed:\n%s", details)
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle("Mnemo")
    box.setText(message)
    if details:
        box.setDetailedText(details)
    box.setAccessibleName("Error message")
    box.exec()


class UnlockDialog(QtWidgets.QDialog):
    """Asks for the passphrase and opens the store off the GUI thread; `exec()` returns it."""

    def __init__(
        self,
        home: Home,
        settings: Settings,
        embedder: Embedder,
        keyring: Keyring | None,
        parent: QtWidgets.QWidget | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.home = home
        self.settings = settings
        self.embedder = embedder
        self.keyring = keyring
        self.store: Store | None = None
        self._initial_message = message or ""
        self._runner: Runner | None = None
        self._op: Op[Store] | None = None
        self._closed = False

        self.setWindowTitle("Unlock Mnemo")
        self.setAccessibleName("Unlock Mnemo")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 50)
        intro = QtWidgets.QLabel(
            "Your memories are encrypted. Type your passphrase to unlock them."
        )
        intro.setWordWrap(True)

        self.passphrase_edit = QtWidgets.QLineEdit()
        self.passphrase_edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Passphrase")
        self.passphrase_edit.setAccessibleDescription("The passphrase that protects your store")
        label = QtWidgets.QLabel("&Passphrase:")
        label.setBuddy(self.passphrase_edit)

        self.status_label = QtWidgets.QLabel(self._initial_message)
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName("Unlock status")

        buttons = QtWidgets.QDialogButtonBox()
        self.unlock_button = buttons.addButton(
            "&Unlock", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setDefault(True)
        self.quit_button = buttons.addButton(
            "&Quit", QtWidgets.QDialogButtonBox.ButtonRole.RejectRole
        )
        self.quit_button.setAccessibleName("Quit")
        # The accept role starts the unlock; the dialog is accepted only once the store is open.
        buttons.accepted.connect(self.start_unlock)
        buttons.rejected.connect(self.reject)

        form = QtWidgets.QFormLayout()
        form.addRow(label, self.passphrase_edit)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.status_label)
        layout.addWidget(buttons)
        self.setTabOrder(self.passphrase_edit, self.unlock_button)
        self.setTabOrder(self.unlock_button, self.quit_button)
        self.passphrase_edit.setFocus()

    @property
    def busy(self) -> bool:
        """Whether an unlock attempt is running."""
        return self._op is not None

    def exec(self) -> Store | None:  # type: ignore[override]
        """Show the dialog until the store is open (returned) or the user quits (None)."""
        # Callers want the unlocked store, not a result code; a Store is truthy, so
        # `if dialog.exec():` still reads naturally.
        self.reset()
        super().exec()
        return self.store

    def reset(self) -> None:
        """Start afresh (the dialog is shown again after every lock)."""
        self.store = None
        self._closed = False
        self.passphrase_edit.clear()
        self.status_label.setText(self._initial_message)
        self._set_busy(False)
        self.passphrase_edit.setFocus()

    def start_unlock(self) -> None:
        """Unwrap the key and open the store on a background thread."""
        if self.busy:
            return
        secret = self.passphrase_edit.text()
        if not secret:
            self.status_label.setText("Type your passphrase first.")
            self.passphrase_edit.setFocus()
            return
        if self._runner is None:
            self._runner = Runner()
        self._closed = False
        self._set_busy(True)
        self.status_label.setText("Unlocking…")
        op: Op[Store] = Op(self._runner, lambda job: self._open(job, secret), "db", self)
        self._op = op.success(self._unlocked).failure(self._failed).on_done(self._finished)
        op.run()

    def _open(self, job: Job, secret: str) -> Store:
        """Worker side: the same `open_store` the CLI calls."""
        store = open_store(self.home, self.settings, self.embedder, lambda: secret, self.keyring)
        if job.cancelled:  # the user quit while the key was being unwrapped
            store.close()
            raise CancelledError("unlocking was cancelled")
        return store

    def _unlocked(self, store: Store) -> None:
        if self._closed:  # quit while the store was opening: nobody will use it
            store.close()
            return
        self.store = store
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, CancelledError):
            return
        if isinstance(error, WrongPassphraseError):
            self.status_label.setText(WRONG_PASSPHRASE)
            self.passphrase_edit.clear()
            return
        message, details = describe_error(error)
        if details is not None:
            log.error("unlocking failed:\n%s", details)
        self.status_label.setText(message)

    def _finished(self) -> None:
        self._op = None
        self._set_busy(False)
        if not self._closed:
            self.passphrase_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self.unlock_button.setEnabled(not busy)
        # Read-only rather than disabled: a disabled field gives its focus away (to Quit, which
        # then takes the Enter meant for the next attempt).
        self.passphrase_edit.setReadOnly(busy)

    def done(self, result: int) -> None:
        """Close the dialog; an unlock still running is cancelled and its store closed."""
        self._closed = True
        if self._op is not None:
            self._op.cancel()
        super().done(result)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            # Waits for an unwrap in flight (well under a second); its result then closes itself.
            runner.shutdown(cancel=True)


__all__ = ["WRONG_PASSPHRASE", "UnlockDialog", "show_error_modal", "unlock"]

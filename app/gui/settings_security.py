"""The Security section of the settings view: where the key is kept, locking, the passphrase.

Where the data key lives is read from `key.json` (`core.keys.read_key_file`), never guessed. A
passphrase-kept key can be re-wrapped under a new passphrase (`core.keys.change_passphrase`): the
dialog checks the two new entries locally, then runs the two scrypt derivations on the database
lane, so the window stays responsive, and keeps itself open with a one-line reason when the old
passphrase is wrong. A keyring-kept key has no Mnemo passphrase (the login keyring protects it),
so the page explains that and offers no change. "Lock now" only asks: it emits
`lock_requested`, and the application shell closes the store and asks for the passphrase again.
"""

from __future__ import annotations

from app.gui.context import AppContext
from app.gui.ops import Job, describe_error, show_error
from app.gui.settings_form import SettingsForm, compact, description_label
from app.qt import Qt, QtWidgets, Signal
from core.errors import ExpectedError, WrongPassphraseError
from core.keys import KEYRING_SERVICE, change_passphrase, read_key_file

SECTION = "Security"


def key_place(ctx: AppContext) -> tuple[str, bool]:
    """One sentence on where the data key is kept, and whether it has a passphrase to change."""
    try:
        record = read_key_file(ctx.home)
    except ExpectedError as exc:
        return exc.message, False
    if record.storage == "keyring":
        return (
            f"The data key is kept in the OS keyring (service '{KEYRING_SERVICE}', entry "
            f"'{record.keyring_username}'), which your login protects: Mnemo has no passphrase "
            "of its own to change.",
            False,
        )
    return (
        f"The data key is kept in {ctx.home.key_path}, encrypted with your passphrase "
        f"(scrypt, N = 2^{(record.scrypt_n or 1).bit_length() - 1}).",
        True,
    )


class ChangePassphraseDialog(QtWidgets.QDialog):
    """Old passphrase, new one twice; the change runs off the GUI thread."""

    changed = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None, ctx: AppContext) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._running = False
        self.setWindowTitle("Change passphrase")
        self.setAccessibleName("Change passphrase")
        self.old = self._secret("Current passphrase")
        self.new = self._secret("New passphrase")
        self.again = self._secret("Repeat the new passphrase")
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Change passphrase message")
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Change passphrase")
        self.ok.setAccessibleName("Change passphrase")
        cancel = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QtWidgets.QFormLayout(self)
        for label, field in (
            ("C&urrent passphrase:", self.old),
            ("&New passphrase:", self.new),
            ("&Repeat new passphrase:", self.again),
        ):
            text = QtWidgets.QLabel(label)
            text.setBuddy(field)
            form.addRow(text, field)
        form.addRow(
            description_label(
                "Only the wrapping of the key changes: the database is not re-encrypted. Use the "
                "new passphrase the next time you unlock Mnemo."
            )
        )
        form.addRow(self.message)
        form.addRow(self.buttons)
        self.old.setFocus(Qt.FocusReason.OtherFocusReason)

    def _secret(self, name: str) -> QtWidgets.QLineEdit:
        field = QtWidgets.QLineEdit()
        field.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        field.setAccessibleName(name)
        return field

    def problem(self) -> str | None:
        """What is wrong with the entries before any scrypt runs, or None."""
        if not self.old.text():
            return "Type your current passphrase."
        if not self.new.text():
            return "The new passphrase cannot be empty."
        if self.new.text() != self.again.text():
            return "The two new passphrases differ."
        if self.new.text() == self.old.text():
            return "The new passphrase is the same as the current one."
        return None

    def submit(self) -> None:
        """Check the entries, then re-wrap the key on the database lane."""
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            return
        old, new = self.old.text(), self.new.text()
        self._busy(True)
        self.message.setText("Changing the passphrase…")

        def work(job: Job) -> None:
            change_passphrase(self.ctx.home, old, new)

        def failed(error: BaseException) -> None:
            self.message.setText(describe_error(error)[0])
            if isinstance(error, WrongPassphraseError):
                self.old.clear()
                self.old.setFocus(Qt.FocusReason.OtherFocusReason)
            elif not isinstance(error, ExpectedError):
                show_error(self, error)  # a bug: its traceback goes in the message box

        def finished(_result: object) -> None:
            self.changed.emit()
            self.accept()

        op = self.ctx.op(work, "db", self).success(finished).failure(failed)
        op.on_done(lambda: self._busy(False)).run()

    def _busy(self, busy: bool) -> None:
        self._running = busy
        for widget in (self.old, self.new, self.again, self.buttons):
            widget.setEnabled(not busy)

    def reject(self) -> None:
        """Close, except while the key file is being rewritten (Escape waits for it)."""
        if not self._running:
            super().reject()


class SecurityPage(QtWidgets.QWidget):
    """Where the key is kept, the passphrase, locking now and after idle time."""

    def __init__(self, ctx: AppContext, form: SettingsForm) -> None:
        super().__init__()
        self.ctx = ctx
        layout = QtWidgets.QVBoxLayout(self)

        key = QtWidgets.QGroupBox("Data key")
        box = QtWidgets.QVBoxLayout(key)
        self.key_label = QtWidgets.QLabel()
        self.key_label.setWordWrap(True)
        self.key_label.setAccessibleName("Where the data key is kept")
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.change_button = QtWidgets.QPushButton("Change &passphrase…")
        self.change_button.setAccessibleName("Change passphrase")
        self.change_button.clicked.connect(self.change_passphrase)
        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Security status")
        box.addWidget(self.key_label)
        box.addWidget(self.change_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self.note)
        layout.addWidget(key)

        lock = QtWidgets.QGroupBox("Locking")
        rows = QtWidgets.QFormLayout(lock)
        self.lock_button = QtWidgets.QPushButton("&Lock now")
        self.lock_button.setAccessibleName("Lock Mnemo now")
        self.lock_button.clicked.connect(ctx.events.lock_requested)
        rows.addRow(compact(self.lock_button))
        rows.addRow(
            description_label(
                "Closes the store and forgets the key until you unlock again; capture stops "
                "while Mnemo is locked."
            )
        )
        form.add_rows(rows, ["desktop.auto_lock_minutes"], SECTION)
        layout.addWidget(lock)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        """Read key.json again and show where the key is."""
        text, changeable = key_place(self.ctx)
        self.key_label.setText(text)
        self.change_button.setEnabled(changeable)

    def change_passphrase(self) -> ChangePassphraseDialog:
        """Open the change-passphrase dialog."""
        dialog = ChangePassphraseDialog(self, self.ctx)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self._changed)
        dialog.open()
        return dialog

    def _changed(self) -> None:
        self.note.setText("Passphrase changed. Use the new one the next time you unlock Mnemo.")
        self.ctx.events.status_message.emit("Passphrase changed")
        self.refresh()

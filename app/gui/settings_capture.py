"""The Capture section of the settings view, and the picker that excludes an open window.

Most of the page is settings fields (see `settings_form`). The exclusion lists get one helper:
`WindowPickerDialog` lists the windows open right now, from the same `Desktop` backend capture
uses (`core.capture.desktop.open_desktop`), so the user can point at the window they mean instead
of guessing its application class. Choosing one adds either its application class or a word of
its title to the lists; a title word is escaped so that brackets or stars in it match themselves,
not a glob. The dialog takes the desktop factory as an argument, so tests hand it a fake desktop;
without a reachable desktop (no X display, Wayland) it says why in one line and offers nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.gui.context import AppContext
from app.gui.settings_form import ListEditor, SettingsForm, compact
from app.qt import Qt, QtWidgets
from core.capture.desktop import Desktop, Window, open_desktop
from core.errors import ExpectedError

DesktopFactory = Callable[[], Desktop]
SECTION = "Capture"


def literal(text: str) -> str:
    """`text` as an exclusion glob that matches exactly these characters."""
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def title_words(title: str) -> list[str]:
    """The words of a window title worth excluding by (two letters or more), first seen first."""
    words: list[str] = []
    for raw in title.split():
        word = raw.strip(" \t-–—|·:,;.()\"'")
        if len(word) >= 2 and word not in words:
            words.append(word)
    return words


class WindowPickerDialog(QtWidgets.QDialog):
    """Lists the open windows; the chosen one's application or a title word becomes an exclusion."""

    def __init__(
        self, parent: QtWidgets.QWidget | None, desktop_factory: DesktopFactory = open_desktop
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Exclude an open window")
        self.setAccessibleName("Exclude an open window")
        self.windows: list[Window] = []
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Window picker message")
        self.list = QtWidgets.QListWidget()
        self.list.setAccessibleName("Open windows")
        self.by_app = QtWidgets.QRadioButton("Exclude the whole &application")
        self.by_app.setAccessibleName("Exclude the whole application")
        self.by_title = QtWidgets.QRadioButton("Exclude windows whose &title contains:")
        self.by_title.setAccessibleName("Exclude windows whose title contains")
        self.by_app.setChecked(True)
        self.word = QtWidgets.QComboBox()
        self.word.setEditable(True)
        self.word.setAccessibleName("Title word to exclude")
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setText("Add e&xclusion")
        ok.setAccessibleName("Add exclusion")
        cancel = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.list)
        layout.addWidget(self.by_app)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.by_title)
        row.addWidget(self.word, 1)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.resize(560, 420)

        self.list.currentRowChanged.connect(self._chosen)
        self.by_app.toggled.connect(self._update)
        self.word.editTextChanged.connect(self._update)
        self._load(desktop_factory)

    def _load(self, factory: DesktopFactory) -> None:
        try:
            desktop = factory()
            try:
                state = desktop.snapshot()
            finally:
                desktop.close()
        except ExpectedError as exc:
            self.message.setText(f"Cannot list the open windows: {exc.message}")
            self._update()
            return
        seen: set[tuple[str, str]] = set()
        for window in reversed(state.windows):  # topmost first: what the user looks at
            key = (window.app, window.title)
            if (window.app or window.title) and key not in seen:
                seen.add(key)
                self.windows.append(window)
                item = QtWidgets.QListWidgetItem(f"{window.title or '(no title)'} — {window.app}")
                self.list.addItem(item)
        if self.windows:
            self.message.setText("Choose a window, then what to exclude by.")
            self.list.setCurrentRow(0)
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.message.setText("No open windows were found.")
        self._update()

    def _chosen(self, row: int) -> None:
        self.word.clear()
        if 0 <= row < len(self.windows):
            window = self.windows[row]
            self.by_app.setText(f"Exclude the whole &application ({window.app or 'unknown'})")
            self.by_app.setEnabled(bool(window.app))
            if not window.app:
                self.by_title.setChecked(True)
            words = title_words(window.title)
            self.word.addItems(words + ([window.title] if window.title not in words else []))
        self._update()

    def _update(self) -> None:
        ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.choice() is not None)
        self.word.setEnabled(self.by_title.isChecked() and bool(self.windows))

    def choice(self) -> tuple[str, str] | None:
        """("app", class) or ("title", rule) for the current choice; None if there is none."""
        row = self.list.currentRow()
        if not 0 <= row < len(self.windows):
            return None
        if self.by_app.isChecked():
            app = self.windows[row].app
            return ("app", literal(app)) if app else None
        word = self.word.currentText().strip()
        return ("title", literal(word)) if word else None


class CapturePage(QtWidgets.QWidget):
    """Capture settings: when and how often, what never to capture, how long frames are kept."""

    def __init__(
        self,
        ctx: AppContext,
        form: SettingsForm,
        desktop_factory: DesktopFactory = open_desktop,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.form = form
        self.desktop_factory = desktop_factory
        layout = QtWidgets.QVBoxLayout(self)

        when = QtWidgets.QGroupBox("Capture")
        rows = QtWidgets.QFormLayout(when)
        form.add_rows(
            rows,
            [
                "capture.enabled",
                "capture.interval",
                "capture.max_interval",
                "capture.pause_on_lock",
            ],
            SECTION,
        )
        layout.addWidget(when)

        never = QtWidgets.QGroupBox("Never capture")
        rows = QtWidgets.QFormLayout(never)
        form.add_rows(
            rows,
            ["capture.default_exclusions", "capture.exclude_apps", "capture.exclude_titles"],
            SECTION,
        )
        self.pick_button = QtWidgets.QPushButton("&Pick an open window…")
        self.pick_button.setAccessibleName("Pick an open window to exclude")
        self.pick_button.clicked.connect(self.pick_window)
        rows.addRow(compact(self.pick_button))
        layout.addWidget(never)

        keep = QtWidgets.QGroupBox("Frames on disk")
        rows = QtWidgets.QFormLayout(keep)
        form.add_rows(
            rows, ["capture.retention_days", "capture.retention_gb", "capture.min_free_gb"], SECTION
        )
        layout.addWidget(keep)

        ocr = QtWidgets.QGroupBox("Text on screen")
        rows = QtWidgets.QFormLayout(ocr)
        form.add_rows(rows, ["capture.ocr", "capture.ocr_language"], SECTION)
        layout.addWidget(ocr)
        layout.addStretch(1)

    def pick_window(self) -> WindowPickerDialog:
        """Open the window picker; its choice is added to the exclusion lists (unsaved)."""
        dialog = WindowPickerDialog(self, self.desktop_factory)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._add_choice(dialog.choice()))
        dialog.open()
        return dialog

    def _add_choice(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        kind, rule = choice
        name = "capture.exclude_apps" if kind == "app" else "capture.exclude_titles"
        editor = self.form.editors[name]
        assert isinstance(editor, ListEditor)
        editor.add(rule)
        editor.focus()

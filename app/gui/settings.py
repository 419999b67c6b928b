"""The settings view: every setting with its description, and the profile's maintenance actions.

`SettingsView` is a list of sections on the left (Capture, Models, Sleep, Security, Data,
Desktop, Advanced) and the chosen section's page on the right, each page in its own module
(`settings_capture`, `settings_models`, ...). Two kinds of things live on the pages. Settings
fields all belong to one `SettingsForm`: edits collect there, are checked against the settings
schema after every keystroke (an invalid value shows the schema's own message under the pages and
disables Apply, so nothing invalid is ever saved), and are saved together by Apply through
`AppContext.save_settings`, which tells every other view; Revert puts the saved values back.
Unsaved edits are visible three ways: the field's label turns bold, its section is marked in the
list, and the bar at the bottom names the sections. Actions (download a model, run sleep, change
the passphrase, export) act at once, each on a background lane with its own progress, and do not
wait for Apply. The Advanced section lists every setting the other pages do not show, so every
setting in `core.settings` can be changed here, not only the common ones.

Turning "start at login" on or off writes or removes the XDG autostart entry
(`app.gui.autostart.set_autostart`) when Apply saves it; if that fails, nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from app.gui.autostart import set_autostart
from app.gui.context import AppContext
from app.gui.settings_capture import CapturePage, DesktopFactory
from app.gui.settings_data import DataPage
from app.gui.settings_form import SettingsForm
from app.gui.settings_models import ModelsPage
from app.gui.settings_security import SecurityPage
from app.gui.settings_sleep import SleepPage
from app.qt import Qt, QtGui, QtWidgets
from core.capture.desktop import open_desktop
from core.settings import Settings
from models.catalog import CatalogEntry

SECTIONS = ("Capture", "Models", "Sleep", "Security", "Data", "Desktop", "Advanced")
# Shown nowhere as fields: the key's storage is chosen at `init` (the Security page says where it
# is), and the models in use are chosen with the Models page's buttons.
NOT_FIELDS = ("keys.storage", "models.base", "models.embedder")
ADVANCED_TITLES = {
    "retrieval": "Search",
    "pipeline": "Memories from observations",
    "store": "Database",
    "chat": "Chat",
    "capture": "Capture (fine tuning)",
    "archive": "Archives",
}


def apply_desktop(old: Settings, new: Settings) -> None:
    """What saving desktop settings must do outside the settings file: the autostart entry."""
    if new.desktop.autostart != old.desktop.autostart:
        set_autostart(new.desktop.autostart)


class DesktopPage(QtWidgets.QWidget):
    """Start-up and appearance."""

    def __init__(self, form: SettingsForm) -> None:
        super().__init__()
        layout = QtWidgets.QVBoxLayout(self)
        start = QtWidgets.QGroupBox("Start-up")
        rows = QtWidgets.QFormLayout(start)
        form.add_rows(rows, ["desktop.autostart", "desktop.start_hidden"], "Desktop")
        layout.addWidget(start)
        looks = QtWidgets.QGroupBox("Appearance")
        rows = QtWidgets.QFormLayout(looks)
        form.add_rows(rows, ["desktop.theme"], "Desktop")
        layout.addWidget(looks)
        layout.addStretch(1)


class AdvancedPage(QtWidgets.QWidget):
    """Every setting no other page shows, grouped by its part of the schema."""

    def __init__(self, form: SettingsForm) -> None:
        super().__init__()
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(
            QtWidgets.QLabel("Fine tuning. The defaults suit most people; each field says why.")
        )
        groups: dict[str, list[str]] = {}
        for name in form.unshown(NOT_FIELDS):
            groups.setdefault(name.split(".", 1)[0], []).append(name)
        for section, names in groups.items():
            box = QtWidgets.QGroupBox(ADVANCED_TITLES.get(section, section.capitalize()))
            form.add_rows(QtWidgets.QFormLayout(box), names, "Advanced")
            layout.addWidget(box)
        layout.addStretch(1)


def _scrolled(page: QtWidgets.QWidget) -> QtWidgets.QScrollArea:
    area = QtWidgets.QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    return area


class SettingsView(QtWidgets.QWidget):
    """Sections on the left, the chosen page on the right, Apply and Revert at the bottom."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        desktop_factory: DesktopFactory = open_desktop,
        catalog: dict[str, CatalogEntry] | None = None,
        on_apply: Callable[[Settings, Settings], None] = apply_desktop,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.setAccessibleName("Settings")
        self.form = SettingsForm(ctx, on_apply)

        self.capture = CapturePage(ctx, self.form, desktop_factory)
        self.models = ModelsPage(ctx, self.form, catalog)
        self.sleep = SleepPage(ctx, self.form)
        self.security = SecurityPage(ctx, self.form)
        self.data = DataPage(ctx)
        self.desktop = DesktopPage(self.form)
        self.advanced = AdvancedPage(self.form)  # last: it takes what the others left
        self.pages: dict[str, QtWidgets.QWidget] = dict(
            zip(
                SECTIONS,
                (
                    self.capture,
                    self.models,
                    self.sleep,
                    self.security,
                    self.data,
                    self.desktop,
                    self.advanced,
                ),
                strict=True,
            )
        )

        self.sections = QtWidgets.QListWidget()
        self.sections.setAccessibleName("Settings sections")
        self.sections.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Expanding
        )
        self.sections.setFixedWidth(150)
        self.stack = QtWidgets.QStackedWidget()
        for name, page in self.pages.items():
            self.sections.addItem(QtWidgets.QListWidgetItem(name))
            page.setAccessibleName(f"{name} settings")
            self.stack.addWidget(_scrolled(page))
        self.sections.currentRowChanged.connect(self.stack.setCurrentIndex)

        self.error_icon = QtWidgets.QLabel()
        size = self.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_SmallIconSize)
        icon = self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.error_icon.setPixmap(icon.pixmap(size, size))
        self.error_label = QtWidgets.QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Settings error")
        self.show_field_button = QtWidgets.QPushButton("Show the &field")
        self.show_field_button.setAccessibleName("Show the field with the error")
        self.show_field_button.clicked.connect(self.show_error_field)
        self.state_label = QtWidgets.QLabel()
        self.state_label.setAccessibleName("Unsaved changes")
        self.revert_button = QtWidgets.QPushButton("Re&vert")
        self.revert_button.setAccessibleName("Revert unsaved changes")
        self.revert_button.setToolTip("Put back the saved settings")
        self.revert_button.clicked.connect(self.form.revert)
        self.apply_button = QtWidgets.QPushButton("&Apply")
        self.apply_button.setAccessibleName("Apply settings")
        self.apply_button.setToolTip("Save the changed settings (Ctrl+S)")
        self.apply_button.clicked.connect(self.apply)

        problem = QtWidgets.QHBoxLayout()
        problem.addWidget(self.error_icon)
        problem.addWidget(self.error_label, 1)
        problem.addWidget(self.show_field_button)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.state_label, 1)
        bar.addWidget(self.revert_button)
        bar.addWidget(self.apply_button)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.stack, 1)
        right.addLayout(problem)
        right.addLayout(bar)
        layout = QtWidgets.QHBoxLayout(self)
        layout.addWidget(self.sections)
        layout.addLayout(right, 1)

        self._shortcut("Ctrl+S", self.apply)
        self._shortcut("Ctrl+PgDown", lambda: self._step(1))
        self._shortcut("Ctrl+PgUp", lambda: self._step(-1))
        self.setTabOrder(self.sections, self.stack)

        self.form.changed.connect(self._update)
        ctx.events.settings_changed.connect(self.form.reload)
        self.sections.setCurrentRow(0)
        self._update()

    def _shortcut(self, keys: str, slot: Callable[[], object]) -> None:
        shortcut = QtGui.QShortcut(QtGui.QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def _step(self, by: int) -> None:
        self.sections.setCurrentRow((self.sections.currentRow() + by) % self.sections.count())

    def show_section(self, name: str) -> None:
        """Bring the section `name` to the front."""
        self.sections.setCurrentRow(SECTIONS.index(name))

    def apply(self) -> bool:
        """Save the edits (Apply / Ctrl+S); False when the schema refused them."""
        if not self.form.dirty():
            return True
        saved = self.form.apply()
        if saved:
            self.ctx.events.status_message.emit("Settings saved")
        return saved

    def show_error_field(self) -> None:
        """Show and focus the field the error is about."""
        name = self.form.field_in_error()
        if name is None:
            return
        self.show_section(self.form.sections[name])
        editor = self.form.editors[name]
        area = self.stack.currentWidget()
        if isinstance(area, QtWidgets.QScrollArea):
            area.ensureWidgetVisible(editor.widget)
        editor.focus()

    def _update(self) -> None:
        dirty = self.form.dirty_sections()
        for row, name in enumerate(SECTIONS):
            item = self.sections.item(row)
            changed = name in dirty
            item.setText(f"{name} •" if changed else name)
            item.setToolTip("Unsaved changes" if changed else "")
            font = item.font()
            font.setBold(changed)
            item.setFont(font)
        shown = self.form.error or self.form.save_error
        self.error_label.setText(shown or "")
        self.error_icon.setVisible(shown is not None)
        self.error_label.setVisible(shown is not None)
        self.show_field_button.setVisible(self.form.field_in_error() is not None)
        self.state_label.setText(f"Unsaved changes: {', '.join(dirty)}" if dirty else "")
        self.apply_button.setEnabled(bool(dirty) and self.form.error is None)
        self.revert_button.setEnabled(bool(dirty))

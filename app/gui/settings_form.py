"""The editable half of the settings view: one editor per setting, bound by its dotted name.

`SettingsForm` owns every field editor the settings pages show. An editor is chosen from the
setting's type in `core.settings` (a check box for a bool, a spin box for a number, a list with
Add and Remove for a list of strings, a combo box where the schema allows a few words) and shows
the setting's one-line description from `core.settings.describe()` under the field, as its
tooltip and as its accessible description, so the GUI and `mnemo settings` explain a setting in
the same words. The form never checks a value itself: after every edit it builds the whole
candidate `Settings` from the saved settings plus the edits, and the settings dataclasses (plus
the exclusion-rule parser, for the capture rules) either accept it or raise the `SettingsError`
whose message the view shows. The spin boxes' ranges are therefore wide on purpose: the schema,
not the widget, decides what is valid, and the user learns why. Edits stay in the editors until
Apply saves them through `AppContext.save_settings` or Revert reloads the saved values; a setting
that differs from the saved one is drawn bold, so unsaved changes are visible where they are.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Callable, Sequence
from typing import Any

from app.gui.context import AppContext
from app.qt import QObject, Qt, QtGui, QtWidgets, Signal
from core.capture.exclusions import ExclusionRules
from core.errors import ExpectedError, SettingsError
from core.settings import Settings, describe

# Settings whose schema accepts only a few words: edited with a combo box.
CHOICES: dict[str, tuple[str, ...]] = {
    "desktop.theme": ("system", "light", "dark"),
}

# A person's label for a setting, and the unit shown after its value. Settings not listed get a
# label made from their name.
LABELS: dict[str, tuple[str, str]] = {
    "capture.enabled": ("Capture the screen", ""),
    "capture.interval": ("Check interval", " s"),
    "capture.max_interval": ("Longest interval", " s"),
    "capture.backoff": ("Interval growth", "×"),
    "capture.default_exclusions": ("Built-in exclusions", ""),
    "capture.exclude_apps": ("Excluded applications", ""),
    "capture.exclude_titles": ("Excluded window titles", ""),
    "capture.pause_on_lock": ("Pause while locked", ""),
    "capture.retention_days": ("Keep frames for", " days"),
    "capture.retention_gb": ("Keep frames up to", " GB"),
    "capture.min_free_gb": ("Minimum free disk", " GB"),
    "capture.ocr": ("Read screen text (OCR)", ""),
    "capture.ocr_language": ("OCR language", ""),
    "capture.segment_minutes": ("Longest segment", " min"),
    "capture.thumbnail_width": ("Thumbnail width", " px"),
    "models.threads": ("Inference threads", ""),
    "models.context": ("Context window", " tokens"),
    "models.max_output": ("Longest output", " tokens"),
    "sleep.enabled": ("Sleep every night", ""),
    "sleep.hour": ("Start hour", ""),
    "sleep.minute": ("Start minute", ""),
    "sleep.idle_minutes": ("Idle before start", " min"),
    "sleep.max_load": ("Highest load per core", ""),
    "sleep.require_ac": ("Only on mains power", ""),
    "sleep.retry_minutes": ("Retry after", " min"),
    "sleep.decay_days": ("Base stability", " days"),
    "sleep.follows_hours": ("'Follows' gap", " h"),
    "sleep.cache_mb": ("Page cache while sleeping", " MB"),
    "store.cache_mb": ("Page cache", " MB"),
    "desktop.autostart": ("Start at login", ""),
    "desktop.start_hidden": ("Start hidden in the tray", ""),
    "desktop.auto_lock_minutes": ("Lock after idle", " min"),
    "desktop.theme": ("Theme", ""),
    "retrieval.rrf_k": ("RRF constant", ""),
    "retrieval.bm25_weight": ("BM25 weight", ""),
    "retrieval.recency_half_life_days": ("Recency half-life", " days"),
    "archive.work": ("Archive passphrase work", ""),
}

WIDE = 1_000_000_000  # spin box bounds: wide, so the schema (not the widget) judges a value


def label_for(name: str) -> str:
    """The label a person reads for the setting `name`."""
    if name in LABELS:
        return LABELS[name][0]
    words = name.rsplit(".", 1)[-1].replace("_", " ")
    return words[:1].upper() + words[1:]


def _kinds() -> dict[str, Any]:
    """The declared type of every setting, by dotted name."""
    kinds: dict[str, Any] = {}
    for section in dataclasses.fields(Settings):
        cls = typing.get_type_hints(Settings)[section.name]
        for name, kind in typing.get_type_hints(cls).items():
            kinds[f"{section.name}.{name}"] = kind
    return kinds


def current_value(settings: Settings, name: str) -> Any:
    """The value of the setting `name` (dotted) in `settings`."""
    section, field_name = name.split(".", 1)
    return getattr(getattr(settings, section), field_name)


def same(a: Any, b: Any) -> bool:
    """Whether two setting values are equal (floats within the editor's rounding)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


# -- editors -----------------------------------------------------------------------------------
class SettingEditor(QObject):
    """One setting's input widget: reads and writes the setting's value, says when it changes."""

    changed = Signal()

    def __init__(self, name: str, description: str) -> None:
        super().__init__()
        self.name = name
        self.description = description
        self.label = label_for(name)
        self.widget: QtWidgets.QWidget = QtWidgets.QWidget()
        self._read: Callable[[], Any] = lambda: None
        self._write: Callable[[Any], None] = lambda value: None

    def _bind(
        self,
        widget: QtWidgets.QWidget,
        read: Callable[[], Any],
        write: Callable[[Any], None],
        described: QtWidgets.QWidget | None = None,
    ) -> None:
        """Make `widget` the editor, read and written by `read` and `write`."""
        self.widget, self._read, self._write = widget, read, write
        target = described or widget
        target.setAccessibleName(self.label)
        target.setAccessibleDescription(self.description)
        target.setToolTip(self.description)

    def value(self) -> Any:
        """The value the editor holds now."""
        return self._read()

    def set_value(self, value: Any) -> None:
        """Show `value` in the editor."""
        self._write(value)

    def focus(self) -> None:
        """Give the keyboard focus to the editor."""
        self.widget.setFocus(Qt.FocusReason.OtherFocusReason)


class BoolEditor(SettingEditor):
    """A check box whose text is the setting's label."""

    def __init__(self, name: str, description: str) -> None:
        super().__init__(name, description)
        self.box = QtWidgets.QCheckBox(self.label)
        self._bind(self.box, self.box.isChecked, lambda value: self.box.setChecked(bool(value)))
        self.box.toggled.connect(self.changed)


class IntEditor(SettingEditor):
    """A whole-number spin box."""

    def __init__(self, name: str, description: str, suffix: str) -> None:
        super().__init__(name, description)
        self.spin = QtWidgets.QSpinBox()
        self.spin.setRange(-WIDE, WIDE)
        self.spin.setSuffix(suffix)
        self.spin.setMaximumWidth(180)
        self._bind(self.spin, lambda: int(self.spin.value()), lambda v: self.spin.setValue(int(v)))
        self.spin.valueChanged.connect(self.changed)


def _decimals(value: float) -> int:
    """Decimals needed to show `value` exactly (1 to 6), so loading and saving changes nothing."""
    for places in range(1, 7):
        if math.isclose(round(value, places), value, rel_tol=0, abs_tol=1e-12):
            return places
    return 6


class FloatEditor(SettingEditor):
    """A decimal spin box with as many decimals as the value needs."""

    def __init__(self, name: str, description: str, suffix: str, default: float) -> None:
        super().__init__(name, description)
        self.spin = QtWidgets.QDoubleSpinBox()
        self.spin.setDecimals(_decimals(default))
        self.spin.setRange(-WIDE, WIDE)
        self.spin.setSuffix(suffix)
        self.spin.setMaximumWidth(180)
        # One step changes the last shown decimal, or a whole unit for whole-number defaults.
        self.spin.setSingleStep(1.0 if default.is_integer() else 10.0 ** -self.spin.decimals())
        self._bind(self.spin, lambda: float(self.spin.value()), self._show)
        self.spin.valueChanged.connect(self.changed)

    def _show(self, value: Any) -> None:
        if _decimals(float(value)) > self.spin.decimals():
            self.spin.setDecimals(_decimals(float(value)))
        self.spin.setValue(float(value))


class ChoiceEditor(SettingEditor):
    """A combo box of the few words the schema accepts."""

    def __init__(self, name: str, description: str, choices: Sequence[str]) -> None:
        super().__init__(name, description)
        self.combo = QtWidgets.QComboBox()
        self.combo.addItems(list(choices))
        self._bind(self.combo, lambda: str(self.combo.currentText()), self._show)
        self.combo.currentTextChanged.connect(self.changed)

    def _show(self, value: Any) -> None:
        if self.combo.findText(str(value)) < 0:  # a value the file has but the list lacks
            self.combo.addItem(str(value))
        self.combo.setCurrentText(str(value))


class TextEditor(SettingEditor):
    """A one-line text field."""

    def __init__(self, name: str, description: str) -> None:
        super().__init__(name, description)
        self.line = QtWidgets.QLineEdit()
        self._bind(
            self.line, lambda: str(self.line.text()).strip(), lambda v: self.line.setText(str(v))
        )
        self.line.textChanged.connect(self.changed)


class ListEditor(SettingEditor):
    """A list of words with a field to type a new one, Add, and Remove (or the Delete key)."""

    def __init__(self, name: str, description: str) -> None:
        super().__init__(name, description)
        self.items = QtWidgets.QListWidget()
        self.items.setMaximumHeight(96)
        self._bind(QtWidgets.QWidget(), self._entries, self._show, described=self.items)
        self.entry = QtWidgets.QLineEdit()
        self.entry.setPlaceholderText("Type an entry, then Add")
        self.entry.setAccessibleName(f"New entry for {self.label}")
        self.add_button = QtWidgets.QPushButton("Add")
        self.add_button.setAccessibleName(f"Add to {self.label}")
        self.remove_button = QtWidgets.QPushButton("Remove")
        self.remove_button.setAccessibleName(f"Remove from {self.label}")
        self.remove_button.setEnabled(False)
        self.note = QtWidgets.QLabel()
        self.note.setAccessibleName(f"{self.label} note")
        self.note.hide()
        grid = QtWidgets.QGridLayout(self.widget)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.items, 0, 0, 1, 3)
        grid.addWidget(self.entry, 1, 0)
        grid.addWidget(self.add_button, 1, 1)
        grid.addWidget(self.remove_button, 1, 2)
        grid.addWidget(self.note, 2, 0, 1, 3)
        self.entry.returnPressed.connect(self._add_typed)
        self.add_button.clicked.connect(self._add_typed)
        self.remove_button.clicked.connect(self.remove_selected)
        self.items.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.items.selectedItems()))
        )
        delete = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Delete, self.items)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_selected)

    def _entries(self) -> list[str]:
        return [self.items.item(n).text() for n in range(self.items.count())]

    def _show(self, value: Any) -> None:
        self.items.clear()
        self.items.addItems([str(v) for v in value])
        self.note.hide()

    def add(self, text: str) -> bool:
        """Append `text` unless it is blank or already listed (the note says which)."""
        text = text.strip()
        if not text:
            self._say("Type an entry first.")
            return False
        if text in self.value():
            self._say(f"'{text}' is already in the list.")
            return False
        self.items.addItem(text)
        self.items.setCurrentRow(self.items.count() - 1)
        self.note.hide()
        self.changed.emit()
        return True

    def remove_selected(self) -> None:
        """Remove the selected entries."""
        rows = sorted((self.items.row(i) for i in self.items.selectedItems()), reverse=True)
        for row in rows:
            self.items.takeItem(row)
        if rows:
            self.changed.emit()

    def _add_typed(self) -> None:
        if self.add(self.entry.text()):
            self.entry.clear()

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.show()

    def focus(self) -> None:
        self.items.setFocus(Qt.FocusReason.OtherFocusReason)


def compact(widget: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """`widget` at its natural width, so a button in a form row does not stretch across it."""
    widget.setSizePolicy(QtWidgets.QSizePolicy.Policy.Maximum, QtWidgets.QSizePolicy.Policy.Fixed)
    return widget


def description_label(text: str) -> QtWidgets.QLabel:
    """A setting's description under its field: wrapped, in the palette's quieter text colour."""
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)
    font = label.font()
    font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
    label.setFont(font)
    return label


# -- the form ----------------------------------------------------------------------------------
class SettingsForm(QObject):
    """Every settings editor of the view, their saved values, validation, Apply and Revert."""

    changed = Signal()  # an edit, a revert or a save: the dirty set or the error may differ

    def __init__(self, ctx: AppContext, on_apply: Callable[[Settings, Settings], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_apply = on_apply  # (old, new) side effects before saving, e.g. autostart
        self.editors: dict[str, SettingEditor] = {}
        self.sections: dict[str, str] = {}  # setting -> the view section showing it
        self._labels: dict[str, QtWidgets.QWidget] = {}
        self._docs = {name: doc for name, _default, doc in describe()}
        self._defaults = {name: default for name, default, _doc in describe()}
        self._kinds = _kinds()
        self.saved = self.ctx.settings
        self.error: str | None = None  # the schema's refusal of the edits: Apply is off
        self.save_error: str | None = None  # why the last Apply failed: Apply can be retried
        self._loading = False

    # -- building --------------------------------------------------------------------------
    def editor(self, name: str, section: str) -> SettingEditor:
        """The editor of setting `name` (created on first use, shown in view section `section`)."""
        if name in self.editors:
            return self.editors[name]
        doc = self._docs[name]
        kind = self._kinds[name]
        suffix = LABELS.get(name, ("", ""))[1]
        editor: SettingEditor
        if name in CHOICES:
            editor = ChoiceEditor(name, doc, CHOICES[name])
        elif kind is bool:
            editor = BoolEditor(name, doc)
        elif kind is int:
            editor = IntEditor(name, doc, suffix)
        elif kind is float:
            editor = FloatEditor(name, doc, suffix, float(self._defaults[name]))
        elif typing.get_origin(kind) is list:
            editor = ListEditor(name, doc)
        else:
            editor = TextEditor(name, doc)
        editor.set_value(current_value(self.saved, name))
        editor.changed.connect(self._edited)
        self.editors[name] = editor
        self.sections[name] = section
        return editor

    def add_rows(self, layout: QtWidgets.QFormLayout, names: Sequence[str], section: str) -> None:
        """Add the fields `names` to `layout`, each with its description under it."""
        for name in names:
            editor = self.editor(name, section)
            note = description_label(editor.description)
            if isinstance(editor, BoolEditor):
                layout.addRow(editor.widget)
                self._labels[name] = editor.widget
            else:
                label = QtWidgets.QLabel(f"{editor.label}:")
                label.setBuddy(
                    editor.widget if not isinstance(editor, ListEditor) else editor.items
                )
                layout.addRow(label, editor.widget)
                self._labels[name] = label
            layout.addRow(note)

    def unshown(self, skip: Sequence[str]) -> list[str]:
        """Settings no page shows yet (minus `skip`), in schema order."""
        return [n for n, _d, _doc in describe() if n not in self.editors and n not in skip]

    # -- state -----------------------------------------------------------------------------
    def dirty(self) -> list[str]:
        """Settings whose edited value differs from the saved one."""
        return [
            name
            for name, editor in self.editors.items()
            if not same(editor.value(), current_value(self.saved, name))
        ]

    def dirty_sections(self) -> list[str]:
        """View sections holding unsaved edits, in the order their settings were added."""
        seen: list[str] = []
        for name in self.dirty():
            if self.sections[name] not in seen:
                seen.append(self.sections[name])
        return seen

    def candidate(self) -> Settings:
        """The saved settings with every edit applied; SettingsError if the schema refuses it."""
        values = {
            section.name: dataclasses.asdict(getattr(self.saved, section.name))
            for section in dataclasses.fields(Settings)
        }
        for name, editor in self.editors.items():
            part, field_name = name.split(".", 1)
            values[part][field_name] = editor.value()
        built: dict[str, Any] = {}
        for section in dataclasses.fields(Settings):
            cls = type(getattr(self.saved, section.name))
            built[section.name] = cls(**values[section.name])  # __post_init__ validates
        settings = Settings(**built)
        ExclusionRules.from_settings(settings.capture)  # a broken glob is refused the same way
        return settings

    def validate(self) -> str | None:
        """The schema's message for the current edits, or None when they are valid."""
        try:
            self.candidate()
        except SettingsError as exc:
            return exc.message
        return None

    def field_in_error(self) -> str | None:
        """The setting the current error names, if it names one."""
        if self.error is None:
            return None
        named = [n for n in self.editors if n in self.error]
        return max(named, key=len) if named else None

    # -- actions ---------------------------------------------------------------------------
    def apply(self) -> bool:
        """Save the edits (validated first); False, with `error` set, when nothing was saved."""
        try:
            new = self.candidate()
        except SettingsError as exc:
            self.error = exc.message
            self.changed.emit()
            return False
        old = self.ctx.settings
        try:
            self._on_apply(old, new)
            self.ctx.save_settings(new)  # emits settings_changed, which reloads `saved`
        except ExpectedError as exc:  # e.g. the autostart entry could not be written
            self.save_error = f"nothing was saved: {exc.message}"
            self.changed.emit()
            return False
        except OSError as exc:
            self.save_error = f"nothing was saved: {exc.strerror or exc}"
            self.changed.emit()
            return False
        self.error = self.save_error = None
        self.reload()
        return True

    def revert(self) -> None:
        """Put every editor back to the saved value."""
        self._loading = True
        try:
            for name, editor in self.editors.items():
                editor.set_value(current_value(self.saved, name))
        finally:
            self._loading = False
        self._edited()

    def reload(self) -> None:
        """Take the app's current settings as saved; fields the user has not edited follow them."""
        previous, self.saved = self.saved, self.ctx.settings
        self._loading = True
        try:
            for name, editor in self.editors.items():
                if same(editor.value(), current_value(previous, name)):
                    editor.set_value(current_value(self.saved, name))
        finally:
            self._loading = False
        self._edited()

    def _edited(self) -> None:
        if self._loading:
            return
        self.error = self.validate()
        self.save_error = None
        dirty = set(self.dirty())
        for name, label in self._labels.items():
            font = label.font()
            if font.bold() != (name in dirty):
                font.setBold(name in dirty)
                label.setFont(font)
        self.changed.emit()

"""The settings view: fields save through the schema, and its actions do what the CLI's do."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.gui.context import AppContext
from app.gui.settings import NOT_FIELDS, SettingsView
from app.gui.settings_capture import WindowPickerDialog
from app.gui.settings_data import ExportDialog, ImportDialog
from app.gui.settings_form import ListEditor
from app.gui.settings_models import NO_ADAPTER, adapter_lines
from app.gui.settings_security import ChangePassphraseDialog
from app.gui.settings_sleep import ReportDialog
from app.qt import QtWidgets
from core.archive.export import Selection, export_archive
from core.archive.importer import verify_archive
from core.capture.desktop import DesktopState, Rect, Window
from core.capture.health import pause, read_pause
from core.errors import CaptureUnavailableError, WrongPassphraseError
from core.keys import load_key
from core.memory import Memory
from core.settings import Settings, describe
from core.sleep.runner import load_report
from core.store import Store
from models.adapters import AdapterStatus
from models.catalog import CatalogEntry
from models.embedders import HashingEmbedder
from tests.app.gui.conftest import PASSPHRASE
from tests.models.test_catalog import PAYLOAD, Server

ARCHIVE_PASSPHRASE = "archive passphrase"


class FakeDesktop:
    """A desktop with fixed windows (bottom to top), standing in for the X11 backend."""

    name = "fake"

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.windows = windows
        self.closed = False

    def snapshot(self) -> DesktopState:
        return DesktopState(self.windows, self.windows[-1] if self.windows else None)

    def wait_for_focus_change(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


WINDOWS = (
    Window(1, "firefox", "Bank statement — Mozilla Firefox", Rect(0, 0, 800, 600)),
    Window(2, "KeePassXC", "Passwords [work].kdbx - KeePassXC", Rect(100, 100, 600, 400)),
)


@pytest.fixture
def view(ctx: AppContext, qtbot) -> SettingsView:
    ctx.settings.archive.work = 10  # a fast archive passphrase (the format is the same)
    widget = SettingsView(ctx, desktop_factory=lambda: FakeDesktop(WINDOWS))
    qtbot.addWidget(widget)
    return widget


def saved(ctx: AppContext) -> Settings:
    return Settings.load(ctx.home.settings_path)


def remember(ctx: AppContext, *texts: str) -> None:
    ctx.store.add_memories([Memory(type="semantic", text=t) for t in texts])


def boxes(widget: QtWidgets.QWidget) -> list[str]:
    return [b.text() for b in widget.findChildren(QtWidgets.QMessageBox)]


def list_editor(view: SettingsView, name: str) -> ListEditor:
    editor = view.form.editors[name]
    assert isinstance(editor, ListEditor)
    return editor


def wait_idle(ctx: AppContext, qtbot) -> None:
    qtbot.waitUntil(lambda: not ctx.runner.busy(), timeout=20_000)


# -- fields ------------------------------------------------------------------------------------
def test_every_setting_is_editable_with_its_description(view: SettingsView) -> None:
    docs = {name: doc for name, _default, doc in describe()}
    assert set(view.form.editors) == set(docs) - set(NOT_FIELDS)
    for name, editor in view.form.editors.items():
        widget = editor.items if isinstance(editor, ListEditor) else editor.widget
        assert widget.accessibleDescription() == docs[name], name
        assert widget.toolTip() == docs[name], name
        assert widget.accessibleName(), name
    shown = {label.text() for label in view.findChildren(QtWidgets.QLabel)}
    assert docs["capture.retention_days"] in shown and docs["desktop.theme"] in shown


INTERACTIVE = (
    QtWidgets.QAbstractButton,
    QtWidgets.QLineEdit,
    QtWidgets.QAbstractSpinBox,
    QtWidgets.QComboBox,
    QtWidgets.QAbstractItemView,
    QtWidgets.QPlainTextEdit,
)


def inside_composite(widget: QtWidgets.QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QtWidgets.QAbstractSpinBox | QtWidgets.QComboBox):
            return True
        parent = parent.parentWidget()
    return False


def unnamed(widget: QtWidgets.QWidget) -> list[str]:
    """Interactive widgets under `widget` that a screen reader could not name."""
    found = []
    for child in widget.findChildren(QtWidgets.QWidget):
        if not isinstance(child, INTERACTIVE) or isinstance(child, QtWidgets.QHeaderView):
            continue  # a header is part of its named table
        if inside_composite(child):
            continue  # the line edit of a spin box, the popup list of a combo box
        if not child.accessibleName():
            found.append(f"{type(child).__name__} {child.objectName()!r}")
    return found


def test_every_control_and_dialog_has_an_accessible_name(
    ctx: AppContext, view: SettingsView, qtbot
) -> None:
    assert unnamed(view) == []
    dialogs = [
        view.capture.pick_window(),
        view.data.export_archive(),
        view.data.import_archive(),
        view.security.change_passphrase(),
    ]
    for dialog in dialogs:
        assert dialog.accessibleName() and unnamed(dialog) == [], dialog.windowTitle()
    assert view.apply_button.text() == "&Apply" and view.revert_button.text() == "Re&vert"


def test_apply_saves_a_changed_value_and_tells_the_other_views(
    ctx: AppContext, view: SettingsView, qtbot
) -> None:
    view.form.editors["capture.retention_days"].set_value(12.5)
    assert view.state_label.text() == "Unsaved changes: Capture"
    assert view.sections.item(0).text() == "Capture •" and view.apply_button.isEnabled()
    assert saved(ctx).capture.retention_days == 30.0
    with qtbot.waitSignal(ctx.events.settings_changed, timeout=2000):
        view.apply_button.click()
    assert saved(ctx).capture.retention_days == 12.5
    assert ctx.settings.capture.retention_days == 12.5
    assert view.state_label.text() == "" and view.sections.item(0).text() == "Capture"
    assert not view.apply_button.isEnabled()


def test_an_invalid_value_shows_the_schemas_message_and_saves_nothing(
    ctx: AppContext, view: SettingsView, qtbot
) -> None:
    before = ctx.home.settings_path.read_bytes()
    view.form.editors["capture.interval"].set_value(100.0)  # above the longest interval, 60
    assert "capture.max_interval must be >= interval" in view.error_label.text()
    assert not view.apply_button.isEnabled()
    with qtbot.assertNotEmitted(ctx.events.settings_changed):
        assert view.apply() is False
    assert ctx.home.settings_path.read_bytes() == before
    view.show_section("Desktop")
    view.show_field_button.click()
    assert view.sections.currentRow() == 0  # back on Capture, where the field is
    view.form.editors["capture.max_interval"].set_value(120.0)  # fixing it clears the error
    assert view.error_label.text() == "" and view.apply()
    assert (saved(ctx).capture.interval, saved(ctx).capture.max_interval) == (100.0, 120.0)


def test_revert_puts_back_the_saved_values(ctx: AppContext, view: SettingsView) -> None:
    view.form.editors["sleep.hour"].set_value(5)
    view.form.editors["desktop.theme"].set_value("dark")
    assert view.state_label.text() == "Unsaved changes: Sleep, Desktop"
    view.revert_button.click()
    assert view.form.editors["sleep.hour"].value() == 3
    assert view.form.editors["desktop.theme"].value() == "system"
    assert view.state_label.text() == "" and view.form.dirty() == []


def test_a_save_elsewhere_keeps_unsaved_edits_and_updates_the_rest(
    ctx: AppContext, view: SettingsView
) -> None:
    view.form.editors["sleep.hour"].set_value(5)
    elsewhere = Settings.load(ctx.home.settings_path)
    elsewhere.sleep.minute = 30
    elsewhere.archive.work = 10
    ctx.save_settings(elsewhere)  # e.g. the tray or 'Use' on the Models page
    assert view.form.editors["sleep.minute"].value() == 30
    assert view.form.editors["sleep.hour"].value() == 5
    assert view.form.dirty() == ["sleep.hour"]


def test_exclusions_added_and_removed_persist(ctx: AppContext, view: SettingsView) -> None:
    apps = list_editor(view, "capture.exclude_apps")
    apps.entry.setText("Signal")
    apps.add_button.click()
    apps.entry.setText("Signal")
    apps.add_button.click()
    assert apps.value() == ["Signal"] and "already in the list" in apps.note.text()
    titles = list_editor(view, "capture.exclude_titles")
    titles.entry.setText("[unclosed")
    titles.add_button.click()
    assert "without a closing ']'" in view.error_label.text() and not view.apply()
    titles.items.setCurrentRow(0)
    titles.remove_button.click()
    titles.entry.setText("Payslip")
    titles.add_button.click()
    assert view.apply()
    assert saved(ctx).capture.exclude_apps == ["Signal"]
    assert saved(ctx).capture.exclude_titles == ["Payslip"]
    apps.items.setCurrentRow(0)
    apps.remove_button.click()
    assert view.apply() and saved(ctx).capture.exclude_apps == []


def test_autostart_is_written_on_apply(
    ctx: AppContext, view: SettingsView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    entry = tmp_path / "xdg" / "autostart" / "mnemo.desktop"
    view.form.editors["desktop.autostart"].set_value(True)
    assert not entry.exists()  # nothing happens before Apply
    assert view.apply()
    assert "--hidden" in entry.read_text() and saved(ctx).desktop.autostart
    view.form.editors["desktop.autostart"].set_value(False)
    assert view.apply() and not entry.exists() and not saved(ctx).desktop.autostart


def test_an_autostart_entry_that_cannot_be_written_saves_nothing(
    ctx: AppContext, view: SettingsView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "xdg").mkdir()
    (tmp_path / "xdg" / "autostart").write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    before = ctx.home.settings_path.read_bytes()
    view.form.editors["desktop.autostart"].set_value(True)
    view.form.editors["sleep.hour"].set_value(4)
    assert view.apply() is False
    assert view.error_label.text().startswith("nothing was saved: could not turn on start at login")
    assert ctx.home.settings_path.read_bytes() == before
    assert set(view.form.dirty()) == {"sleep.hour", "desktop.autostart"}  # the edits stay
    assert view.apply_button.isEnabled()  # to try again once the folder is fixed
    (tmp_path / "xdg" / "autostart").unlink()
    assert view.apply() and saved(ctx).desktop.autostart and saved(ctx).sleep.hour == 4


# -- the window picker -------------------------------------------------------------------------
def test_window_picker_lists_open_windows_and_adds_exclusions(
    ctx: AppContext, view: SettingsView
) -> None:
    dialog = view.capture.pick_window()
    assert isinstance(dialog, WindowPickerDialog)
    shown = [dialog.list.item(n).text() for n in range(dialog.list.count())]
    assert shown == [
        "Passwords [work].kdbx - KeePassXC — KeePassXC",
        "Bank statement — Mozilla Firefox — firefox",
    ]
    dialog.list.setCurrentRow(0)
    dialog.by_app.setChecked(True)
    dialog.accept()
    assert list_editor(view, "capture.exclude_apps").value() == ["KeePassXC"]

    dialog = view.capture.pick_window()
    dialog.list.setCurrentRow(0)
    dialog.by_title.setChecked(True)
    assert dialog.word.itemText(0) == "Passwords"
    dialog.word.setCurrentText("[work].kdbx")
    dialog.accept()
    # Brackets are made literal, so the rule matches the title's text, not a glob class.
    assert list_editor(view, "capture.exclude_titles").value() == ["[[]work[]].kdbx"]
    assert view.apply()
    assert saved(ctx).capture.exclude_apps == ["KeePassXC"]
    assert saved(ctx).capture.exclude_titles == ["[[]work[]].kdbx"]


def test_window_picker_without_a_desktop_says_why_in_one_line(ctx: AppContext, qtbot) -> None:
    def no_display() -> FakeDesktop:
        raise CaptureUnavailableError("no display to capture: DISPLAY is not set")

    view = SettingsView(ctx, desktop_factory=no_display)
    qtbot.addWidget(view)
    dialog = view.capture.pick_window()
    assert dialog.message.text() == (
        "Cannot list the open windows: no display to capture: DISPLAY is not set"
    )
    assert dialog.list.count() == 0
    ok = dialog.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()


# -- archives ----------------------------------------------------------------------------------
def fill_export(dialog: ExportDialog, target: Path, secret: str = ARCHIVE_PASSPHRASE) -> None:
    dialog.path.setText(str(target))
    dialog.passphrase.setText(secret)
    dialog.again.setText(secret)


def test_export_writes_an_archive_that_verifies(
    ctx: AppContext, view: SettingsView, tmp_path: Path, qtbot
) -> None:
    remember(ctx, "The boiler was serviced in March", "Alice prefers tea")
    dialog = view.data.export_archive()
    assert isinstance(dialog, ExportDialog)
    fill_export(dialog, tmp_path / "out" / "backup", "one")
    dialog.again.setText("two")
    dialog.ok.click()
    assert dialog.message.text() == "The two passphrases differ."
    dialog.again.setText("one")
    dialog.until.setText("the day after never")
    dialog.ok.click()
    assert "cannot read the date" in dialog.message.text()
    dialog.until.setText("")
    dialog.ok.click()
    qtbot.waitUntil(lambda: "Wrote 2 memories" in view.data.status.text(), timeout=20_000)
    archive = tmp_path / "out" / "backup.mnemo"
    manifest = verify_archive(archive, lambda: "one")
    assert manifest["counts"]["memories"] == 2
    assert str(archive) in view.data.status.text() and boxes(view) == []


def test_cancelling_an_export_leaves_no_file_and_no_error_box(
    ctx: AppContext, view: SettingsView, tmp_path: Path, qtbot
) -> None:
    remember(ctx, *(f"fact number {n}" for n in range(1500)))
    ctx.settings.archive.work = 16  # the scrypt alone outlasts the click on Cancel
    folder = tmp_path / "exports"
    folder.mkdir()
    dialog = view.data.export_archive()
    fill_export(dialog, folder / "cancelled.mnemo")
    dialog.ok.click()
    dialog.progress.findChild(QtWidgets.QPushButton).click()  # the progress window's Cancel
    qtbot.waitUntil(lambda: "cancelled" in dialog.message.text(), timeout=20_000)
    assert dialog.message.text() == "Export cancelled: no archive was written."
    assert list(folder.iterdir()) == []  # neither the archive nor its temporary file
    assert boxes(view) == [] and dialog.isVisible()  # open, to try again
    assert view.data.status.text() == ""


@pytest.fixture
def other_archive(tmp_path: Path) -> Path:
    """An archive exported from another profile's store, holding two memories."""
    with Store.open(
        tmp_path / "other.db", bytes(32), HashingEmbedder(), create=True, cache_mb=16
    ) as other:
        other.add_memories(
            [
                Memory(type="semantic", text="The spare key is under the blue pot"),
                Memory(type="semantic", text="Bob's birthday is on 4 May"),
            ]
        )
        export_archive(
            other, tmp_path / "other.mnemo", Selection(), passphrase=ARCHIVE_PASSPHRASE, work=10
        )
    return tmp_path / "other.mnemo"


def test_import_previews_then_imports_an_archive(
    ctx: AppContext, view: SettingsView, other_archive: Path, qtbot
) -> None:
    dialog = view.data.import_archive()
    assert isinstance(dialog, ImportDialog)
    dialog.path.setText(str(other_archive))
    dialog.passphrase.setText(ARCHIVE_PASSPHRASE)
    assert not dialog.import_button.isEnabled()  # a preview comes first
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=20_000)
    assert dialog.report_text.toPlainText().startswith(
        "Dry run (nothing was written): would add 2 memories"
    )
    assert ctx.reader.stats()["memories"] == 0
    with qtbot.waitSignal(ctx.events.memories_changed, timeout=20_000):
        dialog.import_button.click()
    wait_idle(ctx, qtbot)
    assert dialog.report_text.toPlainText().startswith("Imported 2 memories")
    texts = sorted(m.text for m in ctx.reader.list_memories())
    assert texts == ["Bob's birthday is on 4 May", "The spare key is under the blue pot"]
    assert "Imported 2 memories" in view.data.status.text()
    assert read_pause(ctx.home.capture_pause_path, datetime.now(UTC)) is None  # resumed


def test_import_leaves_a_pause_the_user_set_in_place(
    ctx: AppContext, view: SettingsView, other_archive: Path, qtbot
) -> None:
    pause(ctx.home.capture_pause_path, datetime.now(UTC), None)
    dialog = view.data.import_archive()
    dialog.path.setText(str(other_archive))
    dialog.passphrase.setText(ARCHIVE_PASSPHRASE)
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=20_000)
    dialog.import_button.click()
    wait_idle(ctx, qtbot)
    assert ctx.reader.stats()["memories"] == 2
    assert read_pause(ctx.home.capture_pause_path, datetime.now(UTC)) is not None


def test_a_wrong_archive_passphrase_is_one_line_in_the_dialog(
    ctx: AppContext, view: SettingsView, other_archive: Path, tmp_path: Path, qtbot
) -> None:
    dialog = view.data.import_archive()
    dialog.path.setText(str(other_archive))
    dialog.passphrase.setText("not the passphrase")
    dialog.preview_button.click()
    wait_idle(ctx, qtbot)
    assert dialog.message.text() == "wrong passphrase: it does not open this archive"
    assert not dialog.import_button.isEnabled() and boxes(view) == []
    assert dialog.path.text() == str(other_archive)  # what was typed stays
    damaged = tmp_path / "damaged.mnemo"
    damaged.write_bytes(other_archive.read_bytes()[:-100])
    dialog.path.setText(str(damaged))
    dialog.passphrase.setText(ARCHIVE_PASSPHRASE)
    dialog.preview_button.click()
    wait_idle(ctx, qtbot)
    assert dialog.message.text() == "the archive is truncated: it was cut short"
    assert ctx.reader.stats()["memories"] == 0 and boxes(view) == []


# -- sleep -------------------------------------------------------------------------------------
def test_sleep_run_now_shows_its_report(ctx: AppContext, view: SettingsView, qtbot) -> None:
    remember(ctx, "The printer is on the second floor", "The printer is on the second floor!")
    view.sleep.show_last_report()
    assert view.sleep.report.toPlainText() == "No sleep run yet. 'Run now' runs one."
    with qtbot.waitSignal(ctx.events.memories_changed, timeout=30_000):
        view.sleep.run_button.click()
    wait_idle(ctx, qtbot)
    text = view.sleep.report.toPlainText()
    assert text.startswith("Sleep run ") and "done" in text and "consolidate" in text
    view.sleep.show_last_report()  # read back from the store: the same run
    assert view.sleep.report.toPlainText() == text


def test_a_stopped_sleep_run_says_it_resumes_and_the_next_run_finishes_it(
    ctx: AppContext, view: SettingsView, qtbot
) -> None:
    remember(ctx, "The printer is on the second floor", "The printer is on the second floor!")
    view.sleep.run_button.click()
    view.sleep.progress.findChild(QtWidgets.QPushButton).click()  # Cancel, at once
    wait_idle(ctx, qtbot)
    assert "resumes where it stopped" in view.sleep.note.text()
    assert "stopped by you: the run resumes" in view.sleep.report.toPlainText()
    assert boxes(view) == []
    view.sleep.run_button.click()
    wait_idle(ctx, qtbot)
    assert "(finished a run that had been interrupted)" in view.sleep.report.toPlainText()


def test_dry_run_shows_what_would_change_and_changes_nothing(
    ctx: AppContext, view: SettingsView, qtbot
) -> None:
    remember(ctx, "The printer is on the second floor", "The printer is on the second floor!")

    def contents() -> tuple[object, ...]:
        stats = ctx.reader.stats()
        stats.pop("database_bytes")
        memories = [(m.id, m.text, m.version, m.strength) for m in ctx.reader.list_memories()]
        return stats, memories

    before = contents()
    view.sleep.dry_button.click()
    qtbot.waitUntil(lambda: bool(view.sleep.findChildren(ReportDialog)), timeout=30_000)
    wait_idle(ctx, qtbot)
    report = view.sleep.findChildren(ReportDialog)[0]
    assert report.text.toPlainText().startswith("Dry run (nothing was changed)")
    assert "consolidate" in report.text.toPlainText()
    assert contents() == before
    assert load_report(ctx.reader) is None  # a dry run records no run


# -- security ----------------------------------------------------------------------------------
def test_change_passphrase_then_only_the_new_one_unlocks(
    ctx: AppContext, view: SettingsView, qtbot
) -> None:
    assert "encrypted with your passphrase" in view.security.key_label.text()
    dialog = view.security.change_passphrase()
    assert isinstance(dialog, ChangePassphraseDialog)
    dialog.old.setText("not it")
    dialog.new.setText("a new passphrase")
    dialog.again.setText("a new passphrase")
    dialog.ok.click()
    qtbot.waitUntil(lambda: "wrong passphrase" in dialog.message.text(), timeout=20_000)
    assert dialog.old.text() == "" and dialog.isVisible()
    dialog.old.setText(PASSPHRASE)
    dialog.again.setText("a typo")
    dialog.ok.click()
    assert dialog.message.text() == "The two new passphrases differ."
    dialog.again.setText("a new passphrase")
    with qtbot.waitSignal(dialog.changed, timeout=20_000):
        dialog.ok.click()
    assert "Passphrase changed" in view.security.note.text()
    assert len(load_key(ctx.home, lambda: "a new passphrase", None)) == 32
    with pytest.raises(WrongPassphraseError):
        load_key(ctx.home, lambda: PASSPHRASE, None)


def test_lock_now_asks_the_app_to_lock(ctx: AppContext, view: SettingsView, qtbot) -> None:
    with qtbot.waitSignal(ctx.events.lock_requested, timeout=1000) as blocker:
        view.security.lock_button.click()
    assert blocker.signal_triggered


# -- models ------------------------------------------------------------------------------------
@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


def test_models_page_downloads_a_model_and_uses_it_as_base(
    ctx: AppContext, server: Server, qtbot
) -> None:
    entry = CatalogEntry(
        name="test-base",
        kind="base",
        url=server.url,
        license="MIT",
        size=len(PAYLOAD),
        sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        description="A test download.",
    )
    view = SettingsView(ctx, catalog={entry.name: entry})
    qtbot.addWidget(view)
    page = view.models
    page.check_adapters()
    wait_idle(ctx, qtbot)
    rows = [page.adapter_list.topLevelItem(n).text(1) for n in range(4)]
    assert rows == ["rules (no base model is chosen)"] * 4
    download = button(page, "Download test-base")
    download.click()
    qtbot.waitUntil(lambda: "Downloaded test-base" in page.status.text(), timeout=20_000)
    assert (ctx.home.models_dir / "test-base.gguf").read_bytes() == PAYLOAD
    with qtbot.waitSignal(ctx.events.settings_changed, timeout=2000):
        button(page, "Use test-base as the base model").click()
    assert saved(ctx).models.base == "test-base.gguf" == ctx.settings.models.base
    assert page.base_label.text() == "test-base.gguf"
    page.check_adapters()  # the downloaded bytes are no model: said in one line, no box
    wait_idle(ctx, qtbot)
    assert page.adapter_note.text().startswith("The model could not be loaded: ")
    assert boxes(view) == []
    button(page, "Run on rules only, without a base model").click()
    assert saved(ctx).models.base == ""


def button(widget: QtWidgets.QWidget, name: str) -> QtWidgets.QPushButton:
    found = [b for b in widget.findChildren(QtWidgets.QPushButton) if b.accessibleName() == name]
    assert len(found) == 1, name
    return found[0]


def test_models_page_says_which_operations_lack_an_adapter() -> None:
    class Loaded:
        def adapter_status(self) -> list[AdapterStatus]:
            return [
                AdapterStatus("extract", "loaded", "adapter x.gguf", "x.gguf"),
                AdapterStatus("update", "none", "no adapter: runs on the base model"),
                AdapterStatus("answer", "refused", "made for another base model"),
                AdapterStatus("consolidate", "none", "no adapter: runs on the base model"),
            ]

    lines = dict(adapter_lines(Loaded()))
    assert lines["extract"] == "its own adapter (x.gguf)"
    assert lines["update"] == lines["consolidate"] == NO_ADAPTER
    assert lines["answer"].startswith(NO_ADAPTER) and "another base" in lines["answer"]

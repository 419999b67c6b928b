"""The Data section of the settings view: where the data lives, how big it is, and archives.

Export and import call the functions `mnemo export` and `mnemo import archive` call
(`core.archive.export.export_archive`, `core.archive.importer.import_archive`) on the database
lane with a progress window, and word their results the CLI's way (`describe_import`). The
archive passphrase is the archive's own, typed twice for an export. Each dialog keeps what the
user typed when something fails: an expected failure (wrong passphrase, a damaged or foreign
file, a full disk) is shown as its one line inside the dialog, which stays open to try again.
Cancel is safe by construction of the core functions: a cancelled export removes its temporary
file, so no archive appears; a cancelled import rolls its transaction back, so nothing is added.

An import is always previewed first: a dry run verifies the whole archive and reports what would
be added, and only then is Import offered, for that same file and passphrase. Both passes hold
the store's write lock for a long time, so capture is paused around them (through the same pause
file `mnemo capture pause` writes) and resumed afterwards, unless the user had paused it already.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.archive_commands import describe_export, describe_import
from app.cli import parse_when
from app.gui.context import AppContext
from app.gui.ops import Job, describe_error, run_with_progress, show_error
from app.gui.settings_form import compact, description_label
from app.gui.settings_models import size_text
from app.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from core.archive.export import ExportReport, Selection, export_archive
from core.archive.importer import ImportReport, import_archive
from core.capture.health import pause, read_pause, resume
from core.errors import CancelledError, ExpectedError, InvalidInputError

SUFFIX = ".mnemo"


def progress_label(label: str | None, fallback: str) -> str:
    """A core progress label ("exporting memories") as the progress window shows it."""
    text = label or fallback
    return text[:1].upper() + text[1:] + "…"


def export_summary(report: ExportReport) -> str:
    """What an export wrote, in the CLI's words."""
    return (
        f"{describe_export(report)} to {report.path}. Encrypted with your archive passphrase "
        "('age -d' opens it too)."
    )


def _secret(name: str) -> QtWidgets.QLineEdit:
    field = QtWidgets.QLineEdit()
    field.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


def _message_label(name: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class _BusyDialog(QtWidgets.QDialog):
    """A dialog that cannot be closed while its operation runs (its callbacks need it)."""

    def __init__(self, parent: QtWidgets.QWidget | None) -> None:
        super().__init__(parent)
        self.running = False

    def reject(self) -> None:
        """Close, except while the operation runs (its progress window has the Cancel)."""
        if not self.running:
            super().reject()


class ExportDialog(_BusyDialog):
    """Where to, the archive passphrase twice, and what to include; then the export runs."""

    exported = Signal(str)  # the summary of what was written

    def __init__(self, parent: QtWidgets.QWidget | None, ctx: AppContext) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._replace: Path | None = None  # a target the user agreed to replace
        self.setWindowTitle("Export archive")
        self.setAccessibleName("Export archive")
        self.path = QtWidgets.QLineEdit()
        self.path.setAccessibleName("Archive file")
        self.path.setText(str(Path.home() / f"mnemo-{datetime.now():%Y-%m-%d}{SUFFIX}"))
        browse = QtWidgets.QPushButton("&Browse…")
        browse.setAccessibleName("Choose the archive file")
        browse.clicked.connect(self.browse)
        self.passphrase = _secret("Archive passphrase")
        self.again = _secret("Repeat the archive passphrase")
        self.frames = QtWidgets.QCheckBox("Include screen &thumbnails")
        self.frames.setAccessibleName("Include screen thumbnails")
        self.frames.setChecked(True)
        self.vault = QtWidgets.QCheckBox("Include &vault memories")
        self.vault.setAccessibleName("Include vault memories")
        self.since = QtWidgets.QLineEdit()
        self.since.setAccessibleName("Only memories since")
        self.since.setPlaceholderText("e.g. 2026-01-01 or last month (empty: from the start)")
        self.until = QtWidgets.QLineEdit()
        self.until.setAccessibleName("Only memories until")
        self.until.setPlaceholderText("e.g. yesterday (empty: up to now)")
        self.message = _message_label("Export message")
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Export")
        self.ok.setAccessibleName("Export")
        cancel = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        form = QtWidgets.QFormLayout(self)
        where = QtWidgets.QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        for text, field in (
            ("&File:", self.path),
            ("&Passphrase:", self.passphrase),
            ("&Repeat passphrase:", self.again),
        ):
            label = QtWidgets.QLabel(text)
            label.setBuddy(field)
            form.addRow(label, where if field is self.path else field)
        form.addRow(
            description_label(
                "The archive's own passphrase (not the one that unlocks Mnemo): anyone with the "
                "file and this passphrase can read it."
            )
        )
        form.addRow(self.frames)
        form.addRow(self.vault)
        for text, field in (("&Since:", self.since), ("&Until:", self.until)):
            label = QtWidgets.QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow(self.message)
        form.addRow(self.buttons)
        self.setMinimumWidth(560)

    def browse(self) -> None:
        """Choose the archive file with the system's file dialog."""
        chosen, _filter = QtWidgets.QFileDialog.getSaveFileName(
            self,
            "Export archive",
            self.path.text(),
            f"Mnemo archives (*{SUFFIX})",
        )
        if chosen:
            self.path.setText(chosen)
            self._replace = Path(chosen)  # the file dialog asked before replacing

    def target(self) -> Path:
        """The archive path typed, with the .mnemo suffix when none was given."""
        text = self.path.text().strip()
        if not text:
            raise InvalidInputError("Choose where to save the archive.")
        path = Path(text).expanduser()
        if path.is_dir():
            raise InvalidInputError(f"{path} is a folder; give the archive's file name.")
        return path if path.suffix else path.with_name(path.name + SUFFIX)

    def selection(self) -> Selection:
        """What to export, from the check boxes and the date fields (parsed as the CLI does)."""
        since, until = self.since.text().strip(), self.until.text().strip()
        return Selection(
            since=parse_when(since) if since else None,
            until=parse_when(until, end=True) if until else None,
            frames=self.frames.isChecked(),
            vault=self.vault.isChecked(),
        )

    def start(self) -> None:
        """Check the entries, then export with a progress window."""
        try:
            target, selection = self.target(), self.selection()
        except ExpectedError as exc:
            self.message.setText(exc.message)
            return
        secret = self.passphrase.text()
        if not secret:
            self.message.setText("An archive passphrase cannot be empty.")
            return
        if secret != self.again.text():
            self.message.setText("The two passphrases differ.")
            return
        if target.exists() and self._replace != target:
            self._replace = target
            self.message.setText(f"{target} already exists. Press Export again to replace it.")
            return
        ctx = self.ctx
        home, work_factor = ctx.home, ctx.settings.archive.work

        def work(job: Job) -> ExportReport:
            return export_archive(
                ctx.store,
                target,
                selection,
                passphrase=secret,
                frames_dir=home.frames_dir,
                progress=lambda d, t, label: job.progress(d, t, progress_label(label, "exporting")),
                work=work_factor,
            )

        def finished(report: ExportReport) -> None:
            self.exported.emit(export_summary(report))
            self.accept()

        def failed(error: BaseException) -> None:
            if isinstance(error, CancelledError):
                self.message.setText("Export cancelled: no archive was written.")
            else:
                self.message.setText(describe_error(error)[0])
                if not isinstance(error, ExpectedError):
                    show_error(self, error)

        self._busy(True)
        self.message.setText("")
        op = ctx.op(work, "db", self).success(finished).failure(failed)
        op.on_done(lambda: self._busy(False))
        self.progress = run_with_progress(self, "Exporting the archive", op)

    def _busy(self, busy: bool) -> None:
        self.running = busy
        self.buttons.setEnabled(not busy)


class ImportDialog(_BusyDialog):
    """An archive and its passphrase; a preview of what it adds, then the import."""

    imported = Signal(str)  # the report of what was added

    def __init__(self, parent: QtWidgets.QWidget | None, ctx: AppContext) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._previewed: tuple[Path, str] | None = None
        self.setWindowTitle("Import archive")
        self.setAccessibleName("Import archive")
        self.path = QtWidgets.QLineEdit()
        self.path.setAccessibleName("Archive file")
        browse = QtWidgets.QPushButton("&Browse…")
        browse.setAccessibleName("Choose the archive file")
        browse.clicked.connect(self.browse)
        self.passphrase = _secret("Archive passphrase")
        self.report_text = QtWidgets.QPlainTextEdit()
        self.report_text.setReadOnly(True)
        self.report_text.setAccessibleName("What the archive adds")
        self.report_text.setPlaceholderText("Preview shows what the archive would add.")
        self.message = _message_label("Import message")
        self.preview_button = QtWidgets.QPushButton("&Preview")
        self.preview_button.setAccessibleName("Preview the import")
        self.preview_button.setDefault(True)
        self.import_button = QtWidgets.QPushButton("&Import")
        self.import_button.setAccessibleName("Import the archive")
        self.import_button.setEnabled(False)
        self.close_button = QtWidgets.QPushButton("Close")
        self.close_button.setAccessibleName("Close")
        self.preview_button.clicked.connect(lambda: self.start(dry_run=True))
        self.import_button.clicked.connect(lambda: self.start(dry_run=False))
        self.close_button.clicked.connect(self.reject)
        self.path.textChanged.connect(self._entries_changed)
        self.passphrase.textChanged.connect(self._entries_changed)

        form = QtWidgets.QFormLayout(self)
        where = QtWidgets.QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        label = QtWidgets.QLabel("&File:")
        label.setBuddy(self.path)
        form.addRow(label, where)
        label = QtWidgets.QLabel("&Passphrase:")
        label.setBuddy(self.passphrase)
        form.addRow(label, self.passphrase)
        form.addRow(
            description_label(
                "The whole archive is checked before anything is written; records already here "
                "are left as they are. Capture pauses while the import runs."
            )
        )
        form.addRow(self.report_text)
        form.addRow(self.message)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.preview_button)
        row.addWidget(self.import_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        form.addRow(row)
        self.resize(600, 420)

    def browse(self) -> None:
        """Choose the archive with the system's file dialog."""
        chosen, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self, "Import archive", self.path.text(), f"Mnemo archives (*{SUFFIX});;All files (*)"
        )
        if chosen:
            self.path.setText(chosen)

    def _entries_changed(self) -> None:
        # A preview speaks for one file and passphrase only.
        self._previewed = None
        self.import_button.setEnabled(False)

    def start(self, dry_run: bool) -> None:
        """Preview (dry run) or import, with a progress window and capture paused."""
        text, secret = self.path.text().strip(), self.passphrase.text()
        if not text:
            self.message.setText("Choose the archive to import.")
            return
        path = Path(text).expanduser()
        if not path.is_file():
            self.message.setText(f"There is no file {path}.")
            return
        if not secret:
            self.message.setText("Type the archive's passphrase.")
            return
        if not dry_run and self._previewed != (path, secret):
            self.message.setText("Preview the archive first.")
            return
        ctx = self.ctx
        paused_here = self._pause_capture()

        def work(job: Job) -> ImportReport:
            return import_archive(
                ctx.store,
                path,
                lambda: secret,
                frames_dir=ctx.home.frames_dir,
                dry_run=dry_run,
                progress=lambda d, t, label: job.progress(d, t, progress_label(label, "importing")),
            )

        def finished(report: ImportReport) -> None:
            self.report_text.setPlainText(describe_import(report))
            self.message.setText("")
            if dry_run:
                self._previewed = (path, secret)
            else:
                self._previewed = None
                self.imported.emit(describe_import(report))
                ctx.events.memories_changed.emit()

        def failed(error: BaseException) -> None:
            if isinstance(error, CancelledError):
                self.message.setText(
                    "Import cancelled: nothing was written."
                    if not dry_run
                    else "Preview cancelled."
                )
            else:
                self.message.setText(describe_error(error)[0])
                if not isinstance(error, ExpectedError):
                    show_error(self, error)

        def done() -> None:
            if paused_here:
                resume(ctx.home.capture_pause_path)
            self._busy(False)

        self._busy(True)
        self.message.setText("")
        op = ctx.op(work, "db", self).success(finished).failure(failed).on_done(done)
        title = "Checking the archive" if dry_run else "Importing the archive"
        self.progress = run_with_progress(self, title, op)

    def _pause_capture(self) -> bool:
        """Pause capture for the import; False if it was paused already (then left as it is)."""
        path, now = self.ctx.home.capture_pause_path, datetime.now(UTC)
        if read_pause(path, now) is not None:
            return False
        pause(path, now, None)
        return True

    def _busy(self, busy: bool) -> None:
        self.running = busy
        for widget in (self.preview_button, self.close_button, self.path, self.passphrase):
            widget.setEnabled(not busy)
        self.import_button.setEnabled(not busy and self._previewed is not None)


class DataPage(QtWidgets.QWidget):
    """The data folder, the database's size, and archives in and out."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._stale = True
        layout = QtWidgets.QVBoxLayout(self)

        where = QtWidgets.QGroupBox("Location")
        rows = QtWidgets.QFormLayout(where)
        self.location = QtWidgets.QLabel(str(ctx.home.data_dir))
        self.location.setAccessibleName("Data folder")
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QtWidgets.QPushButton("&Open folder")
        self.open_button.setAccessibleName("Open the data folder")
        self.open_button.clicked.connect(self.open_folder)
        rows.addRow("Data folder:", self.location)
        rows.addRow(
            description_label(
                "The encrypted database, its key file, frame thumbnails, backups and models. "
                "Set MNEMO_HOME before starting Mnemo to keep them elsewhere."
            )
        )
        rows.addRow(compact(self.open_button))
        layout.addWidget(where)

        size = QtWidgets.QGroupBox("Database")
        rows = QtWidgets.QFormLayout(size)
        self.size_label = QtWidgets.QLabel()
        self.size_label.setAccessibleName("Database size")
        self.counts_label = QtWidgets.QLabel()
        self.counts_label.setAccessibleName("What the database holds")
        self.counts_label.setWordWrap(True)
        rows.addRow("Size:", self.size_label)
        rows.addRow("Holds:", self.counts_label)
        layout.addWidget(size)

        archives = QtWidgets.QGroupBox("Archives")
        box = QtWidgets.QVBoxLayout(archives)
        box.addWidget(
            description_label(
                "An archive is one encrypted .mnemo file with your memories (and, if you like, "
                "screen thumbnails) to keep as a backup or to carry to another computer."
            )
        )
        buttons = QtWidgets.QHBoxLayout()
        self.export_button = QtWidgets.QPushButton("E&xport archive…")
        self.export_button.setAccessibleName("Export archive")
        self.export_button.clicked.connect(self.export_archive)
        self.import_button = QtWidgets.QPushButton("&Import archive…")
        self.import_button.setAccessibleName("Import archive")
        self.import_button.clicked.connect(self.import_archive)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.status = _message_label("Archive status")
        box.addWidget(self.status)
        layout.addWidget(archives)
        layout.addStretch(1)
        ctx.events.memories_changed.connect(self._memories_changed)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        """Count what the database holds when the page is shown (not before: it costs a scan)."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the database's size and counts on the view connection."""
        self._stale = False
        stats = self.ctx.reader.stats()
        self.size_label.setText(size_text(int(stats["database_bytes"])))
        observations = sum(stats["observations"].values())
        self.counts_label.setText(
            f"{stats['memories']} memories ({stats['versions']} versions in all), "
            f"{observations} observations, {stats['links']} links"
        )

    def _memories_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def open_folder(self) -> None:
        """Show the data folder in the desktop's file manager."""
        url = QtCore.QUrl.fromLocalFile(str(self.ctx.home.data_dir))
        if not QtGui.QDesktopServices.openUrl(url):
            self.status.setText(
                f"No file manager could be opened; the folder is {url.toLocalFile()}."
            )

    def export_archive(self) -> ExportDialog:
        """Open the export dialog."""
        dialog = ExportDialog(self, self.ctx)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exported.connect(self.status.setText)
        dialog.open()
        return dialog

    def import_archive(self) -> ImportDialog:
        """Open the import dialog."""
        dialog = ImportDialog(self, self.ctx)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._imported)
        dialog.open()
        return dialog

    def _imported(self, text: str) -> None:
        self.status.setText(text.strip())
        self.refresh()

"""The Models section of the settings view: what runs, what is installed, what can be downloaded.

Everything here goes through the functions `mnemo models` uses: the catalog is
`models.catalog.load_catalog`, a download is `models.catalog.download` (resumable and
sha256-verified), choosing the base model is the CLI's `cmd_use_base`, and the adapter status per
operation comes from the loaded runtime's `adapter_status()`, as `mnemo models status` reports it.
Downloads run on the inference lane, not the database one, so a long download never holds up an
edit or an import; cancelling one keeps the partial file, which the next download resumes. The
adapter status needs the model loaded, so it is read on the inference lane through `ctx.llm()`
(the same loaded model the chat uses) the first time the page is shown, and again after the base
model changes. An operation without an adapter runs on the base model with its own prompt, and
the page says so.
"""

from __future__ import annotations

import argparse
import copy
import io
from pathlib import Path
from typing import Any

from app.gui.context import AppContext
from app.gui.ops import Job, run_with_progress, show_error
from app.gui.settings_form import SettingsForm, compact, description_label
from app.model_commands import cmd_use_base, installed_models
from app.qt import QtGui, QtWidgets
from core.errors import CancelledError, ExpectedError
from core.ports import OPERATIONS
from core.settings import describe
from models.catalog import CatalogEntry, download, load_catalog

SECTION = "Models"
NO_ADAPTER = "base model with the operation's prompt"


def adapter_lines(llm: Any) -> list[tuple[str, str]]:
    """(operation, what runs it) for each memory operation, for a loaded model or none."""
    if llm is None:
        return [(op, "rules (no base model is chosen)") for op in OPERATIONS]
    status = getattr(llm, "adapter_status", None)
    if status is None:
        return [(op, "the configured model") for op in OPERATIONS]
    lines = []
    for entry in status():
        if entry.state == "loaded":
            lines.append((entry.operation, f"its own adapter ({entry.file})"))
        elif entry.state == "refused":
            lines.append(
                (entry.operation, f"{NO_ADAPTER}: the adapter was refused, {entry.message}")
            )
        else:
            lines.append((entry.operation, NO_ADAPTER))
    return lines


def size_text(n: int) -> str:
    """A file size as a person reads it."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


class ModelsPage(QtWidgets.QWidget):
    """Models in use, adapters per operation, installed files, and the catalog with downloads."""

    def __init__(
        self,
        ctx: AppContext,
        form: SettingsForm,
        catalog: dict[str, CatalogEntry] | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.catalog = catalog if catalog is not None else load_catalog()
        self._status_stale = True
        self._checking = False
        layout = QtWidgets.QVBoxLayout(self)

        use = QtWidgets.QGroupBox("In use")
        grid = QtWidgets.QFormLayout(use)
        self.base_label = QtWidgets.QLabel()
        self.base_label.setAccessibleName("Base model in use")
        self.embedder_label = QtWidgets.QLabel()
        self.embedder_label.setAccessibleName("Embedder in use")
        self.rules_button = QtWidgets.QPushButton("Run on &rules only")
        self.rules_button.setAccessibleName("Run on rules only, without a base model")
        self.rules_button.clicked.connect(lambda: self.use_base("none"))
        grid.addRow("Base model:", self.base_label)
        grid.addRow(description_label(self._doc("models.base")))
        grid.addRow("Embedder:", self.embedder_label)
        grid.addRow(
            description_label(
                self._doc("models.embedder") + " Changing it re-embeds the whole store: run "
                "'mnemo models use-embedder NAME' while the app is closed."
            )
        )
        grid.addRow(compact(self.rules_button))
        layout.addWidget(use)

        adapters = QtWidgets.QGroupBox("Memory operations")
        box = QtWidgets.QVBoxLayout(adapters)
        self.adapter_list = QtWidgets.QTreeWidget()
        self.adapter_list.setAccessibleName("What runs each memory operation")
        self.adapter_list.setHeaderLabels(["Operation", "Runs on"])
        self.adapter_list.setRootIsDecorated(False)
        self.adapter_list.setMaximumHeight(130)
        self.adapter_note = QtWidgets.QLabel()
        self.adapter_note.setWordWrap(True)
        self.adapter_note.setAccessibleName("Adapter status note")
        self.check_button = QtWidgets.QPushButton("&Check again")
        self.check_button.setAccessibleName("Check the adapters again")
        self.check_button.clicked.connect(self.check_adapters)
        box.addWidget(self.adapter_list)
        box.addWidget(self.adapter_note)
        box.addWidget(compact(self.check_button))
        layout.addWidget(adapters)

        installed = QtWidgets.QGroupBox("Installed model files")
        self.installed_box = QtWidgets.QVBoxLayout(installed)
        layout.addWidget(installed)

        catalog_box = QtWidgets.QGroupBox("Download")
        self.catalog_layout = QtWidgets.QVBoxLayout(catalog_box)
        self.catalog_layout.addWidget(
            description_label(
                "Models download only when you ask; each file is checked against its published "
                "sha256 before it is used. A stopped download resumes where it stopped."
            )
        )
        self.catalog_rows = QtWidgets.QVBoxLayout()
        self.catalog_layout.addLayout(self.catalog_rows)
        layout.addWidget(catalog_box)

        runtime = QtWidgets.QGroupBox("Runtime")
        rows = QtWidgets.QFormLayout(runtime)
        form.add_rows(rows, ["models.threads", "models.context", "models.max_output"], SECTION)
        layout.addWidget(runtime)

        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Models status")
        layout.addWidget(self.status)
        layout.addStretch(1)

        ctx.events.settings_changed.connect(self._settings_changed)
        self.refresh()

    def _doc(self, name: str) -> str:
        return next(doc for n, _d, doc in describe() if n == name)

    # -- what is shown ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw what is in use, the installed files and the catalog rows."""
        models = self.ctx.settings.models
        self.base_label.setText(models.base or "none: rules only")
        self.embedder_label.setText(models.embedder)
        self.rules_button.setEnabled(bool(models.base))
        installed = {p.name: p for p in installed_models(self.ctx.home)}
        _clear(self.installed_box)
        if not installed:
            self.installed_box.addWidget(QtWidgets.QLabel("No model files yet."))
        for name, path in installed.items():
            self.installed_box.addWidget(self._installed_row(name, path))
        _clear(self.catalog_rows)
        for entry in self.catalog.values():
            self.catalog_rows.addWidget(self._catalog_row(entry, entry.filename in installed))

    def _installed_row(self, name: str, path: Path) -> QtWidgets.QWidget:
        models = self.ctx.settings.models
        row = QtWidgets.QWidget()
        line = QtWidgets.QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        role = (
            "base model" if name == models.base else "embedder" if name == models.embedder else ""
        )
        text = QtWidgets.QLabel(
            f"{name}  ({size_text(path.stat().st_size)}){'  — ' + role if role else ''}"
        )
        line.addWidget(text, 1)
        if name != models.base:
            button = QtWidgets.QPushButton("Use as base")
            button.setAccessibleName(f"Use {name} as the base model")
            button.clicked.connect(lambda _checked=False, n=name: self.use_base(n))
            line.addWidget(button)
        return row

    def _catalog_row(self, entry: CatalogEntry, installed: bool) -> QtWidgets.QWidget:
        row = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(row)
        grid.setContentsMargins(0, 4, 0, 4)
        title = QtWidgets.QLabel(f"<b>{entry.name}</b> — {entry.kind}, {entry.license}")
        grid.addWidget(title, 0, 0)
        grid.addWidget(description_label(entry.description), 1, 0, 1, 2)
        if not installed:
            button = QtWidgets.QPushButton("Download")
            button.setAccessibleName(f"Download {entry.name}")
            button.clicked.connect(lambda _checked=False, e=entry: self.download(e))
        elif entry.kind == "base" and entry.filename != self.ctx.settings.models.base:
            button = QtWidgets.QPushButton("Use")
            button.setAccessibleName(f"Use {entry.name} as the base model")
            button.clicked.connect(lambda _checked=False, e=entry: self.use_base(e.filename))
        else:
            in_use = entry.filename in (
                self.ctx.settings.models.base,
                self.ctx.settings.models.embedder,
            )
            grid.addWidget(QtWidgets.QLabel("in use" if in_use else "installed"), 0, 1)
            return row
        grid.addWidget(button, 0, 1)
        return row

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        """Read the adapter status the first time the page is shown (it loads the model)."""
        super().showEvent(event)
        if self._status_stale:
            self.check_adapters()

    # -- actions ---------------------------------------------------------------------------
    def check_adapters(self) -> None:
        """Load the model on the inference lane (if not yet) and show what runs each operation."""
        if self._checking:
            return
        self._checking = True
        self._status_stale = False
        self.check_button.setEnabled(False)
        self.adapter_note.setText(
            "Loading the model to read its adapters…" if self.ctx.settings.models.base else ""
        )

        def done() -> None:
            self._checking = False
            self.check_button.setEnabled(True)

        def failed(error: BaseException) -> None:
            message = error.message if isinstance(error, ExpectedError) else str(error)
            self.adapter_list.clear()
            self.adapter_note.setText(f"The model could not be loaded: {message}")
            if not isinstance(error, ExpectedError):
                show_error(self, error)

        op = self.ctx.op(lambda job: adapter_lines(self.ctx.llm()), "inference", self)
        op.success(self._show_adapters).failure(failed).on_done(done).run()

    def _show_adapters(self, lines: list[tuple[str, str]]) -> None:
        self.adapter_list.clear()
        for operation, runs_on in lines:
            self.adapter_list.addTopLevelItem(QtWidgets.QTreeWidgetItem([operation, runs_on]))
        self.adapter_list.resizeColumnToContents(0)
        missing = sum(1 for _op, runs in lines if runs.startswith(NO_ADAPTER))
        self.adapter_note.setText(
            f"{missing} operation(s) have no adapter: they run on the base model with the "
            "operation's prompt."
            if missing
            else ""
        )

    def use_base(self, name: str) -> None:
        """Make `name` the base model ("none": rules only), as 'mnemo models use-base' does."""
        chosen = copy.deepcopy(self.ctx.settings)
        try:
            cmd_use_base(argparse.Namespace(name=name), self.ctx.home, chosen, io.StringIO())
            self.ctx.save_settings(chosen)
        except (ExpectedError, OSError) as exc:
            show_error(self, exc)
            return
        shown = chosen.models.base or "none (rules only)"
        self.status.setText(f"Base model: {shown}.")
        self.ctx.events.status_message.emit(f"Base model: {shown}")

    def download(self, entry: CatalogEntry) -> None:
        """Download `entry` with a progress window; Cancel keeps the part for resuming."""
        label = f"Downloading {entry.name}"

        def work(job: Job) -> Path:
            # Progress in KiB: a model's size in bytes does not fit Qt's 32-bit progress values.
            return download(
                entry,
                self.ctx.home.models_dir,
                progress=lambda done, total: job.progress(done // 1024, total // 1024, label),
            )

        def finished(path: Path) -> None:
            hint = "Use it as the base model above." if entry.kind == "base" else ""
            self.status.setText(f"Downloaded {entry.name} (sha256 verified). {hint}".strip())
            self.refresh()

        def failed(error: BaseException) -> None:
            if isinstance(error, CancelledError):
                self.status.setText(
                    f"The download of {entry.name} was stopped; the next download resumes it."
                )
            else:
                self.status.setText("")
                show_error(self, error)
            self.refresh()

        op = self.ctx.op(work, "inference", self).success(finished).failure(failed)
        run_with_progress(self, label, op)

    def _settings_changed(self) -> None:
        self.refresh()
        self._status_stale = True
        if self.isVisible():
            self.check_adapters()


def _clear(layout: QtWidgets.QLayout) -> None:
    """Remove and delete every widget in `layout`."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()

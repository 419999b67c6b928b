"""The Sleep section of the settings view: the schedule, the last report, Run now and Dry run.

"Run now" and "Dry run" call `core.sleep.runner.run_sleep` exactly as `mnemo sleep` does, on the
database lane, with the background model (`ctx.shared_llm()`, loaded only if a phase needs it)
and a progress window whose Cancel stops the run at its next progress report. A stopped run
is not lost: every batch it committed stays, its row stays `running`, and the next run (now, or
the nightly one) resumes it where it stopped, which the page says. The reports are worded by the
CLI's `app.sleep_commands.describe`, so both front ends tell the same story; the dry run's report
opens in its own window, since it describes a run that did not happen.
"""

from __future__ import annotations

from collections.abc import Callable

from app.gui.context import AppContext
from app.gui.ops import Job, run_with_progress, show_error
from app.gui.settings_form import SettingsForm
from app.qt import Qt, QtGui, QtWidgets
from app.sleep_commands import describe
from core.errors import CancelledError
from core.sleep.runner import SleepReport, load_report, run_sleep

SECTION = "Sleep"
STOPPED = "stopped by you: the run resumes where it stopped the next time sleep runs"


class ReportDialog(QtWidgets.QDialog):
    """A sleep report (a dry run's) in a window of its own."""

    def __init__(self, parent: QtWidgets.QWidget | None, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.text = QtWidgets.QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Report")
        self.text.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(640, 420)


class SleepPage(QtWidgets.QWidget):
    """The nightly job's schedule and tuning, its last report, and running it by hand."""

    def __init__(self, ctx: AppContext, form: SettingsForm) -> None:
        super().__init__()
        self.ctx = ctx
        self._loaded = False
        layout = QtWidgets.QVBoxLayout(self)

        when = QtWidgets.QGroupBox("Schedule")
        rows = QtWidgets.QFormLayout(when)
        form.add_rows(
            rows,
            [
                "sleep.enabled",
                "sleep.hour",
                "sleep.minute",
                "sleep.idle_minutes",
                "sleep.max_load",
                "sleep.require_ac",
                "sleep.retry_minutes",
            ],
            SECTION,
        )
        layout.addWidget(when)

        last = QtWidgets.QGroupBox("Last run")
        box = QtWidgets.QVBoxLayout(last)
        self.report = QtWidgets.QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Last sleep report")
        self.report.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.report.setMinimumHeight(160)
        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Sleep status")
        buttons = QtWidgets.QHBoxLayout()
        self.run_button = QtWidgets.QPushButton("R&un now")
        self.run_button.setAccessibleName("Run the sleep job now")
        self.run_button.clicked.connect(self.run_now)
        self.dry_button = QtWidgets.QPushButton("&Dry run…")
        self.dry_button.setAccessibleName("Dry run: show what sleep would change")
        self.dry_button.clicked.connect(self.dry_run)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.dry_button)
        buttons.addStretch(1)
        box.addWidget(self.report)
        box.addWidget(self.note)
        box.addLayout(buttons)
        layout.addWidget(last)

        tuning = QtWidgets.QGroupBox("What sleep does")
        rows = QtWidgets.QFormLayout(tuning)
        form.add_rows(
            rows,
            [
                "sleep.consolidate_similarity",
                "sleep.link_similarity",
                "sleep.link_neighbours",
                "sleep.follows_hours",
                "sleep.decay_days",
                "sleep.recall_gain",
                "sleep.cold_threshold",
                "sleep.batch_size",
                "sleep.keep_backups",
                "sleep.cache_mb",
            ],
            SECTION,
        )
        layout.addWidget(tuning)
        layout.addStretch(1)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        """Read the last report the first time the page is shown."""
        super().showEvent(event)
        if not self._loaded:
            self.show_last_report()

    def show_last_report(self) -> None:
        """Show the latest run's report (a quick read on the view connection)."""
        self._loaded = True
        report = load_report(self.ctx.reader)
        if report is None:
            self.report.setPlainText("No sleep run yet. 'Run now' runs one.")
        else:
            self.report.setPlainText(describe(report))

    def _busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.dry_button.setEnabled(not busy)

    def _work(self, dry_run: bool) -> Callable[[Job], SleepReport]:
        ctx = self.ctx
        settings, home, llm = ctx.settings, ctx.home, ctx.shared_llm()

        def work(job: Job) -> SleepReport:
            def progress(phase: str, done: int, total: int) -> None:
                if job.cancelled:
                    # Recorded as the run's stop reason, which the report then shows.
                    raise CancelledError(STOPPED)
                job.progress(done, total, f"Sleep: {phase}")

            return run_sleep(
                ctx.store, settings, home=home, llm=llm, dry_run=dry_run, progress=progress
            )

        return work

    def run_now(self) -> None:
        """Run the sleep job with a progress window; the report replaces the last one."""
        self._busy(True)
        self.note.setText("")

        def finished(report: SleepReport) -> None:
            self.report.setPlainText(describe(report))
            self.note.setText("")
            self.ctx.events.memories_changed.emit()
            self.ctx.events.status_message.emit("Sleep run finished")

        def failed(error: BaseException) -> None:
            self.show_last_report()
            if isinstance(error, CancelledError):
                self.note.setText(
                    "Sleep was stopped. What it finished is kept; the next run (now or tonight) "
                    "resumes where it stopped."
                )
                self.ctx.events.memories_changed.emit()
            else:
                show_error(self, error)

        op = self.ctx.op(self._work(dry_run=False), "db", self)
        op.success(finished).failure(failed).on_done(lambda: self._busy(False))
        self.progress = run_with_progress(self, "Sleep", op)

    def dry_run(self) -> None:
        """Run sleep without changing anything and show what it would do in a window."""
        self._busy(True)

        def finished(report: SleepReport) -> None:
            dialog = ReportDialog(self, "Sleep dry run", describe(report))
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()

        def failed(error: BaseException) -> None:
            if not isinstance(error, CancelledError):
                show_error(self, error)

        op = self.ctx.op(self._work(dry_run=True), "db", self)
        op.success(finished).failure(failed).on_done(lambda: self._busy(False))
        self.progress = run_with_progress(self, "Sleep dry run", op)

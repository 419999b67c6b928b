"""The op pattern: work on a lane, results, progress and errors back on the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest

from app.gui.context import AppContext, run_now
from app.gui.ops import Job, Op, ProgressDialog, describe_error, run_with_progress
from app.qt import QtCore, QtWidgets
from core.errors import CancelledError, WrongPassphraseError


def test_success_runs_on_the_gui_thread_with_the_result(ctx: AppContext, qtbot) -> None:
    seen: list[tuple[object, bool]] = []
    gui = threading.current_thread()

    def work(job: Job) -> str:
        assert threading.current_thread() is not gui
        return "done"

    op = ctx.op(work).success(lambda r: seen.append((r, threading.current_thread() is gui)))
    op.run()
    qtbot.waitUntil(lambda: op.finished)
    assert seen == [("done", True)]


def test_progress_and_partial_values_arrive_in_order(ctx: AppContext, qtbot) -> None:
    progress: list[tuple[int, int, str]] = []
    partial: list[object] = []

    def work(job: Job) -> int:
        for n in range(5):
            job.emit(f"t{n}")
            job.progress(n + 1, 5, "counting")
        return 5

    op = ctx.op(work, "inference").on_progress(lambda *a: progress.append(a))
    op.on_partial(partial.append).run()
    qtbot.waitUntil(lambda: op.finished)
    assert partial == ["t0", "t1", "t2", "t3", "t4"]
    assert progress[-1] == (5, 5, "counting") and len(progress) == 5


def test_cancel_stops_the_job_at_its_next_progress_report(ctx: AppContext, qtbot) -> None:
    started = threading.Event()
    reached: list[int] = []
    failures: list[BaseException] = []

    def work(job: Job) -> None:
        started.set()
        for n in range(1000):
            job.progress(n, 1000)
            reached.append(n)
            time.sleep(0.005)

    op = ctx.op(work).failure(failures.append)
    dialog = run_with_progress(None, "Counting", op)
    assert isinstance(dialog, ProgressDialog)
    started.wait(5)
    dialog.findChild(QtWidgets.QPushButton).click()  # the Cancel button
    qtbot.waitUntil(lambda: op.finished)
    assert len(failures) == 1 and isinstance(failures[0], CancelledError)
    assert len(reached) < 1000
    assert not ctx.runner.busy()


def test_expected_errors_are_one_line_and_bugs_carry_a_traceback() -> None:
    message, details = describe_error(WrongPassphraseError("wrong passphrase"))
    assert message == "wrong passphrase" and details is None
    try:
        raise KeyError("boom")
    except KeyError as exc:
        message, details = describe_error(exc)
    assert "a bug" in message and details is not None and "KeyError" in details


def test_an_unhandled_failure_is_shown_in_a_message_box(ctx: AppContext, qtbot) -> None:
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)

    def work(job: Job) -> None:
        raise WrongPassphraseError("wrong passphrase: the store was not opened")

    op = Op(ctx.runner, work, parent=parent).run()
    qtbot.waitUntil(lambda: op.finished)
    boxes = parent.findChildren(QtWidgets.QMessageBox)
    assert [b.text() for b in boxes] == ["wrong passphrase: the store was not opened"]


def test_run_now_returns_the_result_or_raises(ctx: AppContext) -> None:
    assert run_now(ctx, lambda job: 41 + 1) == 42
    with pytest.raises(WrongPassphraseError):
        run_now(ctx, lambda job: (_ for _ in ()).throw(WrongPassphraseError("no")))
    assert QtCore.QThread.currentThread() is not None

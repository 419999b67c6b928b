"""Background work for the GUI: operations on two lanes, reported back through signals.

Anki's `Op(parent, fn).success(cb).failure(cb).run_in_background()` shape, on two single-thread
executors: the `db` lane runs the user's database changes (edit, pin, forget, approve, import,
sleep now) one after another, the `inference` lane runs the work that waits on the model (chat
turns, answers). A worker never touches a widget: the function gets a `Job` through which it
reports progress and learns that it was cancelled, and every callback runs on the GUI thread,
delivered by a queued signal. A cancelled job stops at its next progress report (the job raises
`CancelledError` there), so the core functions it calls clean up the way they do for any error:
transactions roll back, temporary files are removed.

Errors split the way `core.errors` splits them: an expected condition (wrong passphrase, corrupt
archive, disk full...) is shown as its one-line message; anything else is a bug and is shown with
its traceback.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from app.qt import QObject, Qt, QtWidgets, Signal, Slot
from core.errors import CancelledError, ExpectedError, MnemoError

log = logging.getLogger(__name__)

T = TypeVar("T")
LANES = ("db", "inference")


class Job:
    """What a background function sees: progress reporting and cancellation."""

    def __init__(self, bridge: _Bridge) -> None:
        self._bridge = bridge
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        return self._cancel

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        """Raise `CancelledError` if the user cancelled."""
        if self._cancel.is_set():
            raise CancelledError("cancelled: nothing was changed")

    def progress(self, done: int, total: int, label: str | None = None) -> None:
        """Report progress (total 0: unknown); stops the job here if it was cancelled."""
        self.check()
        self._bridge.progressed.emit(int(done), int(total), label or "")

    def emit(self, value: object) -> None:
        """Send an intermediate value (a streamed token, a partial result) to the GUI thread."""
        self._bridge.partial.emit(value)


class _Bridge(QObject):
    """Carries a job's events from its worker thread to the GUI thread.

    The signals are connected to this object's own methods, so Qt queues each call to the thread
    the bridge lives in (the GUI thread) whatever the Python callbacks are (lambdas included).
    """

    progressed = Signal(int, int, str)
    partial = Signal(object)
    finished = Signal(object, object)  # result, error

    def __init__(self) -> None:
        super().__init__()
        self.progress_callbacks: list[Callable[[int, int, str], None]] = []
        self.partial_callbacks: list[Callable[[object], None]] = []
        self.finish_callback: Callable[[object, object], None] | None = None
        queued = Qt.ConnectionType.QueuedConnection
        self.progressed.connect(self._progressed, queued)
        self.partial.connect(self._partial, queued)
        self.finished.connect(self._finished, queued)

    @Slot(int, int, str)
    def _progressed(self, done: int, total: int, label: str) -> None:
        for callback in self.progress_callbacks:
            callback(done, total, label)

    @Slot(object)
    def _partial(self, value: object) -> None:
        for callback in self.partial_callbacks:
            callback(value)

    @Slot(object, object)
    def _finished(self, result: object, error: object) -> None:
        if self.finish_callback is not None:
            self.finish_callback(result, error)


class Runner:
    """The GUI's two background lanes; one per application."""

    def __init__(self) -> None:
        self._lanes = {
            name: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"mnemo-{name}")
            for name in LANES
        }
        self._live: set[Op[Any]] = set()
        self._closed = False

    def submit(self, lane: str, fn: Callable[[], T]) -> Future[T]:
        if self._closed:
            raise RuntimeError("the background runner is shut down")
        return self._lanes[lane].submit(fn)

    def busy(self) -> bool:
        return bool(self._live)

    def shutdown(self, cancel: bool = True) -> None:
        """Cancel what runs (if asked), wait for the lanes to finish, refuse new work."""
        if cancel:
            for op in list(self._live):
                op.cancel()
        self._closed = True
        for lane in self._lanes.values():
            lane.shutdown(wait=True, cancel_futures=cancel)


class Op(Generic[T]):
    """One background operation: `Op(runner, fn).success(cb).failure(cb).run()`.

    `fn(job)` runs on the lane's thread; `success(result)`, `failure(error)`, `on_progress(done,
    total, label)` and `on_partial(value)` run on the GUI thread. Without a failure callback the
    error is shown in a message box over `parent`.
    """

    def __init__(
        self,
        runner: Runner,
        fn: Callable[[Job], T],
        lane: str = "db",
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        if lane not in LANES:
            raise ValueError(f"unknown lane {lane!r}")
        self.runner = runner
        self.fn = fn
        self.lane = lane
        self.parent = parent
        self._bridge = _Bridge()
        self.job = Job(self._bridge)
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._done: list[Callable[[], None]] = []
        self.result: T | None = None
        self.error: BaseException | None = None
        self.finished = False
        self._bridge.finish_callback = self._finish

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op[T]:
        self._failure = callback
        return self

    def on_progress(self, callback: Callable[[int, int, str], None]) -> Op[T]:
        self._bridge.progress_callbacks.append(callback)
        return self

    def on_partial(self, callback: Callable[[object], None]) -> Op[T]:
        self._bridge.partial_callbacks.append(callback)
        return self

    def on_done(self, callback: Callable[[], None]) -> Op[T]:
        """Called after success or failure (to re-enable a button, close a progress dialog)."""
        self._done.append(callback)
        return self

    def cancel(self) -> None:
        self.job.cancel()

    def run(self) -> Op[T]:
        self.runner._live.add(self)
        self.runner.submit(self.lane, self._work)
        return self

    def _work(self) -> None:
        try:
            result = self.fn(self.job)
        except BaseException as exc:  # delivered to the GUI thread, shown there
            self._bridge.finished.emit(None, exc)
        else:
            self._bridge.finished.emit(result, None)

    def _finish(self, result: Any, error: Any) -> None:
        self.runner._live.discard(self)
        self.finished = True
        self.result, self.error = result, error
        try:
            if error is None:
                if self._success is not None:
                    self._success(result)
            elif self._failure is not None:
                self._failure(error)
            else:
                show_error(self.parent, error)
        finally:
            for callback in self._done:
                callback()


def describe_error(error: BaseException) -> tuple[str, str | None]:
    """The one-line message for an expected error; for a bug, a message and its traceback."""
    if isinstance(error, ExpectedError):
        return error.message, None
    message = error.message if isinstance(error, MnemoError) else f"{type(error).__name__}: {error}"
    details = "".join(traceback.format_exception(error))
    return f"Something went wrong inside Mnemo (a bug): {message}", details


def show_error(parent: QtWidgets.QWidget | None, error: BaseException) -> None:
    """Show an expected error as its message; a bug with its traceback under 'Show Details'."""
    if isinstance(error, CancelledError):
        return
    message, details = describe_error(error)
    if details is not None:
        log.error("background operation failed:\n%s", details)
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(
        QtWidgets.QMessageBox.Icon.Warning
        if details is None
        else QtWidgets.QMessageBox.Icon.Critical
    )
    box.setWindowTitle("Mnemo")
    box.setText(message)
    if details:
        box.setDetailedText(details)
    box.setAccessibleName("Error message")
    if parent is None:  # nothing else holds a parentless box: keep it until it is closed
        _open_boxes.add(box)
        box.finished.connect(lambda _result: _open_boxes.discard(box))
    box.open()


_open_boxes: set[QtWidgets.QMessageBox] = set()


class ProgressDialog(QtWidgets.QProgressDialog):
    """A modal progress window for one long `Op`, with a Cancel button that cancels it."""

    def __init__(self, parent: QtWidgets.QWidget | None, title: str, op: Op[Any]) -> None:
        super().__init__(title, "Cancel", 0, 0, parent)
        self.setWindowTitle(title)
        self.setAccessibleName(f"{title} progress")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(300)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.op = op
        self.canceled.connect(self._cancel)
        op.on_progress(self._progress)
        op.on_done(self._close)

    def _progress(self, done: int, total: int, label: str) -> None:
        if total > 0:
            self.setMaximum(total)
            self.setValue(min(done, total))
        else:
            self.setMaximum(0)
        if label:
            self.setLabelText(label)

    def _cancel(self) -> None:
        self.setLabelText("Cancelling…")
        self.op.cancel()

    def _close(self) -> None:
        self.canceled.disconnect(self._cancel)
        self.reset()
        self.close()
        self.deleteLater()


def run_with_progress(
    parent: QtWidgets.QWidget | None,
    title: str,
    op: Op[T],
) -> ProgressDialog:
    """Start `op` with a progress window over `parent`; returns the window (tests drive it)."""
    dialog = ProgressDialog(parent, title, op)
    op.run()
    return dialog

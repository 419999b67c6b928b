"""The Qt binding itself: the installed PySide6 must keep Python's reference counts intact."""

from __future__ import annotations

import sys

from app.qt import QObject, QtWidgets, Signal


class Pinger(QObject):
    ping = Signal()


def test_signals_and_widget_calls_leave_none_true_and_false_alone(qapp: object) -> None:
    # PySide6 6.12.0 on Python 3.11 releases a reference it never took on each emit and on each
    # call returning None; a few hundred calls later the interpreter aborts. pyproject excludes it.
    pinger = Pinger()
    pinger.ping.connect(lambda: None)
    label = QtWidgets.QLabel()
    before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(200):
        pinger.ping.emit()
        label.setText("x")
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5, (before, after)

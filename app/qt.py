"""The one place Mnemo imports Qt from.

Every GUI module imports its Qt names from here (`from app.qt import QtCore, QtWidgets, Signal`),
never from PySide6 directly, so the binding, its version checks and the process-wide Qt
settings live in one file (qutebrowser's `qt` shim does the same). Importing this module does not
create an application object; `app.main` does that.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtGui, QtTest, QtWidgets
from PySide6.QtCore import Property, QObject, Qt, QThread, QTimer, Signal, Slot

__all__ = [
    "QT_VERSION",
    "Property",
    "QObject",
    "QThread",
    "QTimer",
    "Qt",
    "QtCore",
    "QtGui",
    "QtTest",
    "QtWidgets",
    "Signal",
    "Slot",
]

QT_VERSION = QtCore.qVersion()


class _Probe(QObject):
    ping = Signal()


def _bool_reference_lost() -> bool:
    """Whether this PySide6 returns `emit`'s True without owning a reference (6.12.0 does)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before - 4  # 8 lost when it does; noise stays under 4


def _balanced(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if isinstance(result, bool):
            _incref(result)
        return result

    return call


# PySide6 6.12.0's SignalInstance.emit and .disconnect hand back True or False without a
# reference of their own, so every call from Python takes one from the bool: after a few hundred
# emits the interpreter aborts ("Fatal Python error: bool_dealloc"). Where the bug is present,
# both methods give the reference back; a fixed PySide6 is left untouched.
if _bool_reference_lost():
    _incref = ctypes.pythonapi.Py_IncRef
    _incref.argtypes = [ctypes.py_object]
    _incref.restype = None
    QtCore.SignalInstance.emit = _balanced(QtCore.SignalInstance.emit)  # type: ignore[method-assign]
    QtCore.SignalInstance.disconnect = _balanced(QtCore.SignalInstance.disconnect)  # type: ignore[method-assign]

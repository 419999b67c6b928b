"""The one place Mnemo imports Qt from.

Every GUI module imports its Qt names from here (`from app.qt import QtCore, QtWidgets, Signal`),
never from PySide6 directly, so the binding, its version checks and the process-wide Qt
settings live in one file (qutebrowser's `qt` shim does the same). Importing this module does not
create an application object; `app.main` does that.
"""

from __future__ import annotations

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

"""Fixtures for capture tests: a real headless X desktop (`xserver`, `xdisplay`) and its windows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.core.capture.xdesktop import XServer, XWindow, open_window, require_tools, screenshot


@pytest.fixture(scope="session")
def xserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XServer]:
    """Xvfb 1920x1080 with openbox, shared by the session (started on first use)."""
    require_tools()
    with XServer(tmp_path_factory.mktemp("xserver")) as server:
        yield server


@pytest.fixture(scope="session")
def xdisplay(xserver: XServer) -> str:
    """The test desktop's display name, e.g. ":1"."""
    return xserver.display


@pytest.fixture
def xwindows(
    xdisplay: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., XWindow]]:
    """`open_window` on the test display; every window is closed after the test.

    A failing test leaves a screenshot of the desktop in its tmp_path, to see what was on screen.
    """
    opened: list[XWindow] = []

    def open_(*args: Any, **kwargs: Any) -> XWindow:
        window = open_window(xdisplay, *args, **kwargs)
        opened.append(window)
        return window

    yield open_
    try:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            screenshot(xdisplay, tmp_path / "screen.png")
    finally:
        for window in opened:
            window.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can tell the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report

"""Terminal progress bars (tqdm on stderr) for long CLI operations; silent when not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Update = Callable[[int, int], None]


@contextmanager
def progress_bar(label: str, unit: str = "item", enabled: bool | None = None) -> Iterator[Update]:
    """Yield an `update(done, total)` callback drawing a bar; a no-op off a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda done, total: None
        return
    from tqdm import tqdm

    bar = tqdm(desc=label, unit=unit, unit_scale=unit == "B", file=sys.stderr, leave=False)
    try:

        def update(done: int, total: int) -> None:
            bar.total = total or None
            bar.n = done
            bar.refresh()

        yield update
    finally:
        bar.close()

"""Talking to the person at the terminal: passphrase prompts and progress bars (tqdm on stderr).

Both stay silent when there is no terminal: the passphrase then comes from MNEMO_PASSPHRASE only,
and progress is not drawn.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from core.errors import InvalidInputError
from core.keys import PassphraseProvider, passphrase_from_env


class Update(Protocol):
    """Progress so far; `label` renames the bar (a new phase of the same job)."""

    def __call__(self, done: int, total: int, label: str | None = None) -> None: ...


@contextmanager
def progress_bar(label: str, unit: str = "item", enabled: bool | None = None) -> Iterator[Update]:
    """Yield an `update(done, total)` callback drawing a bar; a no-op off a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:

        def nothing(done: int, total: int, label: str | None = None) -> None:
            pass

        yield nothing
        return
    from tqdm import tqdm

    bar = tqdm(desc=label, unit=unit, unit_scale=unit == "B", file=sys.stderr, leave=False)
    try:

        def update(done: int, total: int, label: str | None = None) -> None:
            if label is not None:
                bar.set_description(label, refresh=False)
            bar.total = total or None
            bar.n = done
            bar.refresh()

        yield update
    finally:
        bar.close()


def _prompt(confirm: bool) -> Callable[[], str | None] | None:
    if not sys.stdin.isatty():
        return None

    def ask() -> str | None:
        first = getpass.getpass("Mnemo passphrase: ")
        if confirm and getpass.getpass("Repeat passphrase: ") != first:
            raise InvalidInputError("the two passphrases differ")
        return first

    return ask


def passphrase_provider(confirm: bool = False) -> PassphraseProvider:
    """MNEMO_PASSPHRASE, else a prompt on the terminal (asked twice when `confirm`)."""
    return passphrase_from_env(_prompt(confirm))

"""`mnemo sleep`: run the sleep job by hand, dry-run it, show its last report; and the nightly
scheduler that long-running Mnemo processes (`mnemo capture run`, later the tray) host.

The scheduled job opens its own connection to the store (`Store.sibling`), so its short batches
interleave with capture's writes, and it shares the process's model through `SerialLLM`, which
lets one operation run at a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TextIO

from app.model_commands import configured_llm
from app.terminal import progress_bar
from core.home import Home
from core.ports import LLM
from core.settings import Settings
from core.sleep.common import PHASES
from core.sleep.conditions import MachineConditions
from core.sleep.runner import SleepReport, last_finished, load_report, pending_run, run_sleep
from core.sleep.schedule import SleepScheduler
from core.store import Store

Opener = Callable[[argparse.Namespace], Any]


class SerialLLM:
    """One model shared by threads (capture's pipeline and the sleep job): one call at a time."""

    def __init__(self, llm: LLM) -> None:
        self._llm = llm
        self._lock = threading.Lock()

    def run(self, operation: str, prompt: str, schema: Mapping[str, Any]) -> Any:
        with self._lock:
            return self._llm.run(operation, prompt, schema)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._llm.count_tokens(text)

    def input_budget(self, operation: str) -> int:
        return self._llm.input_budget(operation)


def describe(report: SleepReport) -> str:
    """The report as a person reads it: one line per phase, then what was merged and faded."""
    head = "Dry run (nothing was changed)" if report.dry_run else f"Sleep run {report.run_id[:8]}"
    when = report.now.astimezone().strftime("%Y-%m-%d %H:%M")
    lines = [f"{head}: {report.trigger}, as of {when}, {report.status}, {report.seconds:.1f} s"]
    if report.resumed:
        lines.append("  (finished a run that had been interrupted)")
    if report.error and report.status != "done":
        lines.append(f"  stopped: {report.error}")
    for phase, data in report.phases.items():
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in data["counts"].items())
        note = data.get("note") or ""
        detail = "; ".join(x for x in (counts or "nothing to do", note) if x)
        lines.append(f"  {phase:<13}{detail} ({data['seconds']:.1f} s)")
    for phase, kind, label in (
        ("consolidate", "merged", "Merged"),
        ("decay", "faded", "Faded to the cold tier"),
        ("summarise", "days", "Day summaries"),
        ("evolve", "evolved", "Refined"),
    ):
        items = report.phases.get(phase, {}).get("examples", {}).get(kind, [])
        if items:
            lines.append(f"{label}:")
            lines += [f"  - {item.get('text', '')}" for item in items[:10]]
    return "\n".join(lines) + "\n"


@contextmanager
def phase_progress(enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """One progress bar on stderr, labelled with the phase being run; silent off a terminal."""
    with progress_bar("sleep", "item", enabled) as update:
        yield lambda phase, done, total: update(done, total, f"sleep: {phase}")


def cmd_sleep(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    with opened(args) as (store, settings, home):
        if args.report:
            report = load_report(store)
            if report is None:
                out.write("No sleep run yet: 'mnemo sleep' runs one now.\n")
                return 0
            _emit(report, args.json, out)
            return 0
        with (
            configured_llm(settings, home) as llm,
            phase_progress(sys.stderr.isatty() and not args.json) as progress,
        ):
            reports = []
            pending = None if args.dry_run else pending_run(store)
            if pending is not None and args.phase:
                # Finish the interrupted run first, then the phases asked for.
                reports.append(run_sleep(store, settings, home=home, llm=llm, progress=progress))
            reports.append(
                run_sleep(
                    store,
                    settings,
                    home=home,
                    llm=llm,
                    phases=args.phase,
                    dry_run=args.dry_run,
                    progress=progress,
                )
            )
    for report in reports:
        _emit(report, args.json, out)
    return 0


def _emit(report: SleepReport, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(report.as_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(describe(report))


def nightly(store: Store, settings: Settings, home: Home, llm: LLM | None) -> SleepScheduler | None:
    """The nightly scheduler for a long-running process, started; None if turned off."""
    if not settings.sleep.enabled:
        return None

    def job(trigger: str) -> None:
        with store.sibling() as own:
            run_sleep(own, settings, home=home, llm=llm, trigger=trigger)

    def last_run() -> datetime | None:
        with store.sibling() as own:
            return last_finished(own)

    scheduler = SleepScheduler(job, settings.sleep, MachineConditions(settings.sleep), last_run)
    scheduler.start()
    return scheduler


def add_parser(sub: Any, opened: Opener) -> None:
    p = sub.add_parser(
        "sleep",
        help="tidy memories now: merge duplicates, summarise days, fade, link (--dry-run first)",
    )
    p.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    p.add_argument(
        "--phase", action="append", choices=list(PHASES), help="run only this phase (repeatable)"
    )
    p.add_argument("--report", action="store_true", help="show the last run's report")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda args, out: cmd_sleep(args, out, opened))

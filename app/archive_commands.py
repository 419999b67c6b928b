"""`mnemo export` and `mnemo import archive`: encrypted archives, and plain Markdown or JSONL.

The archive passphrase is the archive's own (not the store's): MNEMO_ARCHIVE_PASSPHRASE, else asked
on the terminal (twice when exporting). `--recipient age1...` encrypts to a public key instead, and
`--identity FILE` opens such an archive.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from app.terminal import progress_bar
from core.archive import age
from core.archive.export import ExportReport, Selection, export_archive
from core.archive.importer import ImportReport, import_archive
from core.archive.plain import export_jsonl, export_markdown
from core.errors import InvalidInputError, PassphraseRequiredError
from core.memory import MemoryType

Opener = Callable[[argparse.Namespace], Any]
ParseWhen = Callable[..., datetime]
ENV = "MNEMO_ARCHIVE_PASSPHRASE"


def archive_passphrase(confirm: bool) -> Callable[[], str]:
    """MNEMO_ARCHIVE_PASSPHRASE, else a prompt on the terminal; never an empty one."""

    def ask() -> str:
        value = os.environ.get(ENV)
        if value is None:
            if not sys.stdin.isatty():
                raise PassphraseRequiredError(
                    f"an archive passphrase is needed: set {ENV} or run in a terminal"
                )
            value = getpass.getpass("Archive passphrase: ")
            if confirm and getpass.getpass("Repeat archive passphrase: ") != value:
                raise InvalidInputError("the two passphrases differ")
        if not value:
            raise InvalidInputError("an archive passphrase cannot be empty")
        return value

    return ask


def cmd_export(args: argparse.Namespace, out: TextIO, opened: Opener, when: ParseWhen) -> int:
    selection = Selection(
        since=when(args.since) if args.since else None,
        until=when(args.until, end=True) if args.until else None,
        types=[MemoryType(t) for t in args.type or []],
        frames=not args.no_frames,
        vault=args.include_vault,
    )
    target = Path(args.target)
    if args.format != "mnemo" and args.recipient:
        raise InvalidInputError("--recipient applies to encrypted archives only (--format mnemo)")
    passphrase = None
    if args.format == "mnemo" and not args.recipient:
        passphrase = archive_passphrase(confirm=True)()
    elif args.recipient:
        age.parse_recipient(args.recipient)  # a typo is reported before the store is opened
    with opened(args) as (store, settings, home):
        if args.format == "markdown":
            counts = export_markdown(store, target, selection)
            result: dict[str, Any] = {"path": str(target), "format": "markdown", "counts": counts}
            summary = f"Wrote {counts['memories']} memories as {counts['days']} day notes"
        elif args.format == "jsonl":
            counts = export_jsonl(store, target, selection)
            result = {"path": str(target), "format": "jsonl", "counts": counts}
            summary = f"Wrote {sum(counts.values())} records"
        else:
            with progress_bar("exporting", unit="record") as update:
                report = export_archive(
                    store,
                    target,
                    selection,
                    passphrase=passphrase,
                    recipient=args.recipient,
                    frames_dir=home.frames_dir,
                    progress=update,
                    work=settings.archive.work,
                )
            result = {
                "path": str(target),
                "format": "mnemo",
                "counts": report.counts,
                "bytes": report.archive_bytes,
                "verified": report.verified,
                "encrypted_to": report.encrypted_to,
                "seconds": round(report.seconds, 3),
            }
            summary = describe_export(report)
    if args.json:
        out.write(json.dumps(result) + "\n")
    else:
        out.write(f"{summary} to {target}.\n")
        if args.format != "mnemo":
            out.write("This export is not encrypted: keep it somewhere private.\n")
        elif args.recipient:
            out.write("Encrypted to that public key: only its identity file opens it.\n")
        else:
            out.write("Encrypted with your archive passphrase ('age -d' opens it too).\n")
    return 0


def describe_export(report: ExportReport) -> str:
    """What an encrypted export wrote, in one line (without where)."""
    counts = report.counts
    return (
        f"Wrote {counts.get('memories', 0)} memories, {counts.get('observations', 0)} "
        f"observations, {counts.get('links', 0)} links, {counts.get('frames', 0)} frames "
        f"({report.archive_bytes / 1e6:.1f} MB)"
    )


def describe_import(report: ImportReport) -> str:
    added = ", ".join(f"{n} {kind}" for kind, n in report.added.items()) or "nothing new"
    head = "Dry run (nothing was written): would add" if report.dry_run else "Imported"
    lines = [f"{head} {added} from {report.path}."]
    present = sum(report.present.values())
    if present:
        lines.append(f"{present} records were already here and were left as they are.")
    if report.continued or report.diverged:
        lines.append(
            f"{report.continued} memories continued with newer versions; {report.diverged} "
            "changed on both sides kept both versions (the newest is current)."
        )
    for why, n in report.skipped.items():
        lines.append(f"Skipped {n} {why}.")
    if report.quarantined:
        lines.append(
            f"{report.quarantined} memories look like instructions to a model and wait for review "
            "('mnemo memories review')."
        )
    return "\n".join(lines) + "\n"


def cmd_import_archive(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    identities = age.load_identities(Path(args.identity)) if args.identity else None
    with opened(args) as (store, _settings, home), progress_bar("importing", "record") as update:
        report = import_archive(
            store,
            Path(args.file),
            archive_passphrase(confirm=False),
            identities=identities,
            frames_dir=home.frames_dir,
            dry_run=args.dry_run,
            progress=update,
        )
    if args.json:
        out.write(
            json.dumps(
                {
                    "path": str(report.path),
                    "dry_run": report.dry_run,
                    "added": report.added,
                    "present": report.present,
                    "skipped": report.skipped,
                    "continued": report.continued,
                    "diverged": report.diverged,
                    "quarantined": report.quarantined,
                    "seconds": round(report.seconds, 3),
                }
            )
            + "\n"
        )
    else:
        out.write(describe_import(report))
    return 0


def add_parser(sub: Any, imports: Any, opened: Opener, when: ParseWhen) -> None:
    p = sub.add_parser(
        "export",
        help="export memories to an encrypted archive (or Markdown notes, or JSONL)",
        description="Write memories to one encrypted .mnemo archive (age format), or to plain "
        "Markdown notes (--format markdown DIR) or one JSONL file (--format jsonl FILE).",
    )
    p.add_argument("target", metavar="FILE", help="the archive (or folder, for markdown)")
    p.add_argument("--format", choices=["mnemo", "markdown", "jsonl"], default="mnemo")
    p.add_argument("--since", help="only memories from this date (ISO date or 'last month')")
    p.add_argument("--until", help="only memories up to this date (inclusive)")
    p.add_argument(
        "--type", action="append", choices=[str(t) for t in MemoryType], help="only this type"
    )
    p.add_argument("--no-frames", action="store_true", help="leave the screen thumbnails out")
    p.add_argument("--include-vault", action="store_true", help="include vault memories")
    p.add_argument("--recipient", metavar="AGE_PUBKEY", help="encrypt to an age public key")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda args, out: cmd_export(args, out, opened, when))

    c = imports.add_parser("archive", help="a .mnemo archive: verified whole, then merged")
    c.add_argument("file", metavar="FILE.mnemo")
    c.add_argument("--dry-run", action="store_true", help="verify and report, write nothing")
    c.add_argument("--identity", metavar="FILE", help="age identity file, for a public-key archive")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=lambda args, out: cmd_import_archive(args, out, opened))

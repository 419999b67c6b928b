"""The `mnemo` command line: a thin adapter over `core`, and the CLI's composition root.

Every command that prints data takes `--json`. Expected errors (`core.errors.ExpectedError`) print
one line on stderr and exit with status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from app.archive_commands import add_parser as add_archive_parser
from app.capture_commands import add_parser as add_capture_parser
from app.chat_commands import add_parser as add_chat_parser
from app.model_commands import add_parser as add_models_parser
from app.model_commands import configured_llm, make_embedder, reembed_store
from app.sleep_commands import add_parser as add_sleep_parser
from app.terminal import passphrase_provider, progress_bar
from core.chats import import_chats
from core.dates import find_dates, start_of_day
from core.errors import ExpectedError, InvalidInputError, MnemoError
from core.home import Home
from core.keys import system_keyring
from core.memory import Decision, Memory, MemoryType
from core.pipeline.ingest import Pipeline
from core.pipeline.rules import SpeakerRoles
from core.profile import init_store, open_store
from core.retrieval import Hit, Retriever
from core.settings import Settings
from core.store import MemoryFilter, Store

VAULT_HIDDEN = "[vault memory hidden: 'mnemo memories show {id} --reveal' shows it]"


# -- wiring ----------------------------------------------------------------------------------
@contextmanager
def opened(args: argparse.Namespace) -> Iterator[tuple[Store, Settings, Home]]:
    home = Home.resolve(args.home)
    settings = Settings.load(home.settings_path)
    store = open_store(
        home, settings, make_embedder(settings, home), passphrase_provider(), system_keyring()
    )
    try:
        yield store, settings, home
    finally:
        store.close()


# -- helpers ---------------------------------------------------------------------------------
def parse_when(text: str, end: bool = False, now: datetime | None = None) -> datetime:
    """An ISO date/time or a phrase like 'yesterday' / '3 days ago'; date-only `end` is inclusive."""
    now = now or datetime.now().astimezone()
    try:
        value = datetime.fromisoformat(text)
        date_only = len(text.strip()) <= 10
    except ValueError:
        mentions = find_dates(text, now)
        if len(mentions) != 1 or mentions[0].text.strip().lower() != text.strip().lower():
            raise InvalidInputError(f"cannot read the date {text!r} (try 2026-03-10)") from None
        value = start_of_day(mentions[0].day, now)
        date_only = True
    if value.tzinfo is None:
        value = value.astimezone()
    if end and date_only:
        value += timedelta(days=1)
    return value


def build_filter(args: argparse.Namespace) -> MemoryFilter:
    return MemoryFilter(
        types=[MemoryType(t) for t in (args.type or [])],
        since=parse_when(args.since) if args.since else None,
        until=parse_when(args.until, end=True) if args.until else None,
        sources=args.source or [],
        apps=args.app or [],
        include_superseded=getattr(args, "include_superseded", False),
        include_cold=getattr(args, "include_cold", False),
    )


def shown_text(memory: Memory, reveal: bool = False) -> str:
    if memory.type is MemoryType.VAULT and not reveal:
        return VAULT_HIDDEN.format(id=memory.id)
    return memory.text


def source_ids(store: Store, memory: Memory) -> list[str]:
    """Source ids as the user knows them: the external id (chat line id) where there is one."""
    observations = store.observations(memory.sources)
    return [(observations[o].external_id or o) if o in observations else o for o in memory.sources]


def memory_dict(store: Store, memory: Memory, reveal: bool = False) -> dict[str, Any]:
    return {
        "memory_id": memory.id,
        "type": str(memory.type),
        "text": shown_text(memory, reveal),
        "fields": memory.fields if memory.type is not MemoryType.VAULT or reveal else {},
        "valid_from": memory.valid_from.isoformat() if memory.valid_from else None,
        "valid_to": memory.valid_to.isoformat() if memory.valid_to else None,
        "recorded_at": memory.recorded_at.isoformat(),
        "superseded_at": memory.superseded_at.isoformat() if memory.superseded_at else None,
        "version": memory.version,
        "supersedes": memory.supersedes,
        "importance": memory.importance,
        "strength": memory.strength,
        "recall_count": memory.recall_count,
        "tier": str(memory.tier),
        "pinned": memory.pinned,
        "status": str(memory.status),
        "sources": source_ids(store, memory),
        "observation_ids": memory.sources,
    }


def decision_dict(decision: Decision, memory: Memory, reveal: bool) -> dict[str, Any]:
    hidden = memory.type is MemoryType.VAULT and not reveal
    return {
        "time": decision.time.isoformat(),
        "action": str(decision.action),
        "decided_by": decision.decided_by,
        "reason": decision.reason,
        "candidate": "[vault: hidden]" if hidden else decision.candidate,
        "target_id": decision.target_id,
        "result_id": decision.result_id,
        "observation_ids": decision.observations,
    }


def hit_dict(store: Store, hit: Hit) -> dict[str, Any]:
    return {
        "memory_id": hit.memory.id,
        "type": str(hit.memory.type),
        "text": shown_text(hit.memory),
        "score": round(hit.score, 6),
        "sources": source_ids(store, hit.memory),
        "breakdown": hit.breakdown,
    }


def emit(data: Any, out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")


def print_hits(store: Store, hits: Sequence[Hit], out: TextIO, explain: bool) -> None:
    if not hits:
        out.write("No memories match.\n")
        return
    for n, hit in enumerate(hits, start=1):
        memory = hit.memory
        when = (memory.valid_from or memory.recorded_at).strftime("%Y-%m-%d")
        out.write(f"{n:>2}. [{memory.type}] {shown_text(memory)}\n")
        out.write(
            f"    {when} · id {memory.id} · sources {', '.join(source_ids(store, memory))}"
            f" · score {hit.score:.4f}\n"
        )
        if explain:
            parts = ", ".join(
                f"{name} #{p['rank']} ({p['raw']:.3f})" for name, p in hit.breakdown.items()
            )
            out.write(f"    why: {parts}\n")


# -- commands --------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    home = Home.resolve(args.home)
    settings = Settings.load(home.settings_path)
    keyring = system_keyring()
    storage = args.key_storage or settings.keys.storage
    store = init_store(
        home,
        settings,
        make_embedder(settings, home),
        passphrase_provider(confirm=True),
        keyring,
        storage=storage,
    )
    store.close()
    where = (
        "the OS keyring"
        if (storage == "keyring" or (storage == "auto" and keyring))
        else ("key.json, protected by your passphrase")
    )
    if args.json:
        emit({"home": str(home.data_dir), "database": str(home.db_path), "key": where}, out)
    else:
        out.write(
            f"Created an encrypted Mnemo store in {home.data_dir}\nThe key is kept in {where}.\n"
        )
    return 0


def cmd_import_chats(args: argparse.Namespace, out: TextIO) -> int:
    with opened(args) as (store, settings, home):
        roles = SpeakerRoles.of(settings.chat.user_names, settings.chat.assistant_names)
        batch = args.batch_size or settings.store.import_batch_size
        shown = sys.stderr.isatty() and not args.json
        with (
            configured_llm(settings, home) as llm,
            progress_bar("importing", "line", shown) as progress,
        ):
            pipeline = Pipeline(store, roles, llm, settings.pipeline)
            report = import_chats(store, Path(args.file), roles, batch, progress, pipeline)
    if args.json:
        emit(report.as_dict(), out)
    else:
        kinds = ", ".join(f"{n} {t}" for t, n in sorted(report.by_type.items())) or "none"
        out.write(
            f"Read {report.lines} lines: {report.observations_added} new, "
            f"{report.already_imported} already imported.\n"
            f"Added {report.memories_added} memories ({kinds}); "
            f"{report.duplicates_merged} repeats joined existing memories; "
            f"{report.updated} updated, {report.ended} ended, "
            f"{report.quarantined} quarantined for review.\n"
        )
        if report.secrets_redacted:
            out.write(f"Redacted {report.secrets_redacted} secrets before storing.\n")
    return 0


def cmd_search(args: argparse.Namespace, out: TextIO) -> int:
    if bool(args.batch) == bool(args.query):
        raise InvalidInputError("give either a QUERY or --batch FILE")
    with opened(args) as (store, settings, _home):
        retriever = Retriever(store, settings.retrieval)
        filt = build_filter(args)
        if args.batch:
            for qid, query in _read_queries(Path(args.batch)):
                hits = retriever.search(query, args.k, filt)
                emit({"id": qid, "results": [hit_dict(store, h) for h in hits]}, out)
            return 0
        hits = retriever.search(" ".join(args.query), args.k, filt)
        if args.json:
            emit(
                {"query": " ".join(args.query), "results": [hit_dict(store, h) for h in hits]}, out
            )
        else:
            print_hits(store, hits, out, args.explain)
    return 0


def _read_queries(path: Path) -> list[tuple[Any, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read {path}: {exc}") from None
    queries = []
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{path.name}, line {n}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or "id" not in obj or not isinstance(obj.get("query"), str):
            raise InvalidInputError(f'{path.name}, line {n}: expected {{"id", "query"}}')
        queries.append((obj["id"], obj["query"]))
    return queries


def cmd_memories(args: argparse.Namespace, out: TextIO) -> int:
    with opened(args) as (store, _settings, _home):
        if args.memories_command == "list":
            memories = store.list_memories(build_filter(args), limit=args.limit)
            if args.json:
                for memory in memories:
                    emit(memory_dict(store, memory), out)
            elif not memories:
                out.write("No memories yet.\n")
            else:
                for memory in memories:
                    when = (memory.valid_from or memory.recorded_at).strftime("%Y-%m-%d")
                    out.write(f"{memory.id}  {when}  {memory.type:<10}  {shown_text(memory)}\n")
        elif args.memories_command == "show":
            chain = store.versions(args.id)
            target = store.get_memory(args.id)
            if target.is_current and not args.no_recall:
                # Opening a memory is a recall: its decay clock restarts, a faded one is hot again.
                store.mark_recalled([target.id], datetime.now().astimezone())
                target = store.get_memory(target.id)
            decisions = store.decisions_for([m.id for m in chain])
            if args.json:
                data = memory_dict(store, target, args.reveal)
                data["versions"] = [memory_dict(store, m, args.reveal) for m in chain]
                data["decisions"] = [decision_dict(d, target, args.reveal) for d in decisions]
                emit(data, out)
            else:
                _print_memory(store, target, chain, args.reveal, out)
                if decisions:
                    out.write("  decisions:\n")
                for d in decisions:
                    item = decision_dict(d, target, args.reveal)
                    out.write(
                        f"    {d.time:%Y-%m-%d %H:%M} {d.action} by {d.decided_by}: {item['reason']}"
                        f"\n      candidate: {item['candidate']}\n"
                    )
        elif args.memories_command == "review":
            waiting = store.list_memories(MemoryFilter(quarantined=True), limit=args.limit)
            if args.json:
                for memory in waiting:
                    emit(memory_dict(store, memory), out)
            elif not waiting:
                out.write("Nothing is waiting for review.\n")
            else:
                out.write(
                    "Quarantined (never used in answers): approve with 'mnemo memories approve "
                    "ID', erase with 'mnemo memories forget ID'.\n"
                )
                for memory in waiting:
                    why = ", ".join(memory.fields.get("quarantine", [])) or "flagged"
                    out.write(f"{memory.id}  [{why}]  {memory.text}\n")
        elif args.memories_command == "approve":
            target = store.approve(args.id)
            if args.json:
                emit({"approved": target.id}, out)
            else:
                out.write(f"Approved {target.id}: it can now be used in answers.\n")
        elif args.memories_command == "pin":
            target = store.set_pinned(args.id, not args.off)
            if args.json:
                emit({"memory_id": target.id, "pinned": target.pinned}, out)
            else:
                verb = "Pinned" if target.pinned else "Unpinned"
                out.write(f"{verb} {target.id}: {shown_text(target)}\n")
        elif args.memories_command == "forget":
            target = store.get_memory(args.id)
            if not args.yes:
                if not sys.stdin.isatty():
                    raise InvalidInputError("forgetting erases the memory: add --yes to confirm")
                answer = input(f"Erase {target.id} and all its versions for good? [y/N] ")
                if answer.strip().lower() not in ("y", "yes"):
                    out.write("Nothing was erased.\n")
                    return 1
            erased = store.forget(target.id)
            if args.json:
                emit({"erased": erased}, out)
            else:
                out.write(f"Erased {len(erased)} version(s) of {target.id}.\n")
    return 0


def _print_memory(
    store: Store, memory: Memory, chain: list[Memory], reveal: bool, out: TextIO
) -> None:
    out.write(f"{memory.id}  [{memory.type}]  v{memory.version}  {memory.status}, {memory.tier}\n")
    out.write(f"  {shown_text(memory, reveal)}\n")
    if memory.valid_from:
        out.write(f"  valid from {memory.valid_from.isoformat()}")
        out.write(f" to {memory.valid_to.isoformat()}\n" if memory.valid_to else "\n")
    out.write(f"  recorded {memory.recorded_at.isoformat()}")
    out.write(
        f", superseded {memory.superseded_at.isoformat()}\n" if memory.superseded_at else "\n"
    )
    if memory.fields and (memory.type is not MemoryType.VAULT or reveal):
        out.write(f"  fields {json.dumps(memory.fields, ensure_ascii=False)}\n")
    observations = store.observations(memory.sources)
    for obs_id in memory.sources:
        obs = observations.get(obs_id)
        if obs is None:
            continue
        label = obs.external_id or obs.id
        who = f"{obs.speaker}, " if obs.speaker else ""
        out.write(f"  source {obs.source} {label} ({who}{obs.time.isoformat()})\n")
    if len(chain) > 1:
        out.write("  versions:\n")
        for version in chain:
            mark = "*" if version.id == memory.id else " "
            out.write(f"   {mark} v{version.version} {version.id} {shown_text(version, reveal)}\n")


def cmd_stats(args: argparse.Namespace, out: TextIO) -> int:
    with opened(args) as (store, _settings, home):
        stats = store.stats()
    stats["home"] = str(home.data_dir)
    if args.json:
        emit(stats, out)
        return 0
    out.write(f"Store: {stats['home']} ({stats['database_bytes'] / 1e6:.1f} MB, encrypted)\n")
    out.write(f"Memories: {stats['memories']} current, {stats['versions']} versions in all\n")
    for kind, count in stats["by_type"].items():
        out.write(f"  {kind:<11}{count}\n")
    observations = ", ".join(f"{n} {k}" for k, n in stats["observations"].items()) or "none"
    out.write(f"Observations: {observations}\nLinks: {stats['links']}\n")
    out.write(f"Embedder: {stats['embedder']['name']} ({stats['embedder']['dim']} dimensions)\n")
    return 0


def cmd_reindex(args: argparse.Namespace, out: TextIO) -> int:
    home = Home.resolve(args.home)
    settings = Settings.load(home.settings_path)
    reembed_store(home, settings, make_embedder(settings, home), out)
    return 0


def cmd_tour(args: argparse.Namespace, out: TextIO) -> int:
    from app.tour import run_tour

    return run_tour(out)


# -- parser ----------------------------------------------------------------------------------
def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return parse


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--type", action="append", choices=[t.value for t in MemoryType])
    parser.add_argument("--since", help="only memories from this date/time on (or 'yesterday')")
    parser.add_argument("--until", help="only memories up to this date (inclusive)")
    parser.add_argument("--source", action="append", choices=["chat", "screen", "import"])
    parser.add_argument("--app", action="append", help="only memories seen in this application")
    parser.add_argument("--include-superseded", action="store_true", help="older versions too")
    parser.add_argument("--include-cold", action="store_true", help="faded memories too")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mnemo",
        description="Mnemo: a private, local memory of what you saw and said. "
        "With no command, the desktop app starts.",
    )
    parser.add_argument("--home", help="profile folder (default: MNEMO_HOME or the platform dirs)")
    parser.add_argument("--version", action="version", version="mnemo 0.1.0")
    parser.add_argument(
        "--hidden", action="store_true", help="start the desktop app in the tray, window hidden"
    )
    parser.add_argument("--smoke", type=float, default=0.0, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create an encrypted store")
    p.add_argument("--key-storage", choices=["auto", "keyring", "passphrase"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="import chat transcripts or a memory archive")
    isub = p.add_subparsers(dest="import_command", metavar="KIND", required=True)
    c = isub.add_parser("chats", help="a chat transcript in JSONL")
    c.add_argument("file", metavar="FILE.jsonl")
    c.add_argument("--batch-size", type=_bounded(1, 100_000), help="lines per transaction")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_import_chats)
    add_archive_parser(sub, isub, opened, parse_when)

    p = sub.add_parser("search", help="hybrid search over memories")
    p.add_argument("query", nargs="*")
    p.add_argument("--k", type=_bounded(1, 1000), default=10, help="how many results (1-1000)")
    p.add_argument("--batch", metavar="QUERIES.jsonl", help="one {id, query} per line")
    p.add_argument("--explain", action="store_true", help="show each result's score breakdown")
    p.add_argument("--json", action="store_true")
    _filters(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("memories", help="list, show, review, approve or forget memories")
    msub = p.add_subparsers(dest="memories_command", metavar="ACTION", required=True)
    m = msub.add_parser("list", help="newest first")
    m.add_argument("--limit", type=_bounded(1, 1_000_000), default=50)
    m.add_argument("--json", action="store_true")
    _filters(m)
    m = msub.add_parser("show", help="one memory with its sources and versions")
    m.add_argument("id")
    m.add_argument("--reveal", action="store_true", help="show a vault memory's text")
    m.add_argument("--no-recall", action="store_true", help="look without counting it as a recall")
    m.add_argument("--json", action="store_true")
    m = msub.add_parser("review", help="memories quarantined for instruction-like text")
    m.add_argument("--limit", type=_bounded(1, 1_000_000), default=100)
    m.add_argument("--json", action="store_true")
    m = msub.add_parser("approve", help="release a quarantined memory for use in answers")
    m.add_argument("id")
    m.add_argument("--json", action="store_true")
    m = msub.add_parser("pin", help="keep a memory: it never fades to the cold tier")
    m.add_argument("id")
    m.add_argument("--off", action="store_true", help="unpin it")
    m.add_argument("--json", action="store_true")
    m = msub.add_parser("forget", help="erase a memory and all its versions")
    m.add_argument("id")
    m.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    m.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_memories)

    p = sub.add_parser("stats", help="what the store holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("reindex", help="re-embed every memory with the configured embedder")
    p.set_defaults(func=cmd_reindex)

    add_chat_parser(sub, opened)
    add_capture_parser(sub, opened)
    add_sleep_parser(sub, opened)
    add_models_parser(sub)

    p = sub.add_parser("tour", help="a short guided tour on sample data (touches nothing of yours)")
    p.set_defaults(func=cmd_tour)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        from app.main import main as desktop_app

        gui_args = ["--hidden"] if args.hidden else []
        if args.home:
            gui_args += ["--home", args.home]
        if args.smoke:
            gui_args += ["--smoke", str(args.smoke)]
        return desktop_app(gui_args)
    try:
        return int(args.func(args, out))
    except ExpectedError as exc:
        sys.stderr.write(f"mnemo: {exc.message}\n")
        return exc.exit_code
    except MnemoError as exc:
        sys.stderr.write(f"mnemo: {exc.message}\n")
        raise
    except KeyboardInterrupt:
        sys.stderr.write("mnemo: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""`mnemo ask` and `mnemo chat`: questions and conversation on the terminal.

Both wire the same core objects the GUI uses (a `Pipeline`, an `Answerer`, a `ChatSession`), with
the on-device model when one is configured and the rule path otherwise. Every turn, asked or told,
is stored as a chat observation, so the chat feeds memory. The interactive prompt keeps a
line-editing history for the session only: no plaintext history file is ever written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from app.model_commands import configured_llm
from core.chat import ChatSession, Reply
from core.home import Home
from core.pipeline.answer import Answer, Answerer
from core.pipeline.ingest import Pipeline
from core.pipeline.rules import SpeakerRoles
from core.retrieval import Retriever
from core.settings import Settings
from core.store import Store

Opener = Callable[[argparse.Namespace], Any]


@contextmanager
def session(store: Store, settings: Settings, home: Home) -> Iterator[ChatSession]:
    """A chat session on `store`, with the configured model (closed afterwards) or rules."""
    with configured_llm(settings, home) as llm:
        roles = SpeakerRoles.of(settings.chat.user_names, settings.chat.assistant_names)
        pipeline = Pipeline(store, roles, llm, settings.pipeline)
        answerer = Answerer(store, Retriever(store, settings.retrieval), settings.pipeline, llm)
        user = settings.chat.user_names[0] if settings.chat.user_names else "me"
        assistant = settings.chat.assistant_names[0] if settings.chat.assistant_names else "mnemo"
        yield ChatSession(pipeline, answerer, user_name=user, assistant_name=assistant)


def print_answer(answer: Answer, out: TextIO) -> None:
    """The answer, any warnings, and where each citation came from."""
    out.write(answer.text + "\n")
    for warning in answer.warnings:
        out.write(f"! {warning}\n")
    for citation in answer.citations:
        for ref in citation.sources:
            when = ref.time.strftime("%Y-%m-%d %H:%M")
            if ref.source == "screen":
                where = f"screen {ref.app or '?'} - {ref.window or ''}".rstrip(" -")
                frame = f", frame {ref.frame_path}" if ref.frame_path else ""
                out.write(f"  [{citation.number}] {where} ({when}{frame})\n")
            else:
                label = ref.external_id or ref.observation_id
                out.write(f"  [{citation.number}] {ref.source} {label}, {ref.speaker} ({when})\n")


def cmd_ask(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    question = " ".join(args.question).strip()
    if not question:
        out.write("Ask a question, e.g. mnemo ask where do I live\n")
        return 2
    with opened(args) as (store, settings, home), session(store, settings, home) as chat:
        reply = chat.ask(question)
    if args.json:
        out.write(json.dumps(reply.as_dict(), ensure_ascii=False) + "\n")
    else:
        print_answer(reply, out)
    return 0


def _print_reply(reply: Reply, out: TextIO) -> None:
    if reply.answer is not None:
        print_answer(reply.answer, out)
    else:
        out.write(reply.text + "\n")


def cmd_chat(args: argparse.Namespace, out: TextIO, opened: Opener) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401  (line editing and an in-memory history for input())
        except ImportError:
            pass
    with opened(args) as (store, settings, home), session(store, settings, home) as chat:
        if interactive:
            out.write("Mnemo chat. Tell me things or ask me; /history, /quit.\n")
        while True:
            try:
                line = input("you> " if interactive else "")
            except EOFError:
                break
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit"):
                break
            if text == "/history":
                for n, (said, replied) in enumerate(chat.turns, start=1):
                    out.write(f"{n}. you: {said}\n   mnemo: {replied}\n")
                continue
            reply = chat.turn(text)
            if args.json:
                data: dict[str, Any] = {"turn": text, "reply": reply.text}
                if reply.answer is not None:
                    data["answer"] = reply.answer.as_dict()
                if reply.report is not None:
                    data["report"] = reply.report.as_dict()
                out.write(json.dumps(data, ensure_ascii=False) + "\n")
            else:
                if interactive:
                    out.write("mnemo> ")
                _print_reply(reply, out)
            out.flush()
    return 0


def add_parser(sub: Any, opened: Opener) -> None:
    p = sub.add_parser("ask", help="answer a question from your memories, with citations")
    p.add_argument("question", nargs="*")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda args, out: cmd_ask(args, out, opened))

    p = sub.add_parser("chat", help="talk with Mnemo: tell it things, ask it things")
    p.add_argument("--json", action="store_true", help="one JSON object per reply")
    p.set_defaults(func=lambda args, out: cmd_chat(args, out, opened))

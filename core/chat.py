"""Chatting with Mnemo: every turn is an observation, so the conversation itself feeds memory.

A turn that asks something is answered from memory (with citations); a turn that tells something
goes through the memory pipeline and the reply says what was remembered, updated or already
known. Both the user's turn (trust `user`) and the reply (trust `assistant`) are stored as chat
observations of one session, so "what did I tell you yesterday" works like any other memory, and
the assistant's own words never count as facts about the user (only procedures and resources are
taken from them). The CLI's `mnemo chat`/`mnemo ask` and the GUI's chat window share this class.

A turn can be watched and stopped: `on_text` sees a model's answer grow while it is written (the
GUI streams it; the rule path answers whole), and a set `cancel` event stops the turn before it
stores anything, so a stopped question leaves no half-conversation behind.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from core.errors import CancelledError
from core.memory import Action, Observation, Source, Trust, uuid7
from core.pipeline.answer import Answer, Answerer
from core.pipeline.ingest import IngestReport, Pipeline
from core.ports import Clock, SystemClock

_QUESTION_START = re.compile(
    r"^\s*(?:what|what's|whats|when|where|who|whom|whose|which|why|how|do|does|did|is|are|was|"
    r"were|can|could|should|would|will|have|has|am|tell me|remind me|show me|list|find)\b",
    re.I,
)


def is_question(text: str) -> bool:
    """True for a turn that asks rather than tells."""
    stripped = text.strip()
    return stripped.endswith("?") or bool(_QUESTION_START.match(stripped))


@dataclass
class Reply:
    """What the assistant says to one turn, and what it did."""

    text: str
    answer: Answer | None = None
    report: IngestReport | None = None


@dataclass
class ChatSession:
    """One conversation with the assistant."""

    pipeline: Pipeline
    answerer: Answerer
    user_name: str = "me"
    assistant_name: str = "Mnemo"
    clock: Clock = field(default_factory=SystemClock)
    session: str = field(default_factory=lambda: f"chat-{uuid7()}")
    turns: list[tuple[str, str]] = field(default_factory=list)

    def ask(self, question: str) -> Answer:
        """Answer one question (a one-turn conversation, stored like any other)."""
        reply = self.turn(question if is_question(question) else question.rstrip() + "?")
        assert reply.answer is not None
        return reply.answer

    def observation(self, text: str, speaker: str, trust: Trust) -> Observation:
        return Observation(
            source=Source.CHAT,
            time=self.clock.now().astimezone(),
            text=text,
            trust=trust,
            speaker=speaker,
            session=self.session,
            external_id=f"{self.session}/{len(self.turns)}/{speaker}",
        )

    def turn(
        self,
        text: str,
        on_text: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Reply:
        """Answer or remember one user turn; both sides are stored as observations."""
        text = text.strip()
        if cancel is not None and cancel.is_set():
            raise CancelledError("cancelled: nothing was changed")
        if is_question(text):
            answer = self.answerer.ask(text, on_text=on_text, cancel=cancel)
            self.pipeline.ingest([self.observation(text, self.user_name, Trust.USER)])
            reply = Reply(answer.text, answer=answer)
        else:
            report = self.pipeline.ingest([self.observation(text, self.user_name, Trust.USER)])
            reply = Reply(acknowledgement(report), report=report)
        self.pipeline.ingest([self.observation(reply.text, self.assistant_name, Trust.ASSISTANT)])
        self.turns.append((text, reply.text))
        return reply


def acknowledgement(report: IngestReport) -> str:
    """A short reply saying what a told turn changed."""
    parts = []
    for decision in report.decisions:
        if decision.action is Action.ADD and "quarantined" not in decision.reason:
            parts.append(f"Remembered: {decision.candidate}")
        elif decision.action is Action.UPDATE:
            parts.append(f"Updated: {decision.candidate} ({decision.reason})")
        elif decision.action is Action.DELETE:
            parts.append(f"Noted that this no longer holds: {decision.reason}")
        elif decision.action is Action.NOOP:
            parts.append(f"I already knew that: {decision.candidate}")
    if report.secrets_redacted:
        parts.append(f"({report.secrets_redacted} secret(s) were redacted before storing.)")
    return "\n".join(parts) or "Noted."

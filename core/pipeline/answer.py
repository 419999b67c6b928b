"""Answering a question from memories, with citations, or saying "I don't know".

The question's time expression ("last week", "in March", "yesterday") becomes a time filter and
is taken out of the search text; hybrid retrieval then finds candidates, and only the relevant
ones go on: those sharing the question's key words (directly, or through the attribute a slot
names: "where do I live" is about a `residence`), or very close in meaning. Nothing relevant
means the answer is "I don't know", never a guess. A second hop follows the names the first hits
bring in ("where does my sister live": "Ana is my sister", then "Ana moved to Porto").

With a model, the relevant memories are numbered and fenced as quoted data for the `answer`
operation, whose citations must be numbers that were shown; without one (or when the model
cites nothing usable) the answer is extractive: the best memories quoted with their dates. Every
citation resolves to the chat turns or screen frames the memory came from. Vault memories are
never searched for an answer, quarantined ones never appear, and an answer that rests only on
untrusted (screen or imported) memories that contradict what the user said says so.

With a model that streams (`StreamingLLM`), `ask(question, on_text=...)` shows the answer while it
is written: the JSON text is read as it comes (`core.pipeline.stream`), and the growing answer is
passed on a whole word at a time, redacted and numbered the way the final text will be, so a
half-written word never flickers and a secret is never shown before its word is complete. The
final `Answer` still comes from the parsed, validated output; the streamed text is only a preview
of it. Without a model the answer arrives whole. A `cancel` event stops the model between tokens
and the question before anything is written (not even its recall counts).
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.dates import TimeRange, question_range, strip_range
from core.errors import CancelledError
from core.memory import LinkKind, Memory, MemoryType, Observation
from core.pipeline.extract import untrusted
from core.pipeline.guard import DataFence
from core.pipeline.redaction import redact
from core.pipeline.schemas import ANSWER
from core.pipeline.slots import ATTRIBUTE_WORDS, MULTI_VALUED, Slot, same_value, value_shape
from core.pipeline.stream import FieldStream
from core.pipeline.update import event_day, memory_trust
from core.ports import LLM, Clock, StreamingLLM, SystemClock
from core.retrieval import Hit, Retriever
from core.settings import PipelineSettings
from core.store import MemoryFilter, Store
from core.text import STOPWORDS, content_words, stem, stems, tokenize

DONT_KNOW = "I don't know: nothing in your memories answers that."
ANSWERABLE = [t for t in MemoryType if t is not MemoryType.VAULT]
# Words that say what kind of answer is wanted but not what it is about.
_GENERIC = stems(
    """
    what whats when where who whom whose which how why did do does done go went gone get got have
    had happen happened name named call called kind sort type time day date thing things much
    many ever last first recently usually often again also still currently current now tell
    remind show find say said mention mentioned like
    """
) | {"what's", "who's", "where's", "when's", "i'm", "i've"}
_WHEN = re.compile(r"^\s*(?:when|what (?:day|date|time))\b", re.I)
_EXCERPT = 160
_CITED = re.compile(r"\[(\d+)\]")
_LAST_WORD = re.compile(r"\S*$")


@dataclass
class SourceRef:
    """Where a cited memory came from: a chat turn or a screen frame."""

    observation_id: str
    source: str
    time: datetime
    speaker: str | None
    session: str | None
    external_id: str | None
    app: str | None
    window: str | None
    frame_path: str | None
    excerpt: str

    @classmethod
    def of(cls, obs: Observation) -> SourceRef:
        text = obs.text if len(obs.text) <= _EXCERPT else obs.text[: _EXCERPT - 1] + "…"
        return cls(obs.id, str(obs.source), obs.time, obs.speaker, obs.session, obs.external_id,
                   obs.app, obs.window, obs.frame_path, text)  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["time"] = self.time.isoformat()
        return out


@dataclass
class Citation:
    number: int
    memory: Memory
    sources: list[SourceRef]

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "memory_id": self.memory.id,
            "type": str(self.memory.type),
            "text": self.memory.text,
            "date": event_day(self.memory),
            "trust": str(memory_trust(self.memory)),
            "sources": [s.as_dict() for s in self.sources],
        }


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    confidence: str = "none"
    abstained: bool = False
    by: str = "rules"
    warnings: list[str] = field(default_factory=list)
    time_range: TimeRange | None = None
    hits: list[Hit] = field(default_factory=list)  # the relevant memories, best first

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "confidence": self.confidence,
            "abstained": self.abstained,
            "answered_by": self.by,
            "warnings": self.warnings,
            "time_range": None
            if self.time_range is None
            else {
                "text": self.time_range.text,
                "since": self.time_range.since.isoformat(),
                "until": self.time_range.until.isoformat(),
            },
            "citations": [c.as_dict() for c in self.citations],
        }


def key_terms(question: str) -> set[str]:
    """The stemmed words that say what a question is about."""
    return stems(question) - _GENERIC


def memory_terms(memory: Memory) -> set[str]:
    """The stemmed words a memory answers to: its text, names, and its slot's attribute words."""
    terms = stems(memory.text)
    for entity in memory.fields.get("entities", []):
        terms |= stems(str(entity))
    slot = Slot.from_dict(memory.fields.get("slot"))
    if slot is not None and slot.attribute:
        terms |= stems(slot.attribute)
        terms |= {stem(w) for w in ATTRIBUTE_WORDS.get(slot.attribute, ())}
    return terms


def _within(memory: Memory, found: TimeRange) -> bool:
    when = memory.valid_from or memory.recorded_at
    return found.since <= when < found.until


def shown_answer(raw: str, cited: Container[int]) -> str:
    """The model's text as shown: redacted, spaces collapsed, cited [n] renumbered from 1."""
    # One pass over the numbers: replacing [0] with [1], then [1] with [2], would merge them.
    text = " ".join(redact(raw).text.split())
    return _CITED.sub(
        lambda m: f"[{int(m[1]) + 1}]" if int(m[1]) in cited else m[0],
        text,
    )


class AnswerPreview:
    """Feeds a streaming model's JSON pieces in, passes the growing answer text on, word by word."""

    def __init__(self, on_text: Callable[[str], None], shown: int) -> None:
        self.on_text = on_text
        self.shown = range(shown)  # the citation numbers the prompt offered
        self.field = FieldStream("answer")
        self.upto = 0
        self.last = ""

    def feed(self, piece: str) -> None:
        """Take the next piece of the model's output; call `on_text` when a word completed."""
        if not self.field.feed(piece):
            return
        raw = self.field.text
        match = _LAST_WORD.search(raw)
        cut = len(raw) if self.field.complete or match is None else match.start()
        if cut <= self.upto:
            return
        self.upto = cut
        text = shown_answer(raw[:cut], self.shown)
        if text and text != self.last:  # a second space, say, adds nothing to show
            self.last = text
            self.on_text(text)


def long_date(memory: Memory) -> str:
    """'Tuesday 10 March 2026 (2026-03-10)' for a memory's day."""
    day = datetime.fromisoformat(event_day(memory))
    return f"{day:%A} {day.day} {day:%B %Y} ({day.date().isoformat()})"


class Answerer:
    """Answers questions from one store, by model when one is given, else extractively."""

    def __init__(
        self,
        store: Store,
        retriever: Retriever | None = None,
        settings: PipelineSettings | None = None,
        llm: LLM | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.retriever = retriever or Retriever(store, clock=self.clock)
        self.settings = settings or PipelineSettings()
        self.llm = llm

    # -- finding ---------------------------------------------------------------------------
    def relevant(
        self, question: str, now: datetime | None = None
    ) -> tuple[list[Hit], TimeRange | None]:
        """The memories that bear on the question, best first, and the time range it names."""
        now = now or self.clock.now()
        found = question_range(question, now)
        query = strip_range(question, found) if found else question
        filt = MemoryFilter(
            types=ANSWERABLE,
            since=found.since if found else None,
            until=found.until if found else None,
        )
        terms = key_terms(query)
        if found is not None and not terms:
            # "what did I do last week?": everything in the range is relevant, events first.
            listed = self.store.list_memories(filt, limit=20)
            listed.sort(
                key=lambda m: (
                    m.type is not MemoryType.EPISODIC,
                    -(m.valid_from or m.recorded_at).timestamp(),
                )
            )
            return [Hit(m, 0.0, {"time": {"range": found.text}}) for m in listed], found
        kept = self._slot_hits(query, found)
        seen = {h.memory.id for h in kept}
        # A word the store has never seen ("marathon") means the question is about something
        # never said: a memory then needs most of the question's words, not half of them.
        share = 2 / 3 if self._unknown_word(query) else 1 / 2
        hits = self.retriever.search(query, k=20, filt=filt)
        kept += [h for h in hits if h.memory.id not in seen and self._is_relevant(h, terms, share)]
        kept += self._second_hop(query, terms, kept, filt)
        return kept, found

    def _slot_hits(self, query: str, found: TimeRange | None) -> list[Hit]:
        """Live slots the question asks about: "my dentist" is the user's `dentist`; "where does
        my sister live" resolves "my sister" to her name, then asks for her `residence`."""
        words = [w for w in tokenize(query) if w not in STOPWORDS]
        attrs = set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}
        attrs |= {attr for attr, names in ATTRIBUTE_WORDS.items() if names & set(words)}
        subjects = [n.casefold() for n in re.findall(r"(?<!^)\b[A-Z][a-z]+", query)]
        seen: set[str] = set()

        def take(subject: str, attr: str) -> list[Hit]:
            taken = []
            for memory in self.store.current_by_slot(f"{subject}|{attr}"):
                if memory.id not in seen and memory.type is not MemoryType.VAULT:
                    seen.add(memory.id)
                    taken.append(Hit(memory, 0.0, {"slot": {"key": f"{subject}|{attr}"}}))
            return taken

        owner = re.search(r"\bmy (\w+)'s\b", query, re.I)
        if owner is not None:  # "my brother's cat": only the brother's attributes answer it
            relation = owner.group(1).casefold()
            found_relation = take("user", relation)
            hits = []
            for hit in found_relation:
                slot = Slot.from_dict(hit.memory.fields.get("slot"))
                if slot is not None and value_shape(slot.value) == "name":
                    for rest in sorted(attrs - {relation}):
                        hits += take(slot.value.casefold(), rest)
            return hits + found_relation if hits else []
        resolved: list[Hit] = []  # about someone the question names or points to ("my sister")
        relations: list[Hit] = []
        plain: list[Hit] = []
        for subject in subjects:
            for attr in sorted(attrs):
                resolved += take(subject, attr)
        for attr in sorted(attrs):
            for hit in take("user", attr):
                slot = Slot.from_dict(hit.memory.fields.get("slot"))
                if (
                    slot
                    and value_shape(slot.value) == "name"
                    and attr
                    in MULTI_VALUED
                    | {
                        "partner",
                        "wife",
                        "husband",
                        "boss",
                        "manager",
                        "dentist",
                        "doctor",
                    }
                ):
                    relations.append(hit)
                    for rest in sorted(attrs - {attr}):
                        resolved += take(slot.value.casefold(), rest)
                else:
                    plain.append(hit)
        hits = resolved + relations + ([] if resolved else plain)
        if found is not None:
            hits = [h for h in hits if _within(h.memory, found)]
        return hits

    def _unknown_word(self, query: str) -> bool:
        words = {w for w in content_words(query) if stem(w) not in _GENERIC}
        return any(self.store.count_fulltext(f'"{w}"') == 0 for w in words)

    def _is_relevant(self, hit: Hit, terms: set[str], share: float = 0.5) -> bool:
        vector = hit.breakdown.get("vector")
        if vector is not None and 1.0 - float(vector["raw"]) >= self.settings.answer_similarity:
            return True
        if not terms:
            return False
        shared = terms & memory_terms(hit.memory)
        return len(shared) >= max(1, math.ceil(len(terms) * share - 1e-9))

    def _second_hop(
        self, query: str, terms: set[str], first: list[Hit], filt: MemoryFilter
    ) -> list[Hit]:
        """Hits about the names the first hits bring in, that answer the rest of the question."""
        seen = {h.memory.id for h in first}
        extra: list[Hit] = []
        for hit in first[:3]:
            slot = Slot.from_dict(hit.memory.fields.get("slot"))
            names = list(hit.memory.fields.get("entities", []))
            if slot is not None and value_shape(slot.value) == "name":
                names.append(slot.value)
            for entity in dict.fromkeys(names):
                if stems(str(entity)) & terms or not stems(str(entity)):
                    continue
                rest = terms - memory_terms(hit.memory)
                for second in self.retriever.search(f"{entity} {query}", k=5, filt=filt):
                    known = memory_terms(second.memory)
                    if second.memory.id in seen or not stems(str(entity)) <= known:
                        continue
                    if rest and not rest & known:
                        continue
                    seen.add(second.memory.id)
                    second.breakdown["hop"] = {"via": hit.memory.id, "entity": str(entity)}
                    extra.append(second)
        return extra

    # -- answering -------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        on_text: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        """Answer `question`; a streaming model shows its answer to `on_text` as it writes it."""
        now = self.clock.now()
        hits, found = self.relevant(question, now)
        if not hits:
            return Answer(question, DONT_KNOW, abstained=True, time_range=found)
        shown = hits[: self.settings.answer_memories]
        answer = None
        if self.llm is not None:
            answer = self._by_model(question, shown, found, on_text, cancel)
        if cancel is not None and cancel.is_set():
            raise CancelledError("cancelled: nothing was changed")
        if answer is None:
            answer = self._extractive(question, shown, found)
        answer.hits = hits
        answer.warnings += self._contradiction_warnings(answer.citations)
        if answer.citations:
            self.store.mark_recalled([c.memory.id for c in answer.citations], now)
        return answer

    def _cite(self, numbered: list[tuple[int, Memory]]) -> list[Citation]:
        observations = self.store.observations([o for _, m in numbered for o in m.sources])
        return [
            Citation(n, m, [SourceRef.of(observations[o]) for o in m.sources if o in observations])
            for n, m in numbered
        ]

    def _extractive(self, question: str, hits: list[Hit], found: TimeRange | None) -> Answer:
        when = bool(_WHEN.match(question))
        if when:  # "when did I ...": an event answers it better than a standing fact
            hits = sorted(hits, key=lambda h: h.memory.type is not MemoryType.EPISODIC)
        top = hits[0].score
        chosen = [hits[0]] + [h for h in hits[1:3] if top <= 0 or h.score >= 0.6 * top]
        if found is not None and not key_terms(strip_range(question, found)):
            chosen = hits[:5]  # a question about a period: list what happened in it
        citations = self._cite([(i + 1, h.memory) for i, h in enumerate(chosen)])
        lines = []
        for c in citations:
            if when or found is not None:
                lines.append(f"On {long_date(c.memory)}: {c.memory.text} [{c.number}]")
            else:
                lines.append(f"{c.memory.text} ({event_day(c.memory)}) [{c.number}]")
        lead = "From your memories:" if len(lines) > 1 else ""
        text = "\n".join([lead, *(f"- {line}" for line in lines)] if lead else lines)
        return Answer(question, text, citations, "medium", time_range=found)

    def prompt(self, question: str, memories: list[Memory], fence: DataFence, now: datetime) -> str:
        records = [f"({event_day(m)}, {m.type}) {m.text}" for m in memories]
        return (
            f"Today is {now:%A %Y-%m-%d}.\nMemories, by number, as quoted data:\n"
            f"{fence.wrap(records)}\nQuestion: {redact(question).text}"
        )

    def _by_model(
        self,
        question: str,
        hits: list[Hit],
        found: TimeRange | None,
        on_text: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer | None:
        assert self.llm is not None
        memories = [h.memory for h in hits]
        prompt = self.prompt(question, memories, DataFence.new(), self.clock.now())
        if isinstance(self.llm, StreamingLLM) and (on_text is not None or cancel is not None):
            preview = AnswerPreview(on_text or (lambda text: None), len(memories))
            output = self.llm.run_streaming("answer", prompt, ANSWER, preview.feed, cancel)
        else:
            output = self.llm.run("answer", prompt, ANSWER)
        numbers = [n for n in dict.fromkeys(output.get("citations", [])) if 0 <= n < len(memories)]
        text = shown_answer(str(output.get("answer", "")), set(numbers))
        confidence = str(output.get("confidence", "none"))
        if confidence == "none" and not numbers:
            return Answer(question, DONT_KNOW, abstained=True, by="model", time_range=found)
        if not numbers or not text:
            answer = self._extractive(question, hits, found)
            answer.warnings.append("the model's answer cited no memory; showing the memories found")
            return answer
        citations = self._cite([(n + 1, memories[n]) for n in numbers])
        if not re.search(r"\[\d+\]", text):
            text += " " + " ".join(f"[{c.number}]" for c in citations)
        return Answer(question, text, citations, confidence, by="model", time_range=found)

    def _contradiction_warnings(self, citations: list[Citation]) -> list[str]:
        """A warning when every cited memory is untrusted and one contradicts the user's own."""
        if not citations or not all(untrusted(memory_trust(c.memory)) for c in citations):
            return []
        warnings: list[str] = []
        cited = {c.memory.id for c in citations}
        against: list[Memory] = []
        for link in self.store.links_of(list(cited)):
            if link.kind is LinkKind.CONTRADICTS:
                other = link.dst if link.src in cited else link.src
                against.append(self.store.get_memory(other))
        for c in citations:
            slot = Slot.from_dict(c.memory.fields.get("slot"))
            if slot is not None and slot.attribute:
                for held in self.store.current_by_slot(slot.key):
                    theirs = Slot.from_dict(held.fields.get("slot"))
                    if theirs is not None and not same_value(theirs.value, slot.value):
                        against.append(held)
        for memory in against:
            if memory.is_current and not untrusted(memory_trust(memory)):
                warnings.append(
                    "This rests only on text captured from the screen or imported, and it "
                    f"contradicts what you told me: \u201c{memory.text}\u201d ({event_day(memory)})."
                )
        return list(dict.fromkeys(warnings))

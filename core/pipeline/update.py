"""The update step: for each candidate, ADD, UPDATE (supersede), DELETE (end validity) or NOOP.

Mem0's four decisions, made append-only in the way of MemOS and Graphiti: UPDATE appends a new
version whose `supersedes` points at the old one, DELETE sets the old fact's `valid_to` and
supersedes it, and neither ever erases anything (only the user's explicit `forget` does). Every
decision is logged with its reason and shown by `mnemo memories show`.

Some questions are settled before any model is asked, because a wrong answer would cost trust:
an exact duplicate (same normalised text; for events, also the same date) only adds its sources
to the existing memory, so the same fact seen 100 times is one memory with 100 sources; a
candidate from untrusted text (screen, import) never supersedes what the user said, it is added
beside it with a `contradicts` link; a quarantined candidate never touches active memories.

Without a model the rules decide: slot matching (the same subject and attribute with a new value
supersedes: "my dentist is Dr. Lee" then "I switched to Dr. Park"; "I no longer live in Berlin"
ends the Berlin memory) and a near-duplicate test (high cosine similarity and the same content
words, with no differing number or name). With a model, the candidate and its nearest memories,
each shown under a short number and fenced as quoted data, go to the `update` operation; its
answer is checked (a target must be one of the numbers shown, an ADD of a near-duplicate becomes
a NOOP) before it is applied. Vault candidates are never shown to a model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.memory import (
    Action,
    Decision,
    Link,
    LinkKind,
    Memory,
    MemoryType,
    Status,
    Trust,
)
from core.pipeline import rules
from core.pipeline.extract import Candidate, untrusted
from core.pipeline.guard import DataFence, quote
from core.pipeline.redaction import redact
from core.pipeline.schemas import UPDATE
from core.pipeline.slots import MULTI_VALUED, Slot, same_value, slot_of, value_shape
from core.ports import LLM, Vector
from core.settings import PipelineSettings
from core.store import MemoryFilter, Store
from core.text import content_words, tokenize

_NEGATIONS = frozenset(["not", "no", "never", "don't", "doesn't", "didn't", "isn't", "won't"])


@dataclass
class Neighbour:
    memory: Memory
    similarity: float


def memory_trust(memory: Memory) -> Trust:
    """The trust of the text a memory came from (memories from before trust was kept: user)."""
    try:
        return Trust(memory.fields.get("trust", Trust.USER))
    except ValueError:
        return Trust.USER


def event_day(memory: Memory) -> str:
    if "date" in memory.fields:
        return str(memory.fields["date"])
    when = memory.valid_from or memory.recorded_at
    return when.date().isoformat()


def near_duplicate(new: Memory, old: Memory, similarity: float, threshold: float) -> bool:
    """Same fact in other words: similar vectors, the same content words give or take a few, no
    differing number, name or negation, and for events the same day."""
    if similarity < threshold:
        return False
    if MemoryType.EPISODIC in (new.type, old.type) and event_day(new) != event_day(old):
        return False
    a, b = set(content_words(new.text)), set(content_words(old.text))
    if not a or not b:
        return False
    diff = a ^ b
    if len(a & b) / len(a | b) < 0.6:
        return False
    if any(any(ch.isdigit() for ch in word) for word in diff):
        return False
    names = {w.casefold() for m in (new, old) for e in m.fields.get("entities", []) for w in
             tokenize(str(e))}  # fmt: skip
    if diff & names:
        return False
    return not (set(tokenize(new.text)) & _NEGATIONS) ^ (set(tokenize(old.text)) & _NEGATIONS)


class Updater:
    """Decides and applies what each candidate does to the store; call inside `store.write()`."""

    def __init__(
        self, store: Store, settings: PipelineSettings | None = None, llm: LLM | None = None
    ) -> None:
        self.store = store
        self.settings = settings or PipelineSettings()
        self.llm = llm

    def apply(self, candidates: Sequence[Candidate]) -> list[Decision]:
        """Decide and apply each candidate in order (later ones see earlier ones' effects)."""
        if not candidates:
            return []
        vectors = self.store.vectors_for([c.memory for c in candidates])
        decisions = []
        with self.store.write():
            for candidate, vector in zip(candidates, vectors, strict=True):
                self._prepare(candidate)
                decision = self._decide(candidate, vector)
                decision.observations = list(candidate.memory.sources)
                decision.candidate = candidate.memory.text
                self.store.record_decisions([decision])
                decisions.append(decision)
        return decisions

    def _prepare(self, candidate: Candidate) -> None:
        fields = candidate.memory.fields
        fields["trust"] = str(candidate.trust)
        if "slot" not in fields and candidate.memory.type is not MemoryType.VAULT:
            slot = slot_of(candidate.memory.text, candidate.subject)
            if slot is not None:
                fields["slot"] = slot.as_dict()

    # -- deciding --------------------------------------------------------------------------
    def _decide(self, c: Candidate, vector: Vector) -> Decision:
        if c.flags:
            return self._quarantine(c, vector)
        twin = self._exact_twin(c.memory)
        if twin is not None:
            self.store.add_sources(twin.id, c.memory.sources)
            return Decision(Action.NOOP, f"the same text is memory {twin.id[:8]}", "", "rules",
                            target_id=twin.id)  # fmt: skip
        slot = Slot.from_dict(c.memory.fields.get("slot"))
        neighbours = self._neighbours(c.memory, vector)
        target = self._slot_target(slot, neighbours) if slot is not None else None
        close = [n for n in neighbours if n.similarity >= self.settings.related]
        if self.llm is not None and c.memory.type is not MemoryType.VAULT and (close or target):
            return self._by_model(c, vector, neighbours, target)
        return self._by_rules(c, vector, slot, target, neighbours)

    def _quarantine(self, c: Candidate, vector: Vector) -> Decision:
        reason = "quarantined for review: instruction-like text (" + ", ".join(c.flags) + ")"
        twins = self.store.currents_by_hash(c.memory.content_hash, Status.QUARANTINED, limit=1)
        if twins:
            self.store.add_sources(twins[0].id, c.memory.sources)
            return Decision(Action.NOOP, reason, "", "rules", target_id=twins[0].id)
        c.memory.status = Status.QUARANTINED
        c.memory.fields["quarantine"] = list(c.flags)
        self.store.add_memories([c.memory], [vector])
        return Decision(Action.ADD, reason, "", "rules", result_id=c.memory.id)

    def _exact_twin(self, memory: Memory) -> Memory | None:
        for twin in self.store.currents_by_hash(memory.content_hash):
            if memory.type is not MemoryType.EPISODIC or event_day(twin) == event_day(memory):
                return twin
        return None

    def _neighbours(self, memory: Memory, vector: Vector) -> list[Neighbour]:
        """The nearest live memories; vault ones only for a vault candidate (never to a model)."""
        if float(np.linalg.norm(vector)) == 0:
            return []
        types = [
            t for t in MemoryType if (t is MemoryType.VAULT) == (memory.type is MemoryType.VAULT)
        ]
        filt = MemoryFilter(types=types, include_cold=True)
        ranked = self.store.nearest(vector, filt, self.settings.neighbours)
        found = self.store.memories_by_rowid([rowid for rowid, _ in ranked])
        return [Neighbour(found[r], 1.0 - d) for r, d in ranked if r in found]

    def _slot_target(self, slot: Slot, neighbours: list[Neighbour]) -> Memory | None:
        """The live memory holding the same subject's same attribute, if one does."""
        if slot.attribute:
            for memory in self.store.current_by_slot(slot.key):
                held = Slot.from_dict(memory.fields.get("slot"))
                if held is None or held.negated:
                    continue
                if slot.attribute not in MULTI_VALUED or same_value(held.value, slot.value):
                    return memory
            return None
        # A change that does not name its attribute: the live slot whose value looks alike.
        shape = value_shape(slot.value)
        pool = [n.memory for n in neighbours] + self.store.current_slots_of(slot.subject)
        for memory in pool:
            held = Slot.from_dict(memory.fields.get("slot"))
            if (
                held is not None
                and held.subject == slot.subject
                and held.attribute
                and held.attribute not in MULTI_VALUED
                and value_shape(held.value) == shape
                and shape != "word"
            ):
                return memory
        return None

    def _by_rules(
        self,
        c: Candidate,
        vector: Vector,
        slot: Slot | None,
        target: Memory | None,
        neighbours: list[Neighbour],
    ) -> Decision:
        if slot is not None and target is not None:
            held = Slot.from_dict(target.fields.get("slot"))
            assert held is not None
            what = f"{'your' if slot.subject == 'user' else slot.subject + chr(39) + 's'} "
            what += held.attribute
            if slot.negated:
                if same_value(held.value, slot.value):
                    return self._delete(c, target, f"{what} is no longer {held.value}", "rules")
            elif same_value(held.value, slot.value):
                self.store.add_sources(target.id, c.memory.sources)
                return Decision(Action.NOOP, f"{what} is already {held.value}", "", "rules",
                                target_id=target.id)  # fmt: skip
            else:
                if not c.memory.fields["slot"]["attribute"]:
                    c.memory.fields["slot"] = Slot(
                        slot.subject, held.attribute, slot.value
                    ).as_dict()
                reason = f"{what} changed from {held.value} to {slot.value}"
                return self._update(c, vector, target, c.memory.text, reason, "rules")
        for n in neighbours:
            if near_duplicate(c.memory, n.memory, n.similarity, self.settings.near_duplicate):
                self.store.add_sources(n.memory.id, c.memory.sources)
                reason = (
                    f"near-duplicate of memory {n.memory.id[:8]} (similarity {n.similarity:.2f})"
                )
                return Decision(Action.NOOP, reason, "", "rules", target_id=n.memory.id)
        return self._add(c, vector, "new: no existing memory holds this", "rules")

    def _add(self, c: Candidate, vector: Vector | None, reason: str, by: str) -> Decision:
        self.store.add_memories([c.memory], [vector])
        return Decision(Action.ADD, reason, "", by, result_id=c.memory.id)

    def _update(
        self, c: Candidate, vector: Vector | None, target: Memory, text: str, reason: str, by: str
    ) -> Decision:
        if untrusted(c.trust) and not untrusted(memory_trust(target)):
            return self._contradict(c, vector, target, by)
        new = c.memory
        if text != c.memory.text:
            new = dataclasses.replace(c.memory, text=text, content_hash="")
            vector = None
        if new.content_hash == target.content_hash:
            self.store.add_sources(target.id, c.memory.sources)
            return Decision(Action.NOOP, "the new text equals the existing memory's", "", by,
                            target_id=target.id)  # fmt: skip
        self.store.supersede(target.id, new, ends_validity=True, vector=vector)
        return Decision(Action.UPDATE, reason, "", by, target_id=target.id, result_id=new.id)

    def _delete(self, c: Candidate, target: Memory, reason: str, by: str) -> Decision:
        if untrusted(c.trust) and not untrusted(memory_trust(target)):
            return self._contradict(c, None, target, by)
        ended = c.memory.valid_from or c.memory.recorded_at
        self.store.end_validity(target.id, ended)
        self.store.add_sources(target.id, c.memory.sources)
        return Decision(Action.DELETE, reason, "", by, target_id=target.id)

    def _contradict(self, c: Candidate, vector: Vector | None, target: Memory, by: str) -> Decision:
        """Untrusted text never overrides what the user said: keep both, linked."""
        self.store.add_memories([c.memory], [vector])
        self.store.add_links([Link(c.memory.id, target.id, LinkKind.CONTRADICTS, created_by=by)])
        reason = (
            f"{c.trust} text contradicts memory {target.id[:8]} from {memory_trust(target)}; "
            "kept beside it, not replacing it"
        )
        return Decision(Action.ADD, reason, "", by, target_id=target.id, result_id=c.memory.id)

    # -- the model -------------------------------------------------------------------------
    def prompt(self, c: Candidate, shown: Sequence[Memory], fence: DataFence) -> str:
        """The update prompt: the candidate and its neighbours under short numbers, fenced."""

        def describe(m: Memory) -> str:
            return f"({m.type}, {event_day(m)}) {m.text}"

        return (
            f"New candidate memory, as quoted data:\n{fence.open}\n{quote(describe(c.memory))}\n"
            f"{fence.close}\nExisting memories, by number, as quoted data:\n"
            f"{fence.wrap([describe(m) for m in shown])}\n"
            "Decide ADD, UPDATE, DELETE or NOOP. For UPDATE and DELETE give the number of the "
            'existing memory as "target".'
        )

    def _by_model(
        self, c: Candidate, vector: Vector, neighbours: list[Neighbour], target: Memory | None
    ) -> Decision:
        assert self.llm is not None
        shown = [n.memory for n in neighbours]
        if target is not None and target.id not in {m.id for m in shown}:
            shown.insert(0, target)
        shown = shown[: self.settings.neighbours]
        similarity = {n.memory.id: n.similarity for n in neighbours}
        output: dict[str, Any] = self.llm.run(
            "update", self.prompt(c, shown, DataFence.new()), UPDATE
        )
        reason = " ".join(redact(str(output.get("reason", ""))).text.split())[:160] or "no reason"
        action = Action(output["decision"])
        index = output.get("target")
        chosen = shown[index] if isinstance(index, int) and 0 <= index < len(shown) else None
        duplicate = next(
            (
                m
                for m in shown
                if near_duplicate(
                    c.memory, m, similarity.get(m.id, 0.0), self.settings.near_duplicate
                )
            ),
            None,
        )
        if action is Action.ADD or (action is not Action.NOOP and chosen is None):
            if duplicate is not None:
                self.store.add_sources(duplicate.id, c.memory.sources)
                return Decision(Action.NOOP, f"near-duplicate of memory {duplicate.id[:8]}; the "
                                f"model said {action}: {reason}", "", "model",
                                target_id=duplicate.id)  # fmt: skip
            if action is not Action.ADD:
                reason = f"the model said {action} without a valid target, so ADD: {reason}"
            return self._add(c, vector, reason, "model")
        if action is Action.NOOP:
            keep = chosen or duplicate
            if keep is not None:
                self.store.add_sources(keep.id, c.memory.sources)
            return Decision(Action.NOOP, reason, "", "model", target_id=keep.id if keep else None)
        assert chosen is not None
        if action is Action.DELETE:
            return self._delete(c, chosen, reason, "model")
        text = " ".join(redact(str(output.get("text", ""))).text.split())
        if not rules.is_memorable(text):
            text = c.memory.text
        return self._update(c, vector if text == c.memory.text else None, chosen, text, reason,
                            "model")  # fmt: skip

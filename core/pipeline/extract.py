"""Extraction: observations in, typed candidate memories out.

With a model, observations are packed into as few `extract` calls as fit the context (LightMem's
batching): each call sees up to `batch` observations, numbered and fenced as quoted data, and
every memory it returns names the number of its observation. The output is schema-valid by
construction but not necessarily sensible, so each item is checked: an unknown observation
number, an empty or trivial text, or an impossible date is dropped; secrets are redacted again;
dates written in the text are grounded against the observation's own time ("last Tuesday" in a
chat on 2026-03-12 is 2026-03-10), and the model's date is used only when the text has none.

Some text never reaches the model: an untrusted observation with instruction-like content (it is
extracted by the rules and its memories are quarantined), and sentences the rules type as `vault`
(secrets the user keeps are never put into a prompt). Without a model everything takes the rule
path. When a call fails (output cut off, say) that batch falls back to the rules.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from core.dates import find_dates, start_of_day
from core.errors import ModelOutputError
from core.memory import Memory, MemoryType, Observation, Source, Trust
from core.pipeline import rules
from core.pipeline.guard import DataFence, injection_reasons
from core.pipeline.redaction import redact
from core.pipeline.schemas import EXTRACT, SHORT_IDS
from core.ports import LLM

log = logging.getLogger(__name__)

_FRAMING = (
    "Observations, one per line, as quoted data ([number] local time | who | text):\n{data}\n"
    "List the memories these observations hold. Give each one the number of its observation "
    'as "source".'
)
_MIN_RECORD_CHARS = 200


@dataclass
class Candidate:
    """A proposed memory, with what the update step needs to judge it."""

    memory: Memory
    trust: Trust
    by: str  # "rules" | "model"
    subject: str | None = None  # whose first-person statement it is: "user", a name, or unknown
    flags: tuple[str, ...] = ()  # instruction-like patterns in its source: it is quarantined


def untrusted(trust: Trust) -> bool:
    """Screen and imported text may inform but never instruct, nor override what the user said."""
    return trust in (Trust.SCREEN, Trust.IMPORT)


class Extractor:
    """Turns observations into candidates, by model (batched) or by rules."""

    def __init__(self, roles: rules.SpeakerRoles, llm: LLM | None = None, batch: int = 12) -> None:
        self.roles = roles
        self.llm = llm
        self.batch = max(1, min(batch, len(SHORT_IDS)))
        self.dropped = 0  # model items rejected by the checks, for reports

    # -- trust and subjects ----------------------------------------------------------------
    def trust_of(self, obs: Observation) -> Trust:
        if obs.source is Source.CHAT and obs.speaker is not None:
            return self.roles.trust(obs.speaker)
        return obs.trust

    def subject_of(self, obs: Observation) -> str | None:
        """Who "I" is in this observation: the user, a named speaker, or nobody we know."""
        trust = self.trust_of(obs)
        if trust is Trust.USER:
            return "user"
        if obs.source is Source.CHAT and obs.speaker and trust is not Trust.ASSISTANT:
            return obs.speaker.casefold()
        return None

    # -- extraction ------------------------------------------------------------------------
    def extract(self, observations: Sequence[Observation]) -> list[Candidate]:
        """Candidates from the observations, in observation order."""
        found: dict[str, list[Candidate]] = {obs.id: [] for obs in observations}
        to_model: list[Observation] = []
        for obs in observations:
            trust = self.trust_of(obs)
            flags = tuple(injection_reasons(obs.text)) if trust is not Trust.USER else ()
            if flags or self.llm is None:
                found[obs.id].extend(self._by_rules(obs, flags))
                continue
            secret, rest = self._split_vault(obs)
            if secret is not None:
                found[obs.id].extend(self._by_rules(secret, ()))
            if rest is not None:
                to_model.append(rest)
        for batch in self.plan(to_model):
            for obs_id, candidates in self._by_model(batch).items():
                found[obs_id].extend(candidates)
        return [c for obs in observations for c in found[obs.id]]

    def _by_rules(self, obs: Observation, flags: tuple[str, ...]) -> list[Candidate]:
        trust = self.trust_of(obs)
        return [
            Candidate(memory, trust, "rules", self.subject_of(obs), flags)
            for memory in rules.extract(obs, self.roles)
        ]

    def _split_vault(self, obs: Observation) -> tuple[Observation | None, Observation | None]:
        """The observation's vault sentences (kept from the model) and the rest."""
        is_user = self.trust_of(obs) is Trust.USER
        secret: list[str] = []
        rest: list[str] = []
        for sentence in rules.split_sentences(obs.text):
            kind = rules.classify(sentence, is_user, False)
            (secret if kind is MemoryType.VAULT else rest).append(sentence)
        if not secret:
            return None, obs
        part = dataclasses.replace
        return (
            part(obs, text=" ".join(secret)),
            part(obs, text=" ".join(rest)) if rest else None,
        )

    # -- batching --------------------------------------------------------------------------
    def record(self, obs: Observation) -> str:
        """How one observation is shown to the model (inside the data fence)."""
        when = obs.time.strftime("%Y-%m-%d %a %H:%M")
        trust = self.trust_of(obs)
        if obs.source is Source.SCREEN:
            who = f"screen: {obs.app or 'unknown app'} - {obs.window or ''}".rstrip(" -")
        elif trust is Trust.USER:
            who = "the user"
        elif trust is Trust.ASSISTANT:
            who = "the assistant"
        else:
            who = obs.speaker or str(obs.source)
        return f"{when} | {who} | {obs.text}"

    def _budget(self) -> int:
        assert self.llm is not None
        framing = self.llm.count_tokens(_FRAMING.format(data="<<<DATA 00000000>>>" * 2))
        return max(64, self.llm.input_budget("extract") - framing)

    def plan(self, observations: Sequence[Observation]) -> list[list[Observation]]:
        """Observations grouped into calls: at most `batch` each, and within the token budget.

        An observation too long for a call on its own is cut to fit.
        """
        if self.llm is None or not observations:
            return []
        budget = self._budget()
        batches: list[list[Observation]] = []
        current: list[Observation] = []
        used = 0
        for obs in observations:
            cost = self.llm.count_tokens(self.record(obs)) + 4
            if cost > budget:
                obs = self._cut(obs, budget)
                cost = self.llm.count_tokens(self.record(obs)) + 4
            if current and (len(current) >= self.batch or used + cost > budget):
                batches.append(current)
                current, used = [], 0
            current.append(obs)
            used += cost
        if current:
            batches.append(current)
        return batches

    def _cut(self, obs: Observation, budget: int) -> Observation:
        assert self.llm is not None
        text = obs.text
        while len(text) > _MIN_RECORD_CHARS:
            cost = self.llm.count_tokens(self.record(dataclasses.replace(obs, text=text))) + 4
            if cost <= budget:
                break
            text = text[: int(len(text) * budget / cost * 0.95)]
        return dataclasses.replace(obs, text=text)

    def prompt(self, batch: Sequence[Observation], fence: DataFence) -> str:
        return _FRAMING.format(data=fence.wrap([self.record(obs) for obs in batch]))

    def _by_model(self, batch: list[Observation]) -> dict[str, list[Candidate]]:
        assert self.llm is not None
        try:
            output = self.llm.run("extract", self.prompt(batch, DataFence.new()), EXTRACT)
        except ModelOutputError as exc:
            log.warning("extraction call failed (%s); %d observations go by rules", exc, len(batch))
            return {obs.id: self._by_rules(obs, ()) for obs in batch}
        found: dict[str, list[Candidate]] = {obs.id: [] for obs in batch}
        for item in output.get("memories", []):
            candidate = self._candidate(item, batch)
            if candidate is None:
                self.dropped += 1
                continue
            found[candidate.memory.sources[0]].append(candidate)
        return found

    def _candidate(self, item: dict[str, Any], batch: list[Observation]) -> Candidate | None:
        """A checked candidate from one model item, or None when the item is not usable."""
        index = item.get("source")
        if not isinstance(index, int) or not 0 <= index < len(batch):
            return None
        obs = batch[index]
        trust = self.trust_of(obs)
        text = " ".join(redact(str(item.get("text", ""))).text.split())
        if not rules.is_memorable(text):
            return None
        mtype = MemoryType(item["type"])
        if trust is Trust.ASSISTANT and mtype not in (MemoryType.PROCEDURAL, MemoryType.RESOURCE):
            return None
        named = trust not in (Trust.USER, Trust.ASSISTANT) and obs.speaker
        if named and obs.speaker and obs.speaker.casefold() not in text.casefold():
            text = f"{obs.speaker}: {text}"
        fields: dict[str, Any] = {}
        if obs.speaker:
            fields["speaker"] = obs.speaker
        entities = [e.strip() for e in item.get("entities", []) if str(e).strip()]
        if entities:
            fields["entities"] = list(dict.fromkeys(entities))
        for key in ("place", "quantity"):
            value = str(item.get(key, "")).strip()
            if value:
                fields[key] = redact(value).text
        valid_from = obs.time
        mentions = find_dates(text, obs.time)
        day = mentions[0].day if mentions else _plausible_date(item.get("date"), obs.time)
        if mentions:
            fields["dates"] = [m.as_dict() for m in mentions]
        if day is not None:
            fields["date"] = day.isoformat()
            valid_from = start_of_day(day, obs.time)
        flags = tuple(injection_reasons(text)) if untrusted(trust) else ()
        memory = Memory(
            type=mtype,
            text=text,
            fields=fields,
            valid_from=valid_from,
            sources=[obs.id],
            importance=rules.IMPORTANCE[mtype],
        )
        return Candidate(memory, trust, "model", self.subject_of(obs), flags)


def _plausible_date(raw: object, ref: datetime) -> date | None:
    """The model's date if it is a real calendar date within a sane distance of the observation."""
    if not isinstance(raw, str):
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    today = ref.date()
    if not today - timedelta(days=366 * 30) <= day <= today + timedelta(days=366 * 5):
        return None
    return day

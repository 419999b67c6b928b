"""The memory pipeline's front door: observations in, decided memories out, in one transaction.

Each observation is redacted first (card numbers, keys, passwords, one-time codes, IBANs), so no
secret touches the database or a model; then stored (an observation whose source id is already
known is skipped, which makes imports idempotent and resumable); then its candidates are
extracted (batched, by model or rules) and each goes through the update step. Everything one
`ingest` call does lands in one transaction, or nothing does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.memory import Action, Decision, Observation, Status
from core.pipeline.extract import Extractor
from core.pipeline.redaction import redact
from core.pipeline.rules import SpeakerRoles
from core.pipeline.update import Updater
from core.pipeline.usage import MeteredLLM, Usage
from core.ports import LLM
from core.settings import PipelineSettings
from core.store import Store


@dataclass
class IngestReport:
    """What ingesting did, for the CLI, the GUI and the benchmark."""

    observations_added: int = 0
    already_known: int = 0
    secrets_redacted: int = 0
    candidates: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "decisions"}
        out["by_type"] = dict(self.by_type)
        return out


class Pipeline:
    """Observations to memories for one store, with or without a model."""

    def __init__(
        self,
        store: Store,
        roles: SpeakerRoles,
        llm: LLM | None = None,
        settings: PipelineSettings | None = None,
        usage: Usage | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or PipelineSettings()
        self.usage = usage or Usage()
        self.llm = MeteredLLM(llm, self.usage) if llm is not None else None
        self.extractor = Extractor(roles, self.llm, self.settings.extract_batch)
        self.updater = Updater(store, self.settings, self.llm)

    def ingest(self, observations: Sequence[Observation]) -> IngestReport:
        """Redact, store, extract and decide, all in one transaction."""
        report = IngestReport()
        with self.store.write():
            fresh: list[Observation] = []
            for obs in observations:
                clean = self._redacted(obs, report)
                if self.store.add_observation(clean):
                    fresh.append(clean)
                    report.observations_added += 1
                else:
                    report.already_known += 1
            candidates = self.extractor.extract(fresh)
            report.candidates += len(candidates)
            decisions = self.updater.apply(candidates)
        by_id = {c.memory.id: c.memory for c in candidates}
        for decision in decisions:
            report.decisions.append(decision)
            if decision.action is Action.NOOP:
                report.duplicates += 1
                continue
            if decision.action is Action.DELETE:
                report.deleted += 1
                continue
            report.updated += decision.action is Action.UPDATE
            report.added += decision.action is Action.ADD
            created = by_id.get(decision.result_id or "")
            if created is not None:
                report.quarantined += created.status is Status.QUARANTINED
                kind = str(created.type)
                report.by_type[kind] = report.by_type.get(kind, 0) + 1
        return report

    @staticmethod
    def _redacted(obs: Observation, report: IngestReport) -> Observation:
        """The observation with secrets taken out of its text and window title."""
        text = redact(obs.text)
        window = redact(obs.window) if obs.window else None
        report.secrets_redacted += len(text.kinds) + (len(window.kinds) if window else 0)
        if not text.kinds and not (window and window.kinds):
            return obs
        return dataclasses.replace(
            obs, text=text.text, window=window.text if window else obs.window
        )

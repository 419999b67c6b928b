"""The detail pane of the memory browser: one memory version with everything known about it.

`load_details` gathers, in one read on the GUI thread's reader connection, what `mnemo memories
show` prints: the version, its whole version chain, its source observations, its links (with the
memory at the other end) and the decisions that made or changed it. `MemoryDetailPane` lays that
out read-only. A vault memory's text, fields, older texts and decision candidates stay hidden
until the user presses Reveal, and its sources cannot be opened before that either (they hold
the same secret); revealing lasts until another memory is shown. Sources, versions and links are
lists whose items open on a click or on Enter: the pane only says what was chosen (signals), and
the browser decides what opening means (a chat-turn dialog, the timeline, another memory).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.gui.memory_list import one_line, quarantine_reasons, when_of
from app.qt import Qt, QtGui, QtWidgets, Signal
from core.memory import Decision, Link, Memory, MemoryType, Observation, Source, Status, Tier
from core.store import Store

ITEM_ROLE = int(Qt.ItemDataRole.UserRole) + 2
HIDDEN = "Hidden: this is a vault memory. Press Reveal to show it."
EXCERPT_CHARS = 100


@dataclass
class MemoryDetails:
    """One memory version and what surrounds it, as the detail pane shows it."""

    memory: Memory
    chain: list[Memory]
    sources: list[Observation]
    links: list[tuple[Link, Memory | None]] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    @property
    def is_head(self) -> bool:
        """True when this is the newest version of its chain."""
        return self.chain[-1].id == self.memory.id


def load_details(store: Store, memory_id: str) -> MemoryDetails:
    """Everything the pane shows about `memory_id`, read in one go (`mnemo memories show`)."""
    with store.read():
        memory = store.get_memory(memory_id)
        chain = store.versions(memory.id)
        found = store.observations(memory.sources)
        sources = [found[o] for o in memory.sources if o in found]
        links = store.links_of([memory.id])
        others = {link.dst if link.src == memory.id else link.src for link in links}
        rowids = store.rowids_of(sorted(others))
        loaded = store.memories_by_rowid(list(rowids.values()))
        by_id = {m.id: m for m in loaded.values()}
        paired = [
            (link, by_id.get(link.dst if link.src == memory.id else link.src)) for link in links
        ]
        paired.sort(key=lambda pair: (-pair[0].weight, str(pair[0].kind)))
        decisions = store.decisions_for([m.id for m in chain])
    return MemoryDetails(memory, chain, sources, paired, decisions)


def stamp(value: datetime | None) -> str:
    """A time in the user's local zone, to the minute."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value is not None else ""


def pretty_fields(fields: dict[str, Any]) -> str:
    """Structured fields as 'key: value' lines (lists joined, objects as key=value pairs)."""

    def show(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(show(v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}={show(v)}" for k, v in sorted(value.items()))
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False)

    return "\n".join(f"{key}: {show(value)}" for key, value in sorted(fields.items())) or "none"


def excerpt(text: str) -> str:
    """The first words of an observation, on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def source_label(obs: Observation, hidden: bool) -> str:
    """How a source reads in the list: kind, who or which window, when, and its first words."""
    if obs.source is Source.SCREEN:
        where = " — ".join(p for p in (obs.app, obs.window) if p) or "screen"
        head = f"Screen · {where} · {stamp(obs.time)}"
    elif obs.source is Source.CHAT:
        head = f"Chat · {obs.speaker or 'unknown speaker'} · {stamp(obs.time)}"
    else:
        head = f"Import · {obs.external_id or obs.id} · {stamp(obs.time)}"
    if hidden or not obs.text:
        return head
    return f"{head} — {excerpt(obs.text)}"


class LinkListWidget(QtWidgets.QListWidget):
    """A list whose items open on a click or on Enter/Space (`chosen`), never twice per click."""

    chosen = Signal(object)  # the chosen item's ITEM_ROLE data

    def __init__(self, name: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setSizeAdjustPolicy(QtWidgets.QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.setMaximumHeight(180)
        self.setWordWrap(True)
        self.itemClicked.connect(self._choose)

    def add(self, text: str, value: object, tooltip: str, enabled: bool = True) -> None:
        """Append an item carrying `value`; a disabled one says why in its tooltip."""
        item = QtWidgets.QListWidgetItem(text)
        item.setData(ITEM_ROLE, value)
        item.setToolTip(tooltip)
        if not enabled:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        self.addItem(item)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            item = self.currentItem()
            if item is not None:
                self._choose(item)
                return
        super().keyPressEvent(event)

    def _choose(self, item: QtWidgets.QListWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.chosen.emit(item.data(ITEM_ROLE))


class MemoryDetailPane(QtWidgets.QScrollArea):
    """Read-only details of one memory version, with Reveal for vault memories."""

    source_chosen = Signal(object)  # Observation
    memory_requested = Signal(str)  # a linked memory's id: the browser shows it
    version_chosen = Signal(str)  # a version's id: the pane's owner loads and shows it

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Memory details")
        self.setWidgetResizable(True)
        self.details: MemoryDetails | None = None
        self.revealed = False

        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        self.title = QtWidgets.QLabel()
        self.title.setAccessibleName("Memory title")
        heading = self.title.font()
        heading.setBold(True)
        heading.setPointSizeF(heading.pointSizeF() * 1.15)
        self.title.setFont(heading)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)

        self.text = self._value("Memory text")
        layout.addWidget(self.text)
        self.reveal_button = QtWidgets.QPushButton("&Reveal")
        self.reveal_button.setAccessibleName("Reveal vault memory")
        self.reveal_button.setToolTip("Show this vault memory's text and fields (Alt+R)")
        self.reveal_button.clicked.connect(self.toggle_reveal)
        layout.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignLeft)

        form = QtWidgets.QFormLayout()
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rows: dict[str, QtWidgets.QLabel] = {}
        for name in (
            "Type",
            "Fields",
            "Valid",
            "Recorded",
            "Superseded",
            "Importance",
            "Strength",
            "Recalled",
            "Tier",
            "Pinned",
            "Status",
            "Id",
        ):
            self.rows[name] = self._value(name)
            form.addRow(f"{name}:", self.rows[name])
        layout.addLayout(form)

        self.sources = LinkListWidget("Sources")
        self.sources.chosen.connect(self.source_chosen.emit)
        self.versions = LinkListWidget("Version history")
        self.versions.chosen.connect(lambda value: self.version_chosen.emit(str(value)))
        self.links = LinkListWidget("Linked memories")
        self.links.chosen.connect(lambda value: self.memory_requested.emit(str(value)))
        self.decisions = self._value("Decisions")
        self.section_labels: dict[str, QtWidgets.QLabel] = {}
        for title, widget in (
            ("Sources", self.sources),
            ("Versions", self.versions),
            ("Links", self.links),
            ("Decisions", self.decisions),
        ):
            label = QtWidgets.QLabel(title)
            label.setFont(heading)
            self.section_labels[title] = label
            layout.addWidget(label)
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setWidget(body)
        self.clear("Select a memory to see its details.")

    @staticmethod
    def _value(name: str) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel()
        label.setAccessibleName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)  # memory text is data, never markup
        label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        return label

    # -- showing ---------------------------------------------------------------------------
    @property
    def memory(self) -> Memory | None:
        """The version on show, if any."""
        return self.details.memory if self.details is not None else None

    @property
    def hidden(self) -> bool:
        """True while a vault memory's text is hidden."""
        memory = self.memory
        return memory is not None and memory.type is MemoryType.VAULT and not self.revealed

    def clear(self, message: str) -> None:
        """Show no memory, only `message`."""
        self.details = None
        self.revealed = False
        self.title.setText(message)
        self.text.clear()
        self.reveal_button.hide()
        for label in self.rows.values():
            label.clear()
        for widget in (self.sources, self.versions, self.links):
            widget.clear()
        self.decisions.clear()
        self._set_sections_visible(False)

    def show_details(self, details: MemoryDetails, keep_reveal: bool = False) -> None:
        """Show one memory version; a vault memory starts hidden unless `keep_reveal` and it is
        another version of the one revealed."""
        same = self.details is not None and details.memory.id in {m.id for m in self.details.chain}
        self.revealed = self.revealed and keep_reveal and same
        self.details = details
        self._render()

    def toggle_reveal(self) -> None:
        """Reveal (or hide again) the vault memory on show."""
        if self.details is None:
            return
        self.revealed = not self.revealed
        self._render()

    def update_counters(self, memory: Memory) -> None:
        """Refresh the recall numbers after the memory was opened (counted as a recall)."""
        if self.details is None or self.details.memory.id != memory.id:
            return
        self.details.memory = memory
        self._render_numbers(memory)

    def _set_sections_visible(self, visible: bool) -> None:
        for label in self.section_labels.values():
            label.setVisible(visible)
        for widget in (self.sources, self.versions, self.links, self.decisions):
            widget.setVisible(visible)

    def _render(self) -> None:
        details = self.details
        assert details is not None
        memory, hidden = details.memory, self.hidden
        self._set_sections_visible(True)
        position = next(i for i, m in enumerate(details.chain, 1) if m.id == memory.id)
        state = "current" if memory.is_current else _state(memory)
        self.title.setText(
            f"{str(memory.type).capitalize()} memory · version {position} of "
            f"{len(details.chain)} · {state}"
        )
        self.text.setText(HIDDEN if hidden else memory.text)
        vault = memory.type is MemoryType.VAULT
        self.reveal_button.setVisible(vault)
        self.reveal_button.setText("Hide &text" if self.revealed else "&Reveal")
        self.reveal_button.setAccessibleName(
            "Hide vault memory" if self.revealed else "Reveal vault memory"
        )
        rows = self.rows
        rows["Type"].setText(str(memory.type))
        rows["Fields"].setText("(hidden)" if hidden else pretty_fields(memory.fields))
        if memory.valid_from is None and memory.valid_to is None:
            rows["Valid"].setText("not dated")
        else:
            start = stamp(memory.valid_from) or "the start"
            end = stamp(memory.valid_to) or "now (still holds)"
            rows["Valid"].setText(f"from {start} to {end}")
        rows["Recorded"].setText(stamp(memory.recorded_at))
        rows["Superseded"].setText(stamp(memory.superseded_at) or "no (the current version)")
        rows["Importance"].setText(f"{memory.importance:.2f}")
        rows["Pinned"].setText("yes: it never fades" if memory.pinned else "no")
        status = str(memory.status)
        if memory.status is Status.QUARANTINED:
            status += f" ({quarantine_reasons(memory)}): never used in answers until approved"
        rows["Status"].setText(status)
        rows["Id"].setText(memory.id)
        self._render_numbers(memory)

        self.sources.clear()
        for obs in details.sources:
            opens = {
                Source.CHAT: "Open this chat turn with the turns around it",
                Source.SCREEN: "Show this screen on the timeline",
            }.get(obs.source, "Show this imported record")
            self.sources.add(
                source_label(obs, hidden),
                obs,
                "Reveal the memory first: its sources hold the same secret"
                if hidden
                else f"{opens} (click or Enter)",
                enabled=not hidden,
            )
        if not details.sources:
            self.sources.add("No sources (written by the sleep job or the user)", None, "", False)

        self.versions.clear()
        for version in details.chain:
            mark = "●" if version.id == memory.id else "○"
            text = HIDDEN if hidden else one_line(version)
            label = f"{mark} v{version.version} · {when_of(version)} · {_state(version)} — {text}"
            self.versions.add(label, version.id, "Show this version (click or Enter)")

        self.links.clear()
        for link, other in details.links:
            arrow = "→" if link.src == memory.id else "←"
            if other is None or other.status is Status.DELETED:
                label = f"{link.kind} {arrow} (a forgotten memory)"
                self.links.add(label, "", "That memory was erased", enabled=False)
                continue
            shown = HIDDEN if hidden and other.type is MemoryType.VAULT else one_line(other)
            label = f"{link.kind} ({link.weight:.2f}) {arrow} [{other.type}] {shown}"
            self.links.add(label, other.id, "Show the linked memory (click or Enter)")
        if not details.links:
            self.links.add("No links", "", "", enabled=False)

        lines = []
        for decision in details.decisions:
            lines.append(
                f"{stamp(decision.time)}  {decision.action} by {decision.decided_by}: "
                f"{decision.reason}"
            )
            if decision.candidate:
                lines.append(f"    candidate: {'(hidden)' if hidden else decision.candidate}")
        self.decisions.setText("\n".join(lines) or "No decisions recorded.")

    def _render_numbers(self, memory: Memory) -> None:
        rows = self.rows
        rows["Strength"].setText(f"{memory.strength:.2f}")
        last = f" (last {stamp(memory.last_recalled_at)})" if memory.last_recalled_at else ""
        rows["Recalled"].setText(f"{memory.recall_count} time(s){last}")
        rows["Tier"].setText(
            "hot (searched by default)"
            if memory.tier is Tier.HOT
            else "cold (faded: searched only on request)"
        )


def _state(memory: Memory) -> str:
    """A version's lifecycle in a word or two."""
    if memory.status is not Status.ACTIVE:
        return str(memory.status)
    if memory.superseded_at is not None:
        return f"superseded {stamp(memory.superseded_at)}"
    return "current"

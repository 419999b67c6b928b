"""The memory browser's dialogs: a chat turn in its conversation, and editing a memory.

`ChatTurnDialog` answers "where did this come from?" for a chat source: the cited turn with the
turns around it in the same session (observations of that session, nearest in time, read on the
GUI thread's reader connection and bounded to a few days either side so a first turn never scans
the whole history), the cited one selected and bold.

`MemoryEditDialog` never writes anything itself. It checks the input (text not empty, dates that
`parse_when` reads, as the CLI's `--since`/`--until` do, an end not before the start, something
actually changed) and emits `submitted`; the browser saves on the `db` lane and either closes the
dialog or hands the error back to it, so a failed save never loses what the user typed.
`edited_version` builds the new version the way the pipeline's UPDATE does: a new memory that
`Store.supersede` appends to the chain, never an overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.cli import parse_when
from app.gui.memory_detail import stamp
from app.gui.ops import describe_error
from app.qt import Qt, QtWidgets, Signal
from core.errors import InvalidInputError
from core.memory import Memory, Observation, Source
from core.pipeline.slots import slot_of
from core.store import Store

NEIGHBOURS = 4  # turns shown before and after the cited one
NEIGHBOUR_WINDOW_S = 3 * 86400.0


def chat_turns(store: Store, obs: Observation, around: int = NEIGHBOURS) -> list[Observation]:
    """The chat turn `obs` with up to `around` turns of its session before and after, in order."""
    same = "session = ?" if obs.session is not None else "session IS NULL"
    session = [obs.session] if obs.session is not None else []
    ts = obs.time.timestamp()
    with store.read() as conn:
        before = conn.execute(
            f"SELECT id FROM observations WHERE source = ? AND {same} AND ts >= ? "
            "AND (ts < ? OR (ts = ? AND id < ?)) ORDER BY ts DESC, id DESC LIMIT ?",
            [str(Source.CHAT), *session, ts - NEIGHBOUR_WINDOW_S, ts, ts, obs.id, around],
        ).fetchall()
        after = conn.execute(
            f"SELECT id FROM observations WHERE source = ? AND {same} AND ts <= ? "
            "AND (ts > ? OR (ts = ? AND id > ?)) ORDER BY ts, id LIMIT ?",
            [str(Source.CHAT), *session, ts + NEIGHBOUR_WINDOW_S, ts, ts, obs.id, around],
        ).fetchall()
        ids = [r[0] for r in reversed(before)] + [obs.id] + [r[0] for r in after]
        found = store.observations(ids)
    found.setdefault(obs.id, obs)
    return [found[i] for i in ids if i in found]


class ChatTurnDialog(QtWidgets.QDialog):
    """One chat turn among its neighbours in the same conversation, the cited turn highlighted."""

    def __init__(
        self, store: Store, obs: Observation, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chat turn")
        self.setAccessibleName("Chat turn")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(560, 420)
        self.turns = chat_turns(store, obs)
        self.cited_row = next(i for i, turn in enumerate(self.turns) if turn.id == obs.id)

        layout = QtWidgets.QVBoxLayout(self)
        where = f"conversation {obs.session}" if obs.session else "chat"
        intro = QtWidgets.QLabel(
            f"From the {where}, {stamp(obs.time)}. The turn the memory came from is selected."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.list = QtWidgets.QListWidget()
        self.list.setAccessibleName("Chat turns")
        self.list.setWordWrap(True)
        for row, turn in enumerate(self.turns):
            text = turn.text or "(erased: the user forgot what was said here)"
            item = QtWidgets.QListWidgetItem(
                f"{turn.speaker or 'unknown speaker'} · {stamp(turn.time)}\n{text}"
            )
            if row == self.cited_row:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setToolTip("The turn this memory came from")
            self.list.addItem(item)
        layout.addWidget(self.list, 1)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.setAccessibleName("Dialog buttons")
        layout.addWidget(buttons)
        self.list.setCurrentRow(self.cited_row)
        self.list.scrollToItem(self.list.item(self.cited_row))
        self.list.setFocus()

    def cited_text(self) -> str:
        """The cited turn's text as shown (what a test or a screen reader checks)."""
        return self.list.item(self.cited_row).text()


@dataclass(frozen=True)
class EditRequest:
    """What the user asked for: the new text and validity dates."""

    text: str
    valid_from: datetime | None
    valid_to: datetime | None


def edited_version(old: Memory, request: EditRequest) -> Memory:
    """The new version an edit makes: same type, sources and importance; new text and dates."""
    fields = dict(old.fields)
    slot = fields.get("slot")
    if isinstance(slot, dict) and request.text != old.text:
        # The slot says which attribute the text sets and to what; an edited text decides it
        # again (a stale value would make the pipeline think the old value still holds).
        subject = str(slot.get("subject") or "user")
        fresh = slot_of(request.text, subject)
        if fresh is None:
            del fields["slot"]
        else:
            fields["slot"] = fresh.as_dict()
    return Memory(
        type=old.type,
        text=request.text,
        fields=fields,
        valid_from=request.valid_from,
        valid_to=request.valid_to,
        sources=list(old.sources),  # the edited fact still comes from the same observations
        importance=old.importance,
        pinned=old.pinned,
    )


class MemoryEditDialog(QtWidgets.QDialog):
    """Edit a memory's text and validity dates; saving makes a new version (the browser saves)."""

    submitted = Signal(object)  # EditRequest

    def __init__(self, memory: Memory, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.memory = memory
        self.saving = False
        self.setWindowTitle("Edit memory")
        self.setAccessibleName("Edit memory")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(520, 360)

        layout = QtWidgets.QVBoxLayout(self)
        note = QtWidgets.QLabel(
            "Saving keeps this version in the history: the edit becomes a new version that "
            "supersedes it."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QtWidgets.QFormLayout()
        self.text = QtWidgets.QPlainTextEdit(memory.text)
        self.text.setAccessibleName("Memory text")
        self.text.setTabChangesFocus(True)  # Tab moves on, so the dialog works from the keyboard
        text_label = QtWidgets.QLabel("&Text:")
        text_label.setBuddy(self.text)
        form.addRow(text_label, self.text)
        self._shown_from = _editable(memory.valid_from)
        self._shown_to = _editable(memory.valid_to)
        self.valid_from = QtWidgets.QLineEdit(self._shown_from)
        self.valid_from.setAccessibleName("Valid from")
        self.valid_from.setPlaceholderText(
            "e.g. 2026-03-10, 2026-03-10 14:00, yesterday; empty: none"
        )
        from_label = QtWidgets.QLabel("Valid &from:")
        from_label.setBuddy(self.valid_from)
        form.addRow(from_label, self.valid_from)
        self.valid_to = QtWidgets.QLineEdit(self._shown_to)
        self.valid_to.setAccessibleName("Valid until")
        self.valid_to.setPlaceholderText("empty: it still holds; a date alone includes that day")
        to_label = QtWidgets.QLabel("Valid &until:")
        to_label.setBuddy(self.valid_to)
        form.addRow(to_label, self.valid_to)
        layout.addLayout(form)

        self.error = QtWidgets.QLabel()
        self.error.setAccessibleName("Edit problem")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.hide()
        layout.addWidget(self.error)

        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Save
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.setAccessibleName("Dialog buttons")
        self.save_button = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save as a new version")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.setFocus()

    def request(self) -> EditRequest:
        """The checked input; raises `InvalidInputError` with a message the user can act on."""
        text = self.text.toPlainText().strip()
        if not text:
            raise InvalidInputError("The text cannot be empty: write what the memory says.")
        start = self._date(self.valid_from, self._shown_from, self.memory.valid_from, "from")
        end = self._date(self.valid_to, self._shown_to, self.memory.valid_to, "until")
        if start is not None and end is not None and end < start:
            raise InvalidInputError("'Valid until' is before 'Valid from': swap them or fix one.")
        memory = self.memory
        if (text, start, end) == (memory.text, memory.valid_from, memory.valid_to):
            raise InvalidInputError("Nothing changed: edit the text or the dates, or Cancel.")
        return EditRequest(text, start, end)

    @staticmethod
    def _date(
        edit: QtWidgets.QLineEdit, shown: str, original: datetime | None, which: str
    ) -> datetime | None:
        raw = edit.text().strip()
        if raw == shown:
            return original  # unchanged: keep the exact stored time, not its shown minutes
        if not raw:
            return None
        try:
            return parse_when(raw, end=which == "until")
        except InvalidInputError as exc:
            raise InvalidInputError(f"Valid {which}: {exc.message}") from None

    def submit(self) -> None:
        """Check the input and hand it to the browser to save; problems stay in the dialog."""
        try:
            request = self.request()
        except InvalidInputError as exc:
            self.show_problem(exc.message)
            return
        self.error.hide()
        self.saving = True
        self.buttons.setEnabled(False)
        self.save_button.setText("Saving…")
        self.submitted.emit(request)

    def reject(self) -> None:
        """Cancel, unless a save is under way (its result still has to land here)."""
        if not self.saving:
            super().reject()

    def failed(self, error: BaseException) -> None:
        """The save failed: say why and let the user try again (nothing typed is lost)."""
        message, _details = describe_error(error)
        self.show_problem(message)

    def show_problem(self, message: str) -> None:
        self.error.setText(f"⚠ {message}")
        self.error.show()
        self.saving = False
        self.buttons.setEnabled(True)
        self.save_button.setText("Save")


def _editable(value: datetime | None) -> str:
    """A stored time as the user edits it: local, to the minute, readable by `parse_when`."""
    return value.astimezone().isoformat(sep=" ", timespec="minutes") if value else ""

"""The chat view: tell Mnemo things or ask it, with answers that stream in and cite their memories.

Each turn is `ctx.chat().turn(text, on_text=job.emit, cancel=job.cancel_event)` on the inference
lane, the same `core.chat.ChatSession` the CLI's `mnemo chat` uses, so both sides of the
conversation are stored as observations and feed memory. While a model writes, the growing answer
arrives as partial values (whole words, already redacted, see `core.pipeline.answer`) and replaces
the reply's text; the final reply then replaces the preview with the parsed answer, its warnings
and one chip per citation. A chip is a flat, keyboard-focusable button: it opens the memory in the
memory browser (`events.open_memory`), its tooltip says where the memory came from, and its context
menu (the Menu key works too) opens the source chat turn or screen frame. Stop sets the job's cancel
event: the model stops between tokens and the session stores nothing for that turn.

The transcript is a column of small widgets in a scroll area rather than one rich-text document,
because a chip must be a real button with an accessible name. Its labels remember their wrapped
heights and its scroll bar never comes and goes (which would re-wrap everything at a new width),
so a streamed word costs a few milliseconds even two hundred exchanges in; beyond
`MAX_EXCHANGES` the oldest exchanges leave the screen (they are in memory). All text from the
store or the model is shown as plain text, never as rich text: a captured page cannot inject
markup.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from app.cli import shown_text
from app.gui.context import AppContext
from app.gui.ops import Job, Op, describe_error
from app.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from core.chat import Reply
from core.errors import CancelledError
from core.pipeline.answer import Citation, SourceRef

log = logging.getLogger(__name__)

MAX_EXCHANGES = 200  # question + reply pairs kept on screen
CHIP_CHARS = 60  # of the memory's text on a citation chip; the tooltip has all of it
STOPPED = "Stopped before the answer was finished; nothing was stored."
EMPTY_INPUT = "Type something to tell Mnemo or to ask it; nothing was sent."
STILL_BUSY = "Mnemo is still answering: wait for it, or press Stop (Esc) to interrupt."
EARLIER = "Earlier turns of this conversation are no longer shown here; they are in your memories."


def excerpt(text: str, limit: int = CHIP_CHARS) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def local_time(when: datetime) -> str:
    """`when` in the user's time zone, to the minute."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def describe_source(ref: SourceRef) -> str:
    """Where a cited memory came from, one line: the chat turn's speaker and time, or the screen."""
    when = local_time(ref.time)
    if ref.source == "screen":
        where = " — ".join(part for part in (ref.app, ref.window) if part) or "unknown window"
        return f"Screen: {where}, {when}"
    if ref.source == "chat":
        return f"Chat turn: {ref.speaker or 'someone'}, {when}"
    return f"Imported {ref.external_id or ref.observation_id}, {when}"


class WrappedLabel(QtWidgets.QLabel):
    """A word-wrapped label that remembers its height for each width.

    QLabel lays its text out again on every `heightForWidth` call, and the transcript's layout asks
    its labels again whenever the conversation's height changes (each streamed word, each resize).
    The text of a finished turn never changes, so its answer is kept until the text or font does.
    """

    def __init__(self) -> None:
        super().__init__()
        self._heights: dict[int, int] = {}

    def setText(self, text: str) -> None:
        self._heights.clear()
        super().setText(text)

    def setWordWrap(self, on: bool) -> None:
        self._heights.clear()
        super().setWordWrap(on)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._heights.clear()
        super().changeEvent(event)

    def heightForWidth(self, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = super().heightForWidth(width)
        return height


def plain_label(text: str = "", name: str = "") -> QtWidgets.QLabel:
    """A word-wrapped label that shows `text` as plain text (never markup) and can be copied."""
    label = WrappedLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    if name:
        label.setAccessibleName(name)
    return label


def caption_label(text: str = "") -> QtWidgets.QLabel:
    """A secondary line (status, hints) in the palette's muted text colour."""
    label = plain_label(text)
    label.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)
    return label


def bold(label: QtWidgets.QLabel) -> QtWidgets.QLabel:
    """The label, in bold (a heading that follows the user's font size)."""
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class ChatInputEdit(QtWidgets.QPlainTextEdit):
    """The message box: Enter sends, Shift+Enter starts a new line, Tab moves on."""

    submitted = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Message to Mnemo")
        self.setAccessibleDescription("Enter sends; Shift+Enter starts a new line.")
        self.setPlaceholderText(
            "Tell Mnemo something, or ask it… (Enter sends, Shift+Enter: new line)"
        )
        self.setTabChangesFocus(True)  # Tab must reach the buttons and the citation chips
        line = self.fontMetrics().lineSpacing()
        self.setMinimumHeight(line * 2 + 12)
        self.setMaximumHeight(line * 6 + 12)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")  # a plain newline, not a Unicode line separator
            else:
                self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class CitationChip(QtWidgets.QToolButton):
    """One cited memory: click (or Space/Enter) opens it; the context menu opens its sources."""

    def __init__(self, ctx: AppContext, citation: Citation) -> None:
        super().__init__()
        self.memory_id = citation.memory.id
        text = shown_text(citation.memory)  # a vault memory is never shown in clear
        short = excerpt(text)
        self.setText(f"[{citation.number}] {short}")
        self.setAccessibleName(f"Citation {citation.number}: {short}")
        self.setAutoRaise(True)  # flat until hovered or focused
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        sources = [describe_source(ref) for ref in citation.sources] or ["Source no longer stored"]
        self.setToolTip("\n".join([excerpt(text, 300), *sources]))
        self.setAccessibleDescription("; ".join(sources))
        events = ctx.events
        self.clicked.connect(lambda: events.open_memory.emit(self.memory_id))
        # A separate menu, not the button's own actions: a tool button with actions grows a
        # menu arrow and opens them on press-and-hold.
        self.source_menu = QtWidgets.QMenu(self)
        self.source_menu.setAccessibleName(f"Citation {citation.number} menu")
        opened = self.source_menu.addAction("&Open memory")
        opened.triggered.connect(lambda: events.open_memory.emit(self.memory_id))
        for ref in citation.sources:
            self.source_menu.addAction(self._source_action(ctx, ref))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(
            lambda pos: self.source_menu.popup(self.mapToGlobal(pos))
        )

    def _source_action(self, ctx: AppContext, ref: SourceRef) -> QtGui.QAction:
        if ref.source == "screen" and ref.frame_path:
            frame_id = PurePosixPath(ref.frame_path).stem  # frames are stored as <id>.mnf
            action = QtGui.QAction(f"Show the screen frame ({describe_source(ref)})", self)
            action.triggered.connect(lambda: ctx.events.open_frame.emit(frame_id))
        else:
            action = QtGui.QAction(f"Show the source ({describe_source(ref)})", self)
            action.triggered.connect(lambda: ctx.events.open_observation.emit(ref.observation_id))
        return action

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # tool buttons only take Space
            self.click()
            event.accept()
            return
        super().keyPressEvent(event)


class UserTurnWidget(QtWidgets.QFrame):
    """What the user said, on the palette's alternate background."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.setBackgroundRole(QtGui.QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addWidget(bold(plain_label(f"You · {datetime.now():%H:%M}")))
        self.body = plain_label(text, "You said")
        layout.addWidget(self.body)


class ReplyWidget(QtWidgets.QFrame):
    """Mnemo's reply to one turn: thinking, streaming, then the answer with warnings and chips."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.state = "thinking"  # then streaming, then answered | stopped | failed
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(bold(plain_label("Mnemo")))
        self.body = plain_label("", "Mnemo said")
        self.body.hide()
        layout.addWidget(self.body)
        self.status = caption_label("Thinking…")
        self.status.setAccessibleName("Reply status")
        layout.addWidget(self.status)
        self.notes = QtWidgets.QVBoxLayout()
        self.notes.setSpacing(2)
        layout.addLayout(self.notes)
        self.chip_box = QtWidgets.QVBoxLayout()
        self.chip_box.setSpacing(0)
        layout.addLayout(self.chip_box)
        self.warnings: list[QtWidgets.QLabel] = []
        self.chips: list[CitationChip] = []

    @property
    def text(self) -> str:
        """What the reply says so far."""
        return self.body.text()

    def _set_body(self, text: str) -> None:
        self.body.setText(text)
        self.body.setVisible(bool(text))

    def show_partial(self, text: str) -> None:
        """The answer so far, while the model writes it."""
        if self.state in ("thinking", "streaming"):
            self.state = "streaming"
            self._set_body(text)
            self.status.setText("Answering…")

    def stopping(self) -> None:
        """Stop was pressed; the answer ends at the model's next token."""
        self.status.setText("Stopping…")

    def show_reply(self, reply: Reply) -> None:
        """The final reply: the answer (or the acknowledgement of a told turn), warnings, chips."""
        self.state = "answered"
        self._set_body(reply.text)
        self.status.hide()
        answer = reply.answer
        if answer is None:
            return
        for warning in answer.warnings:
            self._note(warning, "Warning")
        if answer.abstained:
            return
        for citation in answer.citations:
            chip = CitationChip(self.ctx, citation)
            self.chip_box.addWidget(chip, 0, Qt.AlignmentFlag.AlignLeft)
            self.chips.append(chip)

    def mark_stopped(self) -> None:
        """The user stopped the turn: keep what was written, say it is unfinished."""
        self.state = "stopped"
        self.status.setText(STOPPED)
        self.status.show()

    def show_error(self, message: str) -> None:
        """The turn failed: one line saying why."""
        self.state = "failed"
        self.status.hide()
        self._note(message, "Error")

    def _note(self, text: str, kind: str) -> None:
        row = QtWidgets.QHBoxLayout()
        icon = QtWidgets.QLabel()
        standard = QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning
        size = self.fontMetrics().height()
        icon.setPixmap(self.style().standardIcon(standard).pixmap(size, size))
        icon.setAccessibleName(kind)
        label = plain_label(text, kind)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(label, 1)
        self.notes.addLayout(row)
        self.warnings.append(label)


class TranscriptView(QtWidgets.QScrollArea):
    """The conversation, newest at the bottom; follows new text unless the user scrolled up."""

    def __init__(self, limit: int = MAX_EXCHANGES) -> None:
        super().__init__()
        self.setAccessibleName("Conversation")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A scroll bar that came and went would change the width every label is wrapped to,
        # and each streamed word would then lay out the whole conversation at two widths.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the chips, not the scroll area
        self.limit = limit
        body = QtWidgets.QWidget()
        self._layout = QtWidgets.QVBoxLayout(body)
        self._layout.setSpacing(6)
        self.earlier = caption_label(EARLIER)
        self.earlier.hide()
        self._layout.addWidget(self.earlier)
        self._layout.addStretch(1)
        self.setWidget(body)
        self.turns: deque[tuple[UserTurnWidget, ReplyWidget]] = deque()
        self._follow = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(self._grew)

    def add_exchange(self, text: str, ctx: AppContext) -> ReplyWidget:
        """Show the user's turn and an empty reply under it; returns the reply to fill in."""
        said, reply = UserTurnWidget(text), ReplyWidget(ctx)
        end = self._layout.count() - 1  # before the stretch
        self._layout.insertWidget(end, said)
        self._layout.insertWidget(end + 1, reply)
        self.turns.append((said, reply))
        while len(self.turns) > self.limit:
            for widget in self.turns.popleft():
                self._layout.removeWidget(widget)
                widget.deleteLater()
            self.earlier.show()
        self._follow = True  # the user just sent something: show it
        return reply

    def _scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - 4

    def _grew(self, low: int, high: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(high)


class _Liveness:
    """Whether the view still exists, for callbacks that arrive after it was destroyed."""

    def __init__(self) -> None:
        self.alive = True
        self.op: Op[Any] | None = None

    def die(self, *args: object) -> None:
        self.alive = False
        if self.op is not None:
            self.op.cancel()


class ChatView(QtWidgets.QWidget):
    """The chat page: the transcript, the message box, Send and Stop."""

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName("Chat")
        self.transcript = TranscriptView()
        self.input = ChatInputEdit()
        self.send_button = QtWidgets.QPushButton("&Send")
        self.send_button.setAccessibleName("Send")
        self.send_button.setToolTip("Send the message (Enter)")
        self.stop_button = QtWidgets.QPushButton("S&top")
        self.stop_button.setAccessibleName("Stop answering")
        self.stop_button.setToolTip("Stop the answer being written (Esc)")
        self.stop_button.hide()
        self.hint = caption_label()
        self.hint.setAccessibleName("Chat hint")
        self.hint.hide()

        buttons = QtWidgets.QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addLayout(buttons)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.transcript, 1)
        layout.addWidget(self.hint)
        layout.addLayout(row)
        self.setFocusProxy(self.input)
        QtWidgets.QWidget.setTabOrder(self.input, self.send_button)
        QtWidgets.QWidget.setTabOrder(self.send_button, self.stop_button)

        self.input.submitted.connect(self.send)
        self.input.textChanged.connect(self.hint.hide)
        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(self.stop)
        escape = QtGui.QShortcut(QtGui.QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.stop)
        self._live = _Liveness()
        self.destroyed.connect(self._live.die)
        self._reply: ReplyWidget | None = None

    @property
    def busy(self) -> bool:
        """Whether a turn is being answered."""
        return self._live.op is not None

    def send(self) -> None:
        """Send the message box's text as one turn (ignored, with a hint, if empty or busy)."""
        text = self.input.toPlainText().strip()
        if self.busy:
            self._hint(STILL_BUSY)
            return
        if not text:
            self._hint(EMPTY_INPUT)
            return
        self.input.clear()
        self.hint.hide()
        reply = self.transcript.add_exchange(text, self.ctx)
        ctx = self.ctx

        def work(job: Job) -> Reply:
            return ctx.chat().turn(text, on_text=job.emit, cancel=job.cancel_event)

        op = ctx.op(work, lane="inference", parent=self)
        op.on_partial(lambda value: self._partial(reply, value))
        op.success(lambda result: self._answered(reply, result))
        op.failure(lambda error: self._failed(reply, text, error))
        op.on_done(self._done)
        self._live.op = op
        self._reply = reply
        self._set_busy(True)
        op.run()

    def stop(self) -> None:
        """Stop the answer being written; the turn then stores nothing."""
        op = self._live.op
        if op is None or op.job.cancelled:
            return
        op.cancel()
        self.stop_button.setEnabled(False)
        if self._reply is not None:
            self._reply.stopping()

    # -- callbacks, on the GUI thread -------------------------------------------------------
    def _partial(self, reply: ReplyWidget, value: object) -> None:
        if self._live.alive:
            reply.show_partial(str(value))

    def _answered(self, reply: ReplyWidget, result: Reply) -> None:
        if self._live.alive:
            reply.show_reply(result)
        self.ctx.events.memories_changed.emit()

    def _failed(self, reply: ReplyWidget, text: str, error: BaseException) -> None:
        if isinstance(error, CancelledError):
            if self._live.alive:
                reply.mark_stopped()
            return
        message, details = describe_error(error)
        if details is not None:
            log.error("chat turn failed:\n%s", details)
        # The question's own turn may have been stored before the failure.
        self.ctx.events.memories_changed.emit()
        if not self._live.alive:
            return
        reply.show_error(message)
        if not self.input.toPlainText().strip():  # give the words back: nothing is lost
            self.input.setPlainText(text)

    def _done(self) -> None:
        self._live.op = None
        self._reply = None
        if self._live.alive:
            self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if not busy and self.stop_button.hasFocus():  # hiding it would drop focus elsewhere
            self.input.setFocus()
        self.send_button.setEnabled(not busy)
        self.stop_button.setVisible(busy)
        self.stop_button.setEnabled(busy)

    def _hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.show()


__all__ = ["ChatInputEdit", "ChatView", "CitationChip", "ReplyWidget", "TranscriptView"]

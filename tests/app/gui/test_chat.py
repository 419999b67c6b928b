"""The chat view, driven as a user drives it: questions, citation chips, streaming, Stop, errors."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.gui.chat import EARLIER, EMPTY_INPUT, STOPPED, ChatView, CitationChip, TranscriptView
from app.gui.context import AppContext, run_now
from app.qt import Qt, QtWidgets
from core.memory import Memory, MemoryType
from core.pipeline.answer import DONT_KNOW, Citation
from core.ports import LLM
from tests.core.pipeline.test_answer_stream import StreamingFakeLLM

LISBON_ANSWER = {"answer": "You live in Lisbon [0] now.", "citations": [0], "confidence": "high"}


def chat_view(ctx: AppContext, qtbot: Any) -> ChatView:
    view = ChatView(ctx)
    qtbot.addWidget(view)
    view.show()
    return view


def tell(ctx: AppContext, text: str) -> None:
    """Say something to Mnemo through the real session (rules), before the view is used."""
    run_now(ctx, lambda job: ctx.chat().turn(text), "inference")


def use_model(ctx: AppContext, llm: LLM) -> None:
    """Make the app's chat session run on `llm` (a scripted model) from the next turn on."""
    ctx._llm, ctx._llm_loaded, ctx._chat = llm, True, None


def type_and_send(view: ChatView, qtbot: Any, text: str) -> None:
    view.input.setPlainText(text)
    qtbot.keyClick(view.input, Qt.Key.Key_Return)


def say(view: ChatView, qtbot: Any, text: str) -> Any:
    """Send `text` with Enter and wait for the reply; returns the reply widget."""
    type_and_send(view, qtbot, text)
    reply = view.transcript.turns[-1][1]
    qtbot.waitUntil(lambda: not view.busy, timeout=10000)
    return reply


def chat_observations(ctx: AppContext) -> int:
    return int(ctx.reader.stats()["observations"].get("chat", 0))


def test_a_question_is_answered_with_a_chip_that_opens_its_memory(
    ctx: AppContext, qtbot: Any
) -> None:
    tell(ctx, "I live in Lisbon.")
    view = chat_view(ctx, qtbot)
    reply = say(view, qtbot, "where do I live?")
    assert "Lisbon" in reply.text and reply.state == "answered"
    (chip,) = reply.chips
    assert chip.accessibleName() == "Citation 1: I live in Lisbon."
    assert chip.autoRaise() and chip.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert "Chat turn: user, " in chip.toolTip()
    with qtbot.waitSignal(ctx.events.open_memory, timeout=2000) as clicked:
        qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert "Lisbon" in ctx.reader.get_memory(clicked.args[0]).text
    chip.setFocus()
    with qtbot.waitSignal(ctx.events.open_memory, timeout=2000) as pressed:
        qtbot.keyClick(chip, Qt.Key.Key_Return)  # the keyboard opens it too
    assert pressed.args == clicked.args
    opened, source = chip.source_menu.actions()  # the chip's context menu
    assert opened.text() == "&Open memory" and chip.actions() == []
    assert source.text().startswith("Show the source (Chat turn: user, ")
    with qtbot.waitSignal(ctx.events.open_observation, timeout=2000) as shown:
        source.trigger()
    (turn,) = ctx.reader.observations([shown.args[0]]).values()
    assert turn.text == "I live in Lisbon." and turn.source == "chat"


def test_an_unknown_question_says_i_dont_know_with_no_chips(ctx: AppContext, qtbot: Any) -> None:
    tell(ctx, "I live in Lisbon.")
    view = chat_view(ctx, qtbot)
    reply = say(view, qtbot, "what is my brother's name?")
    assert reply.text == DONT_KNOW and reply.chips == [] and reply.warnings == []


def test_a_told_turn_is_acknowledged_and_stored(ctx: AppContext, qtbot: Any) -> None:
    view = chat_view(ctx, qtbot)
    before = chat_observations(ctx)
    with qtbot.waitSignal(ctx.events.memories_changed, timeout=10000):
        reply = say(view, qtbot, "My cat is called Miso.")
    assert reply.text == "Remembered: My cat is called Miso." and reply.chips == []
    assert chat_observations(ctx) == before + 2  # the user's turn and the reply
    assert any("Miso" in m.text for m in ctx.reader.list_memories(limit=50))
    assert view.input.toPlainText() == "" and view.send_button.isEnabled()


def test_the_answer_streams_in_then_the_final_text_replaces_it(ctx: AppContext, qtbot: Any) -> None:
    tell(ctx, "I live in Lisbon.")
    gate = threading.Event()
    llm = StreamingFakeLLM(piece=2, gate=gate, hold_at=24)  # '{"answer": "You live in L'
    llm.default["extract"] = {"memories": []}
    llm.enqueue("answer", LISBON_ANSWER)
    use_model(ctx, llm)
    view = chat_view(ctx, qtbot)
    type_and_send(view, qtbot, "where do I live?")
    reply = view.transcript.turns[-1][1]
    assert reply.status.text() == "Thinking…" and view.stop_button.isVisible()
    qtbot.waitUntil(lambda: reply.state == "streaming", timeout=5000)
    qtbot.waitUntil(lambda: reply.text == "You live in", timeout=5000)  # whole words only
    assert view.busy and reply.chips == [] and not view.send_button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)
    assert reply.text == "You live in Lisbon [1] now." and reply.state == "answered"
    assert len(reply.chips) == 1 and not view.stop_button.isVisible()


@pytest.mark.parametrize("how", ["button", "escape"])
def test_stop_cancels_a_slow_answer_cleanly(ctx: AppContext, qtbot: Any, how: str) -> None:
    tell(ctx, "I live in Lisbon.")
    long_answer = "You live in Lisbon [0], " + "a city of hills and trams, " * 12
    llm = StreamingFakeLLM(piece=1, delay=0.01)
    llm.default["extract"] = {"memories": []}
    llm.enqueue("answer", {"answer": long_answer, "citations": [0], "confidence": "high"})
    use_model(ctx, llm)
    view = chat_view(ctx, qtbot)
    before = chat_observations(ctx)
    type_and_send(view, qtbot, "where do I live?")
    reply = view.transcript.turns[-1][1]
    qtbot.waitUntil(lambda: reply.state == "streaming", timeout=5000)
    if how == "button":
        qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    else:
        view.input.setFocus()
        qtbot.keyClick(view.input, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)
    assert reply.state == "stopped" and reply.status.text() == STOPPED
    assert reply.text.startswith("You") and len(reply.text) < len(long_answer)
    assert view.send_button.isEnabled() and not view.stop_button.isVisible()
    assert view.findChildren(QtWidgets.QMessageBox) == [] and reply.warnings == []
    assert chat_observations(ctx) == before  # a stopped question stores nothing
    after = say(view, qtbot, "I drink green tea.")  # the chat goes on (the fake extracts nothing)
    assert after.state == "answered" and after.text == "Noted."
    assert chat_observations(ctx) == before + 2


def test_an_error_is_one_line_in_the_transcript_and_loses_nothing(
    ctx: AppContext, qtbot: Any
) -> None:
    ctx.settings.models.base = "missing-model.gguf"
    view = chat_view(ctx, qtbot)
    reply = say(view, qtbot, "where do I live?")
    assert reply.state == "failed"
    (error,) = reply.warnings
    assert error.text().startswith("the base model missing-model.gguf is not in")
    assert "\n" not in error.text() and "Traceback" not in error.text()
    assert view.input.toPlainText() == "where do I live?"  # given back to send again
    assert view.send_button.isEnabled() and view.findChildren(QtWidgets.QMessageBox) == []


def test_empty_input_is_not_sent_and_says_why(ctx: AppContext, qtbot: Any) -> None:
    view = chat_view(ctx, qtbot)
    type_and_send(view, qtbot, "   \n ")
    assert not view.busy and len(view.transcript.turns) == 0
    assert view.hint.isVisible() and view.hint.text() == EMPTY_INPUT


def test_shift_enter_starts_a_new_line_and_enter_sends(ctx: AppContext, qtbot: Any) -> None:
    view = chat_view(ctx, qtbot)
    view.input.setPlainText("My dentist is Dr. Lee.")
    view.input.moveCursor(view.input.textCursor().MoveOperation.End)
    qtbot.keyClick(view.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert view.input.toPlainText() == "My dentist is Dr. Lee.\n" and not view.busy
    qtbot.keyClick(view.input, Qt.Key.Key_Return)
    assert view.busy and view.transcript.turns[-1][0].body.text() == "My dentist is Dr. Lee."
    qtbot.waitUntil(lambda: not view.busy, timeout=10000)


def test_a_vault_memory_is_never_shown_in_clear_on_a_chip(ctx: AppContext, qtbot: Any) -> None:
    secret = Memory(MemoryType.VAULT, "The studio alarm code is 7315.")
    chip = CitationChip(ctx, Citation(1, secret, []))
    qtbot.addWidget(chip)
    shown = " ".join([chip.text(), chip.toolTip(), chip.accessibleName()])
    assert "7315" not in shown and "vault memory hidden" in chip.text()


def test_a_long_conversation_keeps_only_the_last_exchanges(ctx: AppContext, qtbot: Any) -> None:
    transcript = TranscriptView(limit=3)
    qtbot.addWidget(transcript)
    for n in range(5):
        transcript.add_exchange(f"turn {n}", ctx)
    assert [said.body.text() for said, _ in transcript.turns] == ["turn 2", "turn 3", "turn 4"]
    assert not transcript.earlier.isHidden() and transcript.earlier.text() == EARLIER

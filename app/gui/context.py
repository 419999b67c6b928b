"""What every GUI view is given: the unlocked profile, its settings, the lanes, and the event bus.

`app.main` builds one `AppContext` after unlocking and hands it to each view, so the views never
open stores, load models or read settings files themselves (the composition root does it once).
Two connections to the store exist: `store`, used by the background lanes (writes and long reads),
and `view`, a second connection for the quick reads the GUI thread makes while drawing (a
timeline frame, a memory's detail), so the window never waits behind a long import or sleep
run. The `Events` bus carries navigation ("open this memory", "show this frame") and change
notices between views, so views do not hold references to each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from app.gui.ops import Job, Op, Runner
from app.model_commands import configured_llm
from app.qt import QObject, QtWidgets, Signal
from core.capture.frames import KEY_INFO, FrameCipher
from core.chat import ChatSession
from core.errors import ModelMissingError
from core.home import Home
from core.pipeline.answer import Answerer
from core.pipeline.ingest import Pipeline
from core.pipeline.rules import SpeakerRoles
from core.ports import LLM
from core.retrieval import Retriever
from core.settings import Settings
from core.store import Store


class Events(QObject):
    """Application-wide notices and navigation requests, all delivered on the GUI thread."""

    memories_changed = Signal()  # something added, edited, forgotten, approved
    open_memory = Signal(str)  # memory id: show it in the memory browser
    open_frame = Signal(str)  # frame id: show it on the timeline
    open_observation = Signal(str)  # observation id: show the chat turn it records
    settings_changed = Signal()
    capture_health = Signal(object)  # core.capture.health.Health, from the capture controller
    lock_requested = Signal()
    status_message = Signal(str)  # a short notice for the main window's status bar


class SharedLLM:
    """The app's one model for the background threads (capture's pipeline, the nightly sleep):
    loaded on first use, one call at a time, so no second copy of the weights is ever loaded."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()

    def _model(self) -> LLM:
        model = self._ctx.llm()
        if model is None:
            raise ModelMissingError("no model is configured any more; Mnemo runs on rules")
        return model

    def run(self, operation: str, prompt: str, schema: Mapping[str, Any]) -> Any:
        with self._lock:
            return self._model().run(operation, prompt, schema)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._model().count_tokens(text)

    def input_budget(self, operation: str) -> int:
        return self._model().input_budget(operation)


@dataclass
class AppContext:
    """The unlocked profile and the shared machinery of one running app."""

    home: Home
    settings: Settings
    store: Store
    runner: Runner = field(default_factory=Runner)
    events: Events = field(default_factory=Events)
    view: Store | None = None
    _llm: LLM | None = None
    _llm_loaded: bool = False
    _llm_stack: ExitStack = field(default_factory=ExitStack)
    _llm_lock: threading.Lock = field(default_factory=threading.Lock)
    _chat: ChatSession | None = None

    def __post_init__(self) -> None:
        if self.view is None:
            self.view = self.store.sibling() if self.store.path.name != ":memory:" else self.store
        self.cipher = FrameCipher(self.store.derive_key(KEY_INFO))

    @property
    def reader(self) -> Store:
        """The connection for quick reads on the GUI thread."""
        assert self.view is not None
        return self.view

    # -- background work -------------------------------------------------------------------
    def op(self, fn: Any, lane: str = "db", parent: QtWidgets.QWidget | None = None) -> Op[Any]:
        """An `Op` on this app's runner (not started: chain callbacks, then `.run()`)."""
        return Op(self.runner, fn, lane, parent)

    def llm(self) -> LLM | None:
        """The configured on-device model, loaded on first use (call it on the inference lane)."""
        with self._llm_lock:
            if not self._llm_loaded:
                self._llm = self._llm_stack.enter_context(configured_llm(self.settings, self.home))
                self._llm_loaded = True
            return self._llm

    def shared_llm(self) -> LLM | None:
        """The model for background threads (None when Mnemo runs on rules); loads lazily."""
        return SharedLLM(self) if self.settings.models.base else None

    def unload_llm(self) -> None:
        """Forget the loaded model (after the model settings changed); loads again on next use."""
        with self._llm_lock:
            self._llm_stack.close()
            self._llm_stack = ExitStack()
            self._llm, self._llm_loaded, self._chat = None, False, None

    def chat(self) -> ChatSession:
        """The app's chat session (one per run), wired like the CLI's (call on the inference lane)."""
        if self._chat is None:
            llm = self.llm()
            settings = self.settings
            roles = SpeakerRoles.of(settings.chat.user_names, settings.chat.assistant_names)
            pipeline = Pipeline(self.store, roles, llm, settings.pipeline)
            answerer = Answerer(
                self.store, Retriever(self.store, settings.retrieval), settings.pipeline, llm
            )
            user = settings.chat.user_names[0] if settings.chat.user_names else "me"
            bot = settings.chat.assistant_names[0] if settings.chat.assistant_names else "mnemo"
            self._chat = ChatSession(pipeline, answerer, user_name=user, assistant_name=bot)
        return self._chat

    # -- settings --------------------------------------------------------------------------
    def save_settings(self, settings: Settings) -> None:
        """Validate (the dataclasses check themselves), save, and tell the views."""
        settings.save(self.home.settings_path)
        models_changed = settings.models != self.settings.models
        self.settings = settings
        if models_changed:
            self.unload_llm()
        self._chat = None
        self.events.settings_changed.emit()

    # -- shutting down ---------------------------------------------------------------------
    def close(self) -> None:
        """Stop the lanes (cancelling what runs), unload the model, close both connections."""
        self.runner.shutdown(cancel=True)
        self.unload_llm()
        if self.view is not None and self.view is not self.store:
            self.view.close()
        self.store.close()


def run_now(ctx: AppContext, fn: Any, lane: str = "db") -> Any:
    """Run `fn(job)` on a lane and wait for its result, re-raising its error (tests, shutdown)."""
    op: Op[Any] = ctx.op(fn, lane).failure(lambda error: None).run()
    app = QtWidgets.QApplication.instance()
    while not op.finished and app is not None:
        app.processEvents()
        time.sleep(0.002)
    if op.error is not None:
        raise op.error
    return op.result


__all__ = ["AppContext", "Events", "Job", "run_now"]

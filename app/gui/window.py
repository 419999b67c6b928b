"""The main window: one page per view (chat, timeline, memories, settings) behind a side bar.

The window owns no logic: it places the views, routes the event bus's navigation requests to
the page that can satisfy them ("open this memory" shows the memory browser, "show this frame"
the timeline), and shows the capture state and short notices in its status bar. Pages are
built when the window is, but each view loads its data lazily, so opening the window costs the
same with ten memories or a hundred thousand. Closing the window hides it to the tray when a
tray exists (capture goes on); without a tray it quits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from app.gui.chat import ChatView
from app.gui.context import AppContext
from app.gui.memories import MemoryBrowser, frame_for
from app.gui.memory_dialogs import ChatTurnDialog
from app.gui.settings import SettingsView
from app.gui.timeline import TimelineView
from app.qt import Qt, QtCore, QtGui, QtWidgets
from core.capture.health import Health, State
from core.errors import ExpectedError
from core.memory import Source

PAGES = ("Chat", "Timeline", "Memories", "Settings")

STATE_TEXT = {
    State.STARTING: "Capture is starting",
    State.RECORDING: "Recording",
    State.PAUSED: "Capture paused",
    State.LOCKED: "Capture paused while the session is locked",
    State.EXCLUDED: "Not recording: an excluded window is in focus",
    State.DISK_FULL: "Not recording: the disk is nearly full",
    State.ERROR: "Capture error",
    State.STOPPED: "Capture is off",
}


def capture_line(health: Health | None, now: datetime | None = None) -> str:
    """The status bar's one-line description of capture."""
    if health is None:
        return STATE_TEXT[State.STOPPED]
    state, message = health.verdict(now or datetime.now(UTC))
    text = STATE_TEXT.get(state, str(state))
    if not message or message == state.value:
        return text
    if message.startswith(state.value):  # "recording; last frame written 5 s ago"
        return message[0].upper() + message[1:]
    return f"{text}: {message}"


class MainWindow(QtWidgets.QMainWindow):
    """Mnemo's window: the side bar, the four views, the status bar."""

    def __init__(
        self,
        ctx: AppContext,
        hide_to_tray: Callable[[], bool] = lambda: False,
        quit_app: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self._hide_to_tray = hide_to_tray
        self._quit = quit_app or QtWidgets.QApplication.quit
        self._told_about_tray = False
        self.setWindowTitle("Mnemo")
        self.setAccessibleName("Mnemo main window")
        screen = QtGui.QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() * 0.9 if screen is not None else None
        self.resize(
            min(1200, room.width()) if room else 1200, min(800, room.height()) if room else 800
        )

        self.chat = ChatView(ctx)
        self.timeline = TimelineView(ctx)
        self.memories = MemoryBrowser(ctx)
        self.settings = SettingsView(ctx)
        self.pages = QtWidgets.QStackedWidget()
        self.nav = QtWidgets.QListWidget()
        self.nav.setAccessibleName("Views")
        self.nav.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Expanding
        )
        self.nav.setFixedWidth(150)
        for n, (name, page) in enumerate(
            zip(PAGES, (self.chat, self.timeline, self.memories, self.settings), strict=True),
            start=1,
        ):
            item = QtWidgets.QListWidgetItem(name)
            item.setToolTip(f"{name} (Ctrl+{n})")
            self.nav.addItem(item)
            self.pages.addWidget(page)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setCurrentRow(0)

        body = QtWidgets.QWidget()
        layout = QtWidgets.QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(body)

        self.capture_label = QtWidgets.QLabel(capture_line(None))
        self.capture_label.setAccessibleName("Capture status")
        self.statusBar().addPermanentWidget(self.capture_label)
        self._menus()

        events = ctx.events
        events.open_memory.connect(lambda _id: self.show_page(PAGES.index("Memories")))
        events.open_frame.connect(lambda _id: self.show_page(PAGES.index("Timeline")))
        events.open_observation.connect(self.open_observation)
        events.capture_health.connect(self._health)
        events.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.chat.setFocus()  # a new window is ready to type into the chat

    # -- navigation ------------------------------------------------------------------------
    def show_page(self, index: int) -> None:
        """Bring view `index` (0 chat, 1 timeline, 2 memories, 3 settings) to the front."""
        self.nav.setCurrentRow(index)
        page = self.pages.widget(index)
        if page is not None:
            page.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_observation(self, observation_id: str) -> None:
        """Show where a memory came from: the chat turn among its neighbours, the frame on the
        timeline, or (an imported or pruned source) its stored text."""
        try:
            obs = self.ctx.reader.get_observation(observation_id)
        except ExpectedError as exc:
            self.statusBar().showMessage(exc.message, 8000)
            return
        if obs.source is Source.CHAT:
            ChatTurnDialog(self.ctx.reader, obs, self).show()
            return
        frame_id = frame_for(self.ctx.reader, obs) if obs.source is Source.SCREEN else None
        if frame_id is not None:
            self.ctx.events.open_frame.emit(frame_id)
            return
        where = f"{obs.app or ''} {obs.window or ''}".strip() or str(obs.source)
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.NoIcon,
            "Source",
            f"{where}, {obs.time.astimezone():%Y-%m-%d %H:%M}",
            QtWidgets.QMessageBox.StandardButton.Close,
            self,
        )
        box.setInformativeText(obs.text or "(no text was kept)")
        box.setAccessibleName("Source text")
        box.open()

    def current_page(self) -> str:
        return PAGES[self.pages.currentIndex()]

    def bring_to_front(self) -> None:
        """Show, un-minimise and raise the window (tray 'Open Mnemo')."""
        self.show()
        self.setWindowState(
            (self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
        self.raise_()
        self.activateWindow()

    def _menus(self) -> None:
        bar = self.menuBar()
        mnemo = bar.addMenu("&Mnemo")
        lock = mnemo.addAction("&Lock now")
        lock.setShortcut(QtGui.QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.ctx.events.lock_requested.emit)
        mnemo.addSeparator()
        close = mnemo.addAction("&Close window")
        close.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        quit_ = mnemo.addAction("&Quit Mnemo")
        quit_.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.Quit))
        quit_.triggered.connect(self._quit)
        view = bar.addMenu("&View")
        for n, name in enumerate(PAGES):
            action = view.addAction(f"&{name}")
            action.setShortcut(QtGui.QKeySequence(f"Ctrl+{n + 1}"))
            action.triggered.connect(lambda _checked=False, index=n: self.show_page(index))
        help_ = bar.addMenu("&Help")
        keys = help_.addAction("&Keyboard shortcuts")
        keys.setShortcut(QtGui.QKeySequence(QtGui.QKeySequence.StandardKey.HelpContents))
        keys.triggered.connect(self._shortcuts)
        about = help_.addAction("&About Mnemo")
        about.triggered.connect(self._about)

    def add_capture_menu(self, actions: list[QtGui.QAction]) -> None:
        """Offer the tray's capture commands in the window too, with keyboard shortcuts."""
        keys = ["Ctrl+Shift+P", "", "", "Ctrl+Shift+R", "Ctrl+Shift+C"]
        menu = QtWidgets.QMenu("&Capture", self)
        for action, key in zip(actions, keys, strict=False):
            if key:
                action.setShortcut(QtGui.QKeySequence(key))
            menu.addAction(action)
            self.addAction(action)  # the shortcut works while the window has focus
        self.menuBar().insertMenu(self.menuBar().actions()[1], menu)

    def _shortcuts(self) -> None:
        QtWidgets.QMessageBox.information(
            self,
            "Keyboard shortcuts",
            "Ctrl+1 … Ctrl+4: Chat, Timeline, Memories, Settings\n"
            "Ctrl+L: lock Mnemo\nCtrl+W: close the window (Mnemo stays in the tray)\n"
            "Ctrl+Shift+P: pause capture for 15 minutes, Ctrl+Shift+R: resume, "
            "Ctrl+Shift+C: capture now\n"
            "Ctrl+Q: quit\n\nChat: Enter sends, Shift+Enter starts a new line\n"
            "Timeline: ←/→ previous/next frame, PageUp/PageDown previous/next activity, "
            "Ctrl+F search, Ctrl+G go to a date\n"
            "Chat: Esc stops an answer; the Menu key on a citation opens its source\n"
            "Memories: Ctrl+F search, F2 edit, Ctrl+P pin, Delete forget, "
            "Ctrl+Return approve (review)",
        )

    def _about(self) -> None:
        QtWidgets.QMessageBox.about(
            self,
            "About Mnemo",
            "Mnemo keeps a private memory of what you saw and said, on this computer only, "
            f"encrypted.\n\nYour data: {self.ctx.home.data_dir}",
        )

    def _health(self, health: Health) -> None:
        self.capture_label.setText(capture_line(health))

    # -- closing ---------------------------------------------------------------------------
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self._hide_to_tray():
            event.ignore()
            self.hide()
            if not self._told_about_tray:
                self._told_about_tray = True
                self.ctx.events.status_message.emit(
                    "Mnemo keeps running in the tray; use Quit in its menu to stop it."
                )
            return
        event.accept()
        QtCore.QTimer.singleShot(0, self._quit)

"""The timeline browser: a day of screen captures on a time axis, scrubbed frame by frame.

`TimelineView` shows one local day at a time. Opening a day reads its frames, segments and the
memories of its moments once, on the GUI thread's reading connection (`timeline_data`); from then
on, moving the cursor (a click or drag on the axis, the arrow keys, Page Up / Page Down between
activity segments, Home / End) is a bisect in memory, one repaint of the cached axis and, when the
frame was seen recently, one blit of a cached image. Frames not in the cache are decrypted and
decoded on the loader's worker threads (`timeline_frames`) while the previous picture stays up;
a request the cursor has already left is dropped before it is decoded, and the next frames in the
direction of travel are prefetched. The memories beside the frame are looked up after the cursor
rests for a moment, so a fast scrub never waits on them.

Filters narrow the frames the cursor visits: by application, and by memory type (only the moments
that produced memories of that type: memories sourced from the screen observation of the frame's
segment, and episodic memories dated within a few minutes). Search runs the same full-text frame
search as the CLI (`core.capture.timeline.find_frames`) over the whole store on the database
lane; Enter, F3 and Shift+F3 walk through the hits, changing day as needed, and the words that
matched are outlined on the frame, their screen-pixel boxes mapped onto the thumbnail the way the
recorder made it (offset by the grabbed screen's origin, scaled by thumbnail width over screen
width). Other views send the user here with `ctx.events.open_frame`; clicking a memory sends them
on with `ctx.events.open_memory`.
"""

from __future__ import annotations

import itertools
import time as clock
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from app.cli import shown_text
from app.gui.context import AppContext
from app.gui.ops import show_error
from app.gui.timeline_axis import ZOOM_STEP, TimelineAxis
from app.gui.timeline_data import (
    NO_APP,
    DayFrames,
    DayMemories,
    FrameRef,
    Selection,
    local_day,
    local_time,
    select,
)
from app.gui.timeline_frames import UNAVAILABLE, FrameCache, FrameLoader, FrameView
from app.qt import Qt, QtCore, QtGui, QTimer, QtWidgets, Signal
from core.capture.desktop import Rect
from core.capture.timeline import FrameHit, find_frames
from core.memory import Memory, MemoryType

SEARCH_LIMIT = 200
PREFETCH = 3  # frames decoded ahead of the cursor in the direction it moves
PREFETCH_STRIDE = 2  # prefetch after steps this short (keys, a slow drag), not after long jumps
MEMORY_DELAY_MS = 120  # the memories panel follows once the cursor rests this long
LIVE_REFRESH_SECONDS = 10.0  # while today is shown, re-read it at most this often as frames arrive
MEMORY_ROLE = Qt.ItemDataRole.UserRole


def highlight_rects(boxes: Sequence[Rect], screen: Rect, thumb_width: int) -> list[QtCore.QRectF]:
    """Word boxes in screen pixels as rectangles on the thumbnail (the recorder's mapping)."""
    if screen.width <= 0:
        return []
    scale = thumb_width / screen.width
    return [
        QtCore.QRectF(
            (box.x - screen.x) * scale,
            (box.y - screen.y) * scale,
            box.width * scale,
            box.height * scale,
        )
        for box in boxes
    ]


def memory_label(memory: Memory) -> str:
    """One line for a memory in the list: its type and text (vault text hidden)."""
    text = " ".join(shown_text(memory).split())
    return f"{memory.type}: {text}"


class MomentMemoryList(QtWidgets.QListWidget):
    """The memories from the moment at the cursor; a click or Enter chooses one."""

    chosen = Signal(str)  # memory id

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Memories from this moment")
        self.setWordWrap(True)
        self.setSpacing(2)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(False)
        self.itemClicked.connect(self._choose)

    def set_memories(self, memories: Sequence[Memory]) -> None:
        """Show these memories (vault text hidden)."""
        self.clear()
        for memory in memories:
            item = QtWidgets.QListWidgetItem(memory_label(memory))
            item.setData(MEMORY_ROLE, memory.id)
            item.setToolTip(shown_text(memory))
            self.addItem(item)

    def memory_ids(self) -> list[str]:
        """The ids of the memories listed, in order."""
        return [str(self.item(row).data(MEMORY_ROLE)) for row in range(self.count())]

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self._choose(item)
            event.accept()
            return
        super().keyPressEvent(event)

    def _choose(self, item: QtWidgets.QListWidgetItem) -> None:
        self.chosen.emit(str(item.data(MEMORY_ROLE)))


class TimelineView(QtWidgets.QWidget):
    """Browse captured frames day by day: scrub, filter, search, and see the moment's memories."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QtWidgets.QWidget | None = None,
        cache: FrameCache | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName("Timeline")
        self.cache = cache or FrameCache()
        self.loader = FrameLoader(
            ctx.home.frames_dir, ctx.cipher, self._frame_loaded, self._frame_failed
        )
        # Closing stops the workers; so does deletion without a close (a parent going away).
        self.destroyed.connect(self.loader.close)
        self._failures: dict[str, str] = {}
        self._frames: DayFrames | None = None
        self._memories: DayMemories | None = None
        self._selection: Selection | None = None
        self._pos: int | None = None
        self._direction = 1
        self._stride = 1  # how many frames the last cursor move covered
        self._loaded_once = False
        self._last_reload = 0.0
        self._query = ""
        self._hits: list[FrameHit] = []
        self._hit_index = -1
        self._hit_boxes: dict[str, FrameHit] = {}
        self._search_generation = 0
        self._memory_timer = QTimer(self)
        self._memory_timer.setSingleShot(True)
        self._memory_timer.setInterval(MEMORY_DELAY_MS)
        self._memory_timer.timeout.connect(self._refresh_memories)
        self._build()
        ctx.events.open_frame.connect(self.show_frame)
        ctx.events.memories_changed.connect(self._memories_changed)
        ctx.events.capture_health.connect(self._capture_tick)

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        """Create the widgets, their layout, tab order and shortcuts."""
        self.previous_day_button = QtWidgets.QPushButton("◀ &Previous day")
        self.previous_day_button.setAccessibleName("Previous day")
        self.previous_day_button.setToolTip("Show the day before (Ctrl+Page Up)")
        self.previous_day_button.clicked.connect(lambda: self.change_day(-1))
        self.date_edit = QtWidgets.QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setAccessibleName("Jump to date")
        self.date_edit.setToolTip("Jump to a date (Ctrl+G)")
        self.date_edit.setDate(QtCore.QDate.currentDate())
        self.date_edit.dateChanged.connect(self._date_chosen)
        date_label = QtWidgets.QLabel("&Go to date:")
        date_label.setBuddy(self.date_edit)
        self.next_day_button = QtWidgets.QPushButton("Ne&xt day ▶")
        self.next_day_button.setAccessibleName("Next day")
        self.next_day_button.setToolTip("Show the day after (Ctrl+Page Down)")
        self.next_day_button.clicked.connect(lambda: self.change_day(1))
        self.today_button = QtWidgets.QPushButton("To&day")
        self.today_button.setAccessibleName("Today")
        self.today_button.setToolTip("Show today's latest frame")
        self.today_button.clicked.connect(lambda: self.show_day(date.today(), at_end=True))

        self.app_combo = QtWidgets.QComboBox()
        self.app_combo.setAccessibleName("Application filter")
        self.app_combo.setToolTip("Visit only the frames of one application")
        self.app_combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.app_combo.addItem("All applications", None)
        self.app_combo.currentIndexChanged.connect(self._filters_changed)
        app_label = QtWidgets.QLabel("&App:")
        app_label.setBuddy(self.app_combo)
        self.type_combo = QtWidgets.QComboBox()
        self.type_combo.setAccessibleName("Memory type filter")
        self.type_combo.setToolTip("Visit only the moments that produced memories of one type")
        self.type_combo.addItem("Any moment", None)
        for kind in MemoryType:
            self.type_combo.addItem(f"With {kind} memories", kind)
        self.type_combo.currentIndexChanged.connect(self._filters_changed)
        type_label = QtWidgets.QLabel("Memory t&ype:")
        type_label.setBuddy(self.type_combo)

        self.search_box = QtWidgets.QLineEdit()
        self.search_box.setAccessibleName("Search frames")
        self.search_box.setPlaceholderText("Words seen on screen (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setToolTip(
            "Enter searches every stored frame; Enter again or F3 goes to the next hit, "
            "Shift+F3 to the previous one, Escape clears"
        )
        self.search_box.returnPressed.connect(self.run_search)
        search_label = QtWidgets.QLabel("&Search:")
        search_label.setBuddy(self.search_box)
        self.previous_hit_button = QtWidgets.QPushButton("Previous hit")
        self.previous_hit_button.setAccessibleName("Previous search hit")
        self.previous_hit_button.setToolTip("Shift+F3")
        self.previous_hit_button.clicked.connect(self.previous_hit)
        self.next_hit_button = QtWidgets.QPushButton("Next hit")
        self.next_hit_button.setAccessibleName("Next search hit")
        self.next_hit_button.setToolTip("F3")
        self.next_hit_button.clicked.connect(self.next_hit)

        top = QtWidgets.QHBoxLayout()
        widget: QtWidgets.QWidget
        for widget in (self.previous_day_button, date_label, self.date_edit, self.next_day_button):
            top.addWidget(widget)
        top.addWidget(self.today_button)
        top.addSpacing(12)
        for widget in (app_label, self.app_combo, type_label, self.type_combo):
            top.addWidget(widget)
        top.addStretch(1)
        bottom_row = QtWidgets.QHBoxLayout()
        for widget in (search_label, self.search_box):
            bottom_row.addWidget(widget)
        bottom_row.addWidget(self.previous_hit_button)
        bottom_row.addWidget(self.next_hit_button)

        self.frame_view = FrameView()
        self.caption = QtWidgets.QLabel()
        self.caption.setAccessibleName("Frame details")
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        left = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.frame_view, 1)
        left_layout.addWidget(self.caption)

        self.memory_list = MomentMemoryList()
        self.memory_list.chosen.connect(self._open_memory)
        memory_label_widget = QtWidgets.QLabel("&Memories from this moment:")
        memory_label_widget.setBuddy(self.memory_list)
        self.results_list = QtWidgets.QListWidget()
        self.results_list.setAccessibleName("Search results")
        self.results_list.setWordWrap(True)
        self.results_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_list.itemClicked.connect(self._result_chosen)
        self.results_list.itemActivated.connect(self._result_chosen)
        results_label = QtWidgets.QLabel("Search &results:")
        results_label.setBuddy(self.results_list)
        right = QtWidgets.QWidget()
        right_layout = QtWidgets.QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(memory_label_widget)
        right_layout.addWidget(self.memory_list, 1)
        right_layout.addWidget(results_label)
        right_layout.addWidget(self.results_list, 1)

        splitter = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        self.axis = TimelineAxis()
        self.axis.scrubbed.connect(self.scrub_to)
        self.status = QtWidgets.QLabel()
        self.status.setAccessibleName("Timeline status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(bottom_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.axis)
        layout.addWidget(self.status)

        order: list[QtWidgets.QWidget] = [
            self.previous_day_button,
            self.date_edit,
            self.next_day_button,
            self.today_button,
            self.app_combo,
            self.type_combo,
            self.search_box,
            self.previous_hit_button,
            self.next_hit_button,
            self.axis,
            self.frame_view,
            self.memory_list,
            self.results_list,
        ]
        for first, second in itertools.pairwise(order):
            QtWidgets.QWidget.setTabOrder(first, second)
        # Focusing the page (the main window does on Ctrl+2) lands on the axis: keys scrub at once.
        self.setFocusProxy(self.axis)
        self._shortcut("Ctrl+F", self.focus_search)
        self._shortcut("Ctrl+G", self.focus_date)
        self._shortcut("F3", self.next_hit)
        self._shortcut("Shift+F3", self.previous_hit)
        self._shortcut("Ctrl+PgUp", lambda: self.change_day(-1))
        self._shortcut("Ctrl+PgDown", lambda: self.change_day(1))
        clear = QtGui.QShortcut(QtGui.QKeySequence("Escape"), self.search_box)
        clear.setContext(Qt.ShortcutContext.WidgetShortcut)
        clear.activated.connect(self.clear_search)
        back = QtGui.QShortcut(QtGui.QKeySequence("Shift+Return"), self.search_box)
        back.setContext(Qt.ShortcutContext.WidgetShortcut)
        back.activated.connect(self.previous_hit)
        self._update_hit_buttons()

    def _shortcut(self, keys: str, slot: object) -> None:
        shortcut = QtGui.QShortcut(QtGui.QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # -- public navigation -------------------------------------------------------------------
    def day(self) -> date | None:
        """The day shown, None before one was opened."""
        return self._frames.day if self._frames is not None else None

    def current_frame(self) -> FrameRef | None:
        """The frame under the cursor."""
        if self._frames is None or self._selection is None or self._pos is None:
            return None
        return self._frames.frame(self._selection.indices[self._pos])

    def selection(self) -> Selection | None:
        """The frames the filters let through on the day shown."""
        return self._selection

    def show_day(self, day: date, at_end: bool = False, keep: str | None = None) -> bool:
        """Open `day` on its first frame (last with `at_end`, or frame `keep` if it is there)."""
        self._loaded_once = True
        try:
            frames = DayFrames.load(self.ctx.reader, day)
            memories = DayMemories.load(self.ctx.reader, frames)
        except Exception as exc:  # a locked or damaged database: say so, keep the day shown
            self._say(f"The frames of {day:%d %B %Y} could not be read.")
            show_error(self, exc)
            return False
        self._frames = frames
        self._memories = memories
        self._last_reload = clock.monotonic()
        self._failures.clear()
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QtCore.QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)
        self._fill_apps()
        self.axis.set_day(frames)
        index = frames.index_of(keep) if keep else None
        self._apply_filters(keep_index=index, at_end=at_end)
        return True

    def _date_chosen(self, chosen: QtCore.QDate) -> None:
        day = date(chosen.year(), chosen.month(), chosen.day())
        if day != self.day():
            self.show_day(day)

    def change_day(self, days: int) -> None:
        """Show the day `days` before or after the one shown."""
        current = self.day() or date.today()
        self.show_day(current + timedelta(days=days))

    def show_frame(self, frame_id: str) -> bool:
        """Put the cursor on a frame, opening its day (and clearing filters that hide it)."""
        index = self._frames.index_of(frame_id) if self._frames is not None else None
        if index is None:
            with self.ctx.reader.read() as conn:
                row = conn.execute("SELECT ts FROM frames WHERE id = ?", (frame_id,)).fetchone()
            if row is None:
                self._say("That frame is no longer stored: the retention limits removed it.")
                return False
            if not self.show_day(local_day(local_time(float(row[0]))), keep=frame_id):
                return False
            assert self._frames is not None
            index = self._frames.index_of(frame_id)
            if index is None:  # deleted between the two reads
                self._say("That frame is no longer stored: the retention limits removed it.")
                return False
        assert self._selection is not None
        position = self._selection.position_of(index)
        if position is None:
            self._reset_filters(keep_index=index)
            self._say("The filters were cleared to show this frame.")
            position = self._selection.position_of(index)
        if position is not None:
            self._move_to(position)
        return position is not None

    def show_time(self, when: datetime) -> None:
        """Put the cursor on the frame closest to `when` (opening its day)."""
        day = local_day(when)
        if self.day() != day and not self.show_day(day):
            return
        self.scrub_to(when.timestamp())

    def scrub_to(self, ts: float) -> None:
        """Move the cursor to the visible frame closest to `ts` on the day shown."""
        if self._selection is None:
            return
        position = self._selection.nearest(ts)
        if position is not None and position != self._pos:
            self._direction = 1 if self._pos is None or position > self._pos else -1
            self._move_to(position)

    def step(self, frames: int) -> None:
        """Move the cursor `frames` visible frames forward (or back)."""
        if self._selection is None or self._pos is None or not len(self._selection):
            return
        target = min(max(self._pos + frames, 0), len(self._selection) - 1)
        if target == self._pos:
            edge = "first" if frames < 0 else "last"
            self._say(f"This is the {edge} frame of the day; Ctrl+Page Up / Down change day.")
            return
        self._direction = 1 if frames > 0 else -1
        self._move_to(target)

    def step_segment(self, segments: int) -> None:
        """Move to the first frame of the next (or previous) activity segment."""
        if self._selection is None or self._pos is None or not len(self._selection):
            return
        target = self._selection.segment_step(self._pos, 1 if segments > 0 else -1)
        if target != self._pos:
            self._direction = 1 if target > self._pos else -1
            self._move_to(target)

    def go_to_end(self, last: bool) -> None:
        """The first (or last) visible frame of the day."""
        if self._selection is not None and len(self._selection):
            self._direction = -1 if last else 1
            self._move_to(len(self._selection) - 1 if last else 0)

    def set_app_filter(self, app: str | None) -> None:
        """Visit only `app`'s frames (NO_APP: unknown application; None: all)."""
        index = self.app_combo.findData(app)
        if index < 0:
            self.app_combo.addItem(self._app_title(app), app)
            index = self.app_combo.count() - 1
        self.app_combo.setCurrentIndex(index)

    def set_type_filter(self, kind: MemoryType | None) -> None:
        """Visit only the moments with memories of type `kind` (None: all)."""
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(kind)))

    def reload(self) -> None:
        """Read the day shown again (new frames, pruned frames), keeping the cursor's frame."""
        if self._frames is None:
            return
        current = self.current_frame()
        following = (
            self._selection is not None
            and self._pos is not None
            and self._pos == len(self._selection) - 1
        )
        keep = current.id if current is not None and not following else None
        self.show_day(self._frames.day, at_end=following, keep=keep)

    def focus_search(self) -> None:
        """Put the keyboard in the search box (Ctrl+F)."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def focus_date(self) -> None:
        """Put the keyboard in the date field (Ctrl+G)."""
        self.date_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.date_edit.setSelectedSection(QtWidgets.QDateTimeEdit.Section.DaySection)

    def shutdown(self) -> None:
        """Stop the decoding threads and timers (the window is closing)."""
        self._memory_timer.stop()
        self.loader.close()

    # -- search ------------------------------------------------------------------------------
    def run_search(self) -> None:
        """Search every frame for the words in the search box (Enter again: the next hit)."""
        query = self.search_box.text().strip()
        if not query:
            self.clear_search()
            return
        if query == self._query and self._hits:
            self.next_hit()
            return
        self._search_generation += 1
        generation = self._search_generation
        self._say(f"Searching for “{query}”…")
        store = self.ctx.store

        def work(job: object) -> list[FrameHit]:
            return find_frames(store, query, limit=SEARCH_LIMIT)

        self.ctx.op(work, "db", parent=self).success(
            lambda hits: self._search_done(generation, query, hits)
        ).failure(self._search_failed).run()

    def clear_search(self) -> None:
        """Forget the search: results, hit markers and highlights."""
        self._search_generation += 1
        self._query = ""
        self._hits = []
        self._hit_boxes = {}
        self._hit_index = -1
        self.search_box.clear()
        self.results_list.clear()
        self._update_hit_buttons()
        self._refresh_hits()
        self._say("")

    def hits(self) -> list[FrameHit]:
        """The hits of the last search, best first."""
        return list(self._hits)

    def next_hit(self) -> None:
        """Go to the next search hit (F3), wrapping around."""
        if self._hits:
            self.go_to_hit((self._hit_index + 1) % len(self._hits))

    def previous_hit(self) -> None:
        """Go to the previous search hit (Shift+F3), wrapping around."""
        if self._hits:
            self.go_to_hit((self._hit_index - 1) % len(self._hits))

    def go_to_hit(self, number: int) -> None:
        """Show search hit `number` (0 is the best match)."""
        self._hit_index = number
        self.results_list.blockSignals(True)
        self.results_list.setCurrentRow(number)
        self.results_list.blockSignals(False)
        if self.show_frame(self._hits[number].id):
            self._say(f"Hit {number + 1} of {len(self._hits)} for “{self._query}”.")

    def _search_done(self, generation: int, query: str, hits: list[FrameHit]) -> None:
        """List the hits of the latest search and go to the best one."""
        if generation != self._search_generation:
            return  # a newer search (or a clear) replaced this one
        self._query = query
        self._hits = hits
        self._hit_boxes = {hit.id: hit for hit in hits}
        self._hit_index = -1
        self.results_list.clear()
        for hit in hits:
            snippet = " ".join(hit.snippet.split())
            app = hit.app or "Unknown application"
            when = hit.time.astimezone()
            item = QtWidgets.QListWidgetItem(f"{when:%a %d %b %Y %H:%M:%S} · {app}\n{snippet}")
            item.setToolTip(snippet)
            self.results_list.addItem(item)
        self._update_hit_buttons()
        self._refresh_hits()
        if not hits:
            self._say(f"No stored frame contains “{query}”.")
            return
        self.go_to_hit(0)

    def _search_failed(self, error: BaseException) -> None:
        self._say("The search failed.")
        show_error(self, error)

    def _result_chosen(self, item: QtWidgets.QListWidgetItem) -> None:
        row = self.results_list.row(item)
        if 0 <= row < len(self._hits):
            self.go_to_hit(row)

    def _update_hit_buttons(self) -> None:
        for button in (self.previous_hit_button, self.next_hit_button):
            button.setEnabled(bool(self._hits))

    # -- keys --------------------------------------------------------------------------------
    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)
            return
        actions = {
            Qt.Key.Key_Left: lambda: self.step(-1),
            Qt.Key.Key_Right: lambda: self.step(1),
            Qt.Key.Key_PageUp: lambda: self.step_segment(-1),
            Qt.Key.Key_PageDown: lambda: self.step_segment(1),
            Qt.Key.Key_Home: lambda: self.go_to_end(False),
            Qt.Key.Key_End: lambda: self.go_to_end(True),
            Qt.Key.Key_Plus: lambda: self.axis.zoom(ZOOM_STEP),
            Qt.Key.Key_Equal: lambda: self.axis.zoom(ZOOM_STEP),
            Qt.Key.Key_Minus: lambda: self.axis.zoom(1 / ZOOM_STEP),
            Qt.Key.Key_0: self.axis.reset_zoom,
        }
        action = actions.get(Qt.Key(key))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    # -- internals ---------------------------------------------------------------------------
    def showEvent(self, event: QtGui.QShowEvent) -> None:
        if not self._loaded_once:
            self.show_day(date.today(), at_end=True)
        super().showEvent(event)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def _say(self, message: str) -> None:
        self.status.setText(message)

    def _current_index(self) -> int | None:
        frame = self.current_frame()
        return frame.index if frame is not None else None

    @staticmethod
    def _app_title(app: str | None) -> str:
        if app is None:
            return "All applications"
        return app if app != NO_APP else "Unknown application"

    def _fill_apps(self) -> None:
        """The day's applications in the filter, keeping the chosen one even if absent today."""
        assert self._frames is not None
        chosen = self.app_combo.currentData()
        self.app_combo.blockSignals(True)
        self.app_combo.clear()
        self.app_combo.addItem("All applications", None)
        apps = self._frames.apps_by_count()
        if chosen is not None and chosen not in apps:
            apps.append(chosen)
        for app in apps:
            self.app_combo.addItem(self._app_title(app), app)
        self.app_combo.setCurrentIndex(max(0, self.app_combo.findData(chosen)))
        self.app_combo.blockSignals(False)

    def _reset_filters(self, keep_index: int | None) -> None:
        for combo in (self.app_combo, self.type_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self._apply_filters(keep_index=keep_index)

    def _filters_changed(self) -> None:
        if self._frames is not None:
            self._apply_filters(keep_index=self._current_index(), keep_ts=self._current_ts())

    def _current_ts(self) -> float | None:
        frame = self.current_frame()
        return frame.ts if frame is not None else None

    def _apply_filters(
        self, keep_index: int | None, at_end: bool = False, keep_ts: float | None = None
    ) -> None:
        """Recompute the frames the cursor may visit and put the cursor back on one of them."""
        if self._frames is None:
            return
        app = self.app_combo.currentData()
        kind = self.type_combo.currentData()
        selection = select(self._frames, self._memories, app, MemoryType(kind) if kind else None)
        self._selection = selection
        self.axis.set_selection(selection, self._day_hits())
        self._pos = None
        if not len(selection):
            self._show_empty()
            return
        position = selection.position_of(keep_index) if keep_index is not None else None
        if position is None and keep_ts is not None:
            position = selection.nearest(keep_ts)
        if position is None:
            position = len(selection) - 1 if at_end else 0
        self._move_to(position)

    def _day_hits(self) -> list[float]:
        """The times of the search hits on the day shown (markers on the axis)."""
        if self._frames is None:
            return []
        start, end = self._frames.start, self._frames.end
        return [ts for ts in (hit.time.timestamp() for hit in self._hits) if start <= ts < end]

    def _refresh_hits(self) -> None:
        """Redraw the hit markers and the current frame's highlights after the hits changed."""
        self.axis.set_selection(self._selection, self._day_hits())
        frame = self.current_frame()
        image = self.frame_view.image()
        if frame is not None and image is not None and self.frame_view.frame_id() == frame.id:
            self._show_picture(frame, image)

    def _show_empty(self) -> None:
        assert self._frames is not None
        day = f"{self._frames.day:%A %d %B %Y}"
        if len(self._frames):
            message = "No frames match the filters"
            detail = f"on {day}: choose “All applications” and “Any moment” to see them all."
        else:
            message = f"No frames on {day}"
            detail = "Nothing was captured that day, or the retention limits removed its frames."
        self.frame_view.show_message(None, message, detail)
        self.axis.set_cursor(None)
        self.caption.setText("")
        self.memory_list.set_memories([])
        self.loader.want([])

    def _move_to(self, position: int) -> None:
        """Put the cursor on selection position `position`: the whole cost of a scrub step."""
        assert self._frames is not None and self._selection is not None
        self._stride = abs(position - self._pos) if self._pos is not None else 1
        self._pos = position
        frame = self._frames.frame(self._selection.indices[position])
        self.axis.set_cursor(frame.ts)
        app = frame.app or "Unknown application"
        title = f" · {frame.title}" if frame.title else ""
        caption = f"{frame.time:%H:%M:%S} · {app}{title}"
        self.caption.setText(f"{caption}   (frame {position + 1} of {len(self._selection)})")
        self.frame_view.setAccessibleDescription(caption)
        image = self.cache.get(frame.id)
        if image is not None:
            self._show_picture(frame, image)
        elif frame.id in self._failures:
            self.frame_view.show_message(frame.id, UNAVAILABLE, self._failures[frame.id])
        # else: the previous picture stays up until this one is decoded (no flicker).
        self._request(position)
        self._memory_timer.start()

    def _request(self, position: int) -> None:
        """Ask for the frame at the cursor, then the next ones in the direction of travel."""
        assert self._frames is not None and self._selection is not None
        wanted: list[tuple[str, str]] = []
        ids, paths, indices = self._frames.ids, self._frames.paths, self._selection.indices
        self.loader.fit = self.frame_view.picture_area()
        offsets = [0]
        if self._stride <= PREFETCH_STRIDE:
            offsets += [self._direction * n for n in range(1, PREFETCH + 1)] + [-self._direction]
        for offset in offsets:
            pos = position + offset
            if 0 <= pos < len(indices):
                index = indices[pos]
                frame_id = ids[index]
                if frame_id not in self.cache and frame_id not in self._failures:
                    wanted.append((frame_id, paths[index]))
        self.loader.want(wanted)

    def _highlights_for(self, frame: FrameRef) -> list[QtCore.QRectF]:
        hit = self._hit_boxes.get(frame.id)
        if hit is None:
            return []
        return highlight_rects(hit.boxes, hit.screen, frame.width)

    def _show_picture(self, frame: FrameRef, image: QtGui.QImage) -> None:
        source = QtCore.QSize(frame.width, frame.height)
        self.frame_view.show_image(frame.id, image, source, self._highlights_for(frame))

    def _frame_loaded(self, frame_id: str, image: QtGui.QImage) -> None:
        """A worker decoded a frame: cache it, and show it if the cursor is still on it."""
        frame = self.current_frame()
        current = frame is not None and frame.id == frame_id
        self.cache.put(frame_id, image, seen=current)
        if frame is not None and current:
            self._show_picture(frame, image)

    def _frame_failed(self, frame_id: str, detail: str) -> None:
        """A frame cannot be shown: remember why, and say so if the cursor is on it."""
        self._failures[frame_id] = detail
        frame = self.current_frame()
        if frame is not None and frame.id == frame_id:
            self.frame_view.show_message(frame_id, UNAVAILABLE, detail)

    def _refresh_memories(self) -> None:
        """List the memories of the moment under the cursor."""
        frame = self.current_frame()
        if frame is None or self._memories is None:
            self.memory_list.set_memories([])
            return
        self.memory_list.set_memories(self._memories.at(frame.segment_id, frame.ts))

    def _open_memory(self, memory_id: str) -> None:
        self.ctx.events.open_memory.emit(memory_id)

    def _memories_changed(self) -> None:
        if self._frames is None:
            return
        try:
            self._memories = DayMemories.load(self.ctx.reader, self._frames)
        except Exception as exc:
            show_error(self, exc)
            return
        self._apply_filters(keep_index=self._current_index(), keep_ts=self._current_ts())
        self._refresh_memories()

    def _capture_tick(self, health: object) -> None:
        """New frames may have arrived: re-read today if it is on screen (not too often)."""
        if (
            self.isVisible()
            and self.day() == date.today()
            and clock.monotonic() - self._last_reload >= LIVE_REFRESH_SECONDS
        ):
            self.reload()

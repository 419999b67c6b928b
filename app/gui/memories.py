"""The memory browser: list, search, inspect and curate memories (what `mnemo memories` does).

Three panes. On the left, the memory types, a Review entry counting the quarantined memories, the
search box and the filters of `mnemo memories list` (dates read by the CLI's `parse_when`, source,
older versions, faded memories). In the middle, `MemoryListModel`: without a query it pages
through `Store.list_memories` on the GUI thread's reader connection as the user scrolls; with a
query it shows the hybrid search of `mnemo search` (`Retriever.search`, run on the `db` lane
because it embeds the query with the store's embedder). On the right, `MemoryDetailPane` shows
the selected memory with its sources, versions, links and decisions.

Every change goes through the same core calls as the CLI, on the `db` lane: an edit is a new
version through `Store.supersede` with a `Decision` by the user (the pipeline's UPDATE path), pin
is `Store.set_pinned`, approve is `set_status` plus an APPROVE decision, and forget/reject is
`Store.forget` after a confirmation (the only real deletion). Each then emits
`events.memories_changed`; the browser refreshes on that notice, whoever sent it, and keeps the
selection on the same memory, its new version, or the row that took its place. Opening a memory
counts as a recall, as `mnemo memories show` does: at once for `show_memory` (a citation, a
link), and for list browsing only once the detail stayed on screen for a moment, so running
through the list with the arrow keys does not refresh every memory on the way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import datetime

from app.cli import parse_when
from app.gui.context import AppContext
from app.gui.memory_detail import MemoryDetailPane, load_details
from app.gui.memory_dialogs import ChatTurnDialog, EditRequest, MemoryEditDialog, edited_version
from app.gui.memory_list import MemoryListModel, count_quarantined
from app.gui.ops import Job, describe_error
from app.qt import Qt, QtCore, QtGui, QTimer, QtWidgets
from core.errors import InvalidInputError, NotFoundError
from core.memory import Action, Decision, Memory, MemoryType, Observation, Source, Status, Tier
from core.retrieval import Hit, Retriever
from core.store import MemoryFilter, Store

SEARCH_LIMIT = 200
SEARCH_DELAY_MS = 300  # typing pauses this long before the search runs
RECALL_DELAY_MS = 800  # a memory browsed past faster than this was not really opened
ALL, REVIEW = "all", "review"
SOURCES = (("Any source", ""), ("Chat", "chat"), ("Screen", "screen"), ("Import", "import"))


def frame_for(store: Store, obs: Observation) -> str | None:
    """The frame a screen observation points at: its segment's first frame at/after its time."""
    ts = obs.time.timestamp()
    with store.read() as conn:
        row = None
        if obs.external_id and obs.external_id.startswith("segment:"):
            # The recorder names a segment's observation after it: the indexed way in.
            row = conn.execute(
                "SELECT id FROM frames WHERE segment_id = ? ORDER BY ts < ?, ts LIMIT 1",
                (obs.external_id.removeprefix("segment:"), ts),
            ).fetchone()
        if row is None:
            row = conn.execute(
                "SELECT f.id FROM frames f JOIN segments s ON s.id = f.segment_id "
                "WHERE s.observation_id = ? ORDER BY f.ts < ?, f.ts LIMIT 1",
                (obs.id, ts),
            ).fetchone()
        if row is None and obs.frame_path:
            row = conn.execute("SELECT id FROM frames WHERE path = ?", (obs.frame_path,)).fetchone()
    return str(row[0]) if row else None


def save_edit(store: Store, old: Memory, request: EditRequest) -> Memory:
    """Append the user's edit as a new version superseding `old`, with the decision logged."""
    new = edited_version(old, request)
    with store.write():
        saved = store.supersede(old.id, new)
        store.record_decisions(
            [
                Decision(
                    Action.UPDATE,
                    "edited by the user",
                    saved.text,
                    "user",
                    target_id=old.id,
                    result_id=saved.id,
                )
            ]
        )
    return saved


class MemoryBrowser(QtWidgets.QWidget):
    """Browse, search, inspect, edit, pin, approve and forget memories."""

    def __init__(self, ctx: AppContext, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName("Memory browser")
        self.model = MemoryListModel(ctx.reader, parent=self)
        self._generation = 0  # bumped by every reload: late search results are dropped
        self._select_id: str | None = None  # what the next reload selects
        self._select_row: int | None = None
        self._recalled: str | None = None  # the memory last counted as recalled
        self._programmatic = False
        self._busy = False
        self._shown_count = 0
        self._applied: tuple[str, str] = ("", "")
        self.filters_pane = QtWidgets.QWidget()
        self.list_pane = QtWidgets.QWidget()
        self.detail_pane = QtWidgets.QWidget()

        self._build_filters()
        self._build_list()
        self._build_detail()
        splitter = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        splitter.setAccessibleName("Memory browser panes")
        splitter.addWidget(self.filters_pane)
        splitter.addWidget(self.list_pane)
        splitter.addWidget(self.detail_pane)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([250, 700, 450])
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._build_shortcuts()
        self._set_tab_order()
        self.setFocusProxy(self.table)  # the main window focuses a page: land on the list

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self._recall_timer = QTimer(self)
        self._recall_timer.setSingleShot(True)
        self._recall_timer.setInterval(RECALL_DELAY_MS)
        self._recall_timer.timeout.connect(lambda: self._recall(force=False))

        ctx.events.memories_changed.connect(self.refresh)
        ctx.events.open_memory.connect(self.show_memory)
        self.reload()

    # -- building --------------------------------------------------------------------------
    def _build_filters(self) -> None:
        pane = self.filters_pane
        layout = QtWidgets.QVBoxLayout(pane)
        types_label = QtWidgets.QLabel("Memory t&ypes")
        self.types = QtWidgets.QListWidget()
        self.types.setAccessibleName("Memory types")
        types_label.setBuddy(self.types)
        for label, key in [("All memories", ALL)] + [
            (str(t).capitalize(), str(t)) for t in MemoryType
        ]:
            item = QtWidgets.QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.types.addItem(item)
        self.review_item = QtWidgets.QListWidgetItem("Review")
        self.review_item.setData(Qt.ItemDataRole.UserRole, REVIEW)
        self.review_item.setToolTip(
            "Memories quarantined because their source reads like instructions to an AI; "
            "they are never used in answers until you approve them"
        )
        self.types.addItem(self.review_item)
        self.types.setCurrentRow(0)
        self.types.setSizeAdjustPolicy(
            QtWidgets.QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents
        )
        self.types.currentRowChanged.connect(lambda _row: self._category_changed())
        layout.addWidget(types_label)
        layout.addWidget(self.types)

        form = QtWidgets.QFormLayout()
        self.search = QtWidgets.QLineEdit()
        self.search.setAccessibleName("Search memories")
        self.search.setPlaceholderText("Words or a question (Ctrl+F)")
        self.search.setToolTip("Hybrid search, as 'mnemo search': full text, meaning and links")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.since = QtWidgets.QLineEdit()
        self.since.setAccessibleName("Since")
        self.since.setPlaceholderText("2026-03-10, yesterday…")
        self.since.setToolTip("Only memories from this date or time on")
        self.until = QtWidgets.QLineEdit()
        self.until.setAccessibleName("Until")
        self.until.setPlaceholderText("2026-03-31 (inclusive)")
        self.until.setToolTip("Only memories up to this date (a date alone includes that day)")
        for edit in (self.since, self.until):
            edit.setClearButtonEnabled(True)
            edit.editingFinished.connect(self._dates_edited)
        self.source = QtWidgets.QComboBox()
        self.source.setAccessibleName("Source")
        self.source.setToolTip("Only memories that came from chats, the screen or imports")
        for label, key in SOURCES:
            self.source.addItem(label, key)
        self.source.currentIndexChanged.connect(lambda _i: self.reload())
        fields: list[tuple[str, QtWidgets.QWidget]] = [
            ("&Search:", self.search),
            ("S&ince:", self.since),
            ("U&ntil:", self.until),
            ("Sour&ce:", self.source),
        ]
        for caption, field in fields:
            buddy = QtWidgets.QLabel(caption)
            buddy.setBuddy(field)
            form.addRow(buddy, field)
        layout.addLayout(form)
        self.superseded = QtWidgets.QCheckBox("Include &older versions")
        self.superseded.setAccessibleName("Include older versions")
        self.superseded.setToolTip("Also list versions that a newer version superseded")
        self.cold = QtWidgets.QCheckBox("Include fa&ded memories")
        self.cold.setAccessibleName("Include faded memories")
        self.cold.setToolTip("Also list memories that faded to the cold tier (unused for long)")
        for box in (self.superseded, self.cold):
            box.toggled.connect(lambda _on: self.reload())
            layout.addWidget(box)
        self.filter_problem = QtWidgets.QLabel()
        self.filter_problem.setAccessibleName("Filter problem")
        self.filter_problem.setWordWrap(True)
        self.filter_problem.setTextFormat(Qt.TextFormat.PlainText)
        self.filter_problem.hide()
        layout.addWidget(self.filter_problem)
        layout.addStretch(1)

    def _build_list(self) -> None:
        pane = self.list_pane
        layout = QtWidgets.QVBoxLayout(pane)
        self.table = QtWidgets.QTableView()
        self.table.setAccessibleName("Memories")
        self.table.horizontalHeader().setAccessibleName("Memory columns")
        self.table.verticalHeader().setAccessibleName("Memory rows")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
        self.table.verticalHeader().hide()
        # Fixed row heights: the view never measures 100k rows to lay them out.
        self.table.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.model.rowsInserted.connect(lambda *_: self._summarise())
        self.summary = QtWidgets.QLabel()
        self.summary.setAccessibleName("List summary")
        self.notice = QtWidgets.QLabel()
        self.notice.setAccessibleName("Last change")
        for label in (self.summary, self.notice):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)

    def _build_detail(self) -> None:
        pane = self.detail_pane
        layout = QtWidgets.QVBoxLayout(pane)
        bar = QtWidgets.QHBoxLayout()
        self.edit_button = self._button(
            "&Edit…", "Edit", "Change the text or dates (F2)", self.edit
        )
        self.pin_button = self._button(
            "&Pin", "Pin", "Pin: it never fades (Ctrl+P)", self.toggle_pin
        )
        self.forget_button = self._button(
            "For&get…", "Forget", "Erase this memory and all its versions (Delete)", self.forget
        )
        self.approve_button = self._button(
            "&Approve", "Approve", "Let this memory be used in answers (Ctrl+Return)", self.approve
        )
        self.reject_button = self._button(
            "Re&ject…", "Reject", "Erase this quarantined memory (Delete)", self.reject
        )
        for button in (
            self.edit_button,
            self.pin_button,
            self.forget_button,
            self.approve_button,
            self.reject_button,
        ):
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.detail = MemoryDetailPane()
        self.detail.source_chosen.connect(self.open_source)
        self.detail.memory_requested.connect(self.show_memory)
        self.detail.version_chosen.connect(self.show_version)
        layout.addWidget(self.detail, 1)
        self._update_actions()

    @staticmethod
    def _button(text: str, name: str, tip: str, slot: Callable[[], None]) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _build_shortcuts(self) -> None:
        def bind(keys: QtGui.QKeySequence.StandardKey | str, slot: Callable[[], None]) -> None:
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        bind("Ctrl+F", self._focus_search)
        bind("F2", lambda: self._press(self.edit_button))
        bind("Ctrl+P", lambda: self._press(self.pin_button))
        bind("Ctrl+Return", lambda: self._press(self.approve_button))
        bind(QtGui.QKeySequence.StandardKey.Delete, self._delete_key)

    def _set_tab_order(self) -> None:
        chain: list[QtWidgets.QWidget] = [
            self.types,
            self.search,
            self.since,
            self.until,
            self.source,
            self.superseded,
            self.cold,
            self.table,
            self.edit_button,
            self.pin_button,
            self.forget_button,
            self.approve_button,
            self.reject_button,
            self.detail.reveal_button,
            self.detail.sources,
            self.detail.versions,
            self.detail.links,
        ]
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)

    @staticmethod
    def _press(button: QtWidgets.QPushButton) -> None:
        if button.isEnabled() and not button.isHidden():
            button.click()

    def _delete_key(self) -> None:
        self._press(self.reject_button if not self.reject_button.isHidden() else self.forget_button)

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- what is listed --------------------------------------------------------------------
    @property
    def category(self) -> str:
        """'all', 'review' or a memory type's name."""
        item = self.types.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ALL

    def current_filter(self) -> MemoryFilter:
        """The filter the left pane describes; raises `InvalidInputError` for a bad date."""
        since_text, until_text = self.since.text().strip(), self.until.text().strip()
        since = parse_when(since_text) if since_text else None
        until = parse_when(until_text, end=True) if until_text else None
        if since is not None and until is not None and until <= since:
            raise InvalidInputError("'Until' is before 'Since': nothing can match.")
        category = self.category
        source = str(self.source.currentData() or "")
        return MemoryFilter(
            types=[MemoryType(category)] if category not in (ALL, REVIEW) else [],
            since=since,
            until=until,
            sources=[source] if source else [],
            include_superseded=self.superseded.isChecked(),
            include_cold=self.cold.isChecked(),
            quarantined=category == REVIEW,
        )

    def _category_changed(self) -> None:
        self._sync_search_box()
        self.reload()

    def _sync_search_box(self) -> None:
        review = self.category == REVIEW
        # Quarantined memories are never searched (they stay out of every index's answers).
        self.search.setEnabled(not review)
        self.search.setPlaceholderText(
            "Review lists every waiting memory" if review else "Words or a question (Ctrl+F)"
        )

    def _dates_edited(self) -> None:
        dates = (self.since.text().strip(), self.until.text().strip())
        if dates != self._applied:
            self.reload()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.reload()

    def refresh(self) -> None:
        """Reload after a change (ours or another view's), keeping the selection and scroll."""
        self.reload(keep_rows=True)

    def reload(self, keep_rows: bool = False) -> None:
        """List or search again with the current filters."""
        self._search_timer.stop()
        try:
            filt = self.current_filter()
        except InvalidInputError as exc:
            # The list stays as it was and the typed text stays in its field.
            self.filter_problem.setText(f"⚠ {exc.message}")
            self.filter_problem.show()
            return
        self.filter_problem.hide()
        self._applied = (self.since.text().strip(), self.until.text().strip())
        self._generation += 1
        self._update_review_count()
        query = self.search.text().strip() if self.search.isEnabled() else ""
        if self._select_id is None and self._select_row is None:
            self._select_id = self._selected_id()  # stay on the same memory if it is still listed
        if query:
            self._run_search(query, filt, self._generation)
            return
        self.model.show_listing(
            filt, self.model.rowCount() if keep_rows and self.model.is_listing else 0
        )
        self._loaded()

    def _selected_id(self) -> str | None:
        """The id of the memory selected in the list, if any."""
        index = self.table.currentIndex()
        return self.model.memory(index.row()).id if index.isValid() else None

    def _run_search(self, query: str, filt: MemoryFilter, generation: int) -> None:
        self.summary.setText(f"Searching for “{query}”…")
        store, settings = self.ctx.store, self.ctx.settings.retrieval

        def work(job: Job) -> list[Hit]:
            return Retriever(store, settings).search(query, SEARCH_LIMIT, filt)

        def done(hits: list[Hit]) -> None:
            if generation == self._generation:
                self.model.show_results([hit.memory for hit in hits])
                self._loaded(query)

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self.summary.setText(f"Search failed: {describe_error(error)[0]}")

        self.ctx.op(work, "db", self).success(done).failure(failed).run()

    def _loaded(self, query: str | None = None) -> None:
        """After the list changed: restore the selection and say what is listed."""
        select_id, select_row = self._select_id, self._select_row
        self._select_id = self._select_row = None
        row: int | None = None
        if select_id is not None:
            row = self.model.load_through(select_id)
        if row is None and select_row is not None and self.model.rowCount():
            row = min(select_row, self.model.rowCount() - 1)
        self._summarise(query)
        if row is None:
            self.table.clearSelection()
            self.table.setCurrentIndex(QtCore.QModelIndex())
            self.detail.clear("Select a memory to see its details.")
            self._update_actions()
            return
        self._select(row)

    def _summarise(self, query: str | None = None) -> None:
        rows = self.model.rowCount()
        if not self.model.is_listing:
            query = query or self.search.text().strip()
            self.summary.setText(
                f"{rows} result(s) for “{query}”, best first."
                if rows
                else f"Nothing found for “{query}”."
            )
        elif self.model.review:
            self.summary.setText(
                f"{rows} memor{'y' if rows == 1 else 'ies'} waiting for review: approve or reject."
                if rows
                else "Nothing is waiting for review."
            )
        elif rows:
            more = ", scroll down for more" if self.model.canFetchMore() else ""
            noun = "memory" if rows == 1 else "memories"
            self.summary.setText(f"{rows} {noun} shown, newest first{more}.")
        else:
            self.summary.setText("No memories match these filters.")

    def _update_review_count(self) -> None:
        count = count_quarantined(self.ctx.reader)
        self.review_item.setText(f"Review ({count})")
        self.review_item.setData(Qt.ItemDataRole.AccessibleTextRole, f"Review, {count} waiting")

    def _select(self, row: int) -> None:
        """Select a row without counting it as the user opening the memory."""
        index = self.model.index(row, 0)
        shown = self._shown_count
        self._programmatic = True
        try:
            self.table.selectionModel().setCurrentIndex(
                index,
                QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QtCore.QItemSelectionModel.SelectionFlag.Rows,
            )
        finally:
            self._programmatic = False
        self.table.scrollTo(index)
        if self._shown_count == shown:  # the row was already current: show it afresh anyway
            self._show(self.model.memory(row).id)

    # -- showing one memory ----------------------------------------------------------------
    def _row_changed(self, current: QtCore.QModelIndex, _previous: QtCore.QModelIndex) -> None:
        if not current.isValid():
            return
        memory_id = self.model.memory(current.row()).id
        self._show(memory_id)
        if not self._programmatic:
            self._recall_timer.start()

    def _show(self, memory_id: str) -> None:
        self._shown_count += 1
        try:
            details = load_details(self.ctx.reader, memory_id)
        except NotFoundError as exc:
            self.detail.clear(exc.message)
        else:
            self.detail.show_details(details, keep_reveal=True)
        self._update_actions()

    def show_version(self, version_id: str) -> None:
        """Show one version from the history in the detail pane (the list stays where it is)."""
        try:
            details = load_details(self.ctx.reader, version_id)
        except NotFoundError as exc:
            self._notice(exc.message)
            return
        self.detail.show_details(details, keep_reveal=True)
        self._update_actions()

    def show_memory(self, memory_id: str) -> None:
        """Show this memory: list it (whatever page it is on, whichever version), select it."""
        try:
            memory = self.ctx.reader.get_memory(memory_id)
        except NotFoundError as exc:
            self._notice(exc.message)
            return
        if memory.status is Status.DELETED:
            self._notice("That memory was forgotten: nothing of it is left to show.")
            return
        widgets: Sequence[QtCore.QObject] = (
            self.types,
            self.search,
            self.since,
            self.until,
            self.source,
            self.superseded,
            self.cold,
        )
        for widget in widgets:
            widget.blockSignals(True)
        try:
            quarantined = memory.status is Status.QUARANTINED
            self.types.setCurrentItem(self.review_item if quarantined else self.types.item(0))
            self._sync_search_box()
            self.search.clear()
            self.since.clear()
            self.until.clear()
            self.source.setCurrentIndex(0)
            if memory.superseded_at is not None:
                self.superseded.setChecked(True)
            if memory.tier is Tier.COLD:
                self.cold.setChecked(True)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._select_id = memory.id
        self.reload()
        if self.detail.memory is not None and self.detail.memory.id == memory.id:
            self._recall(force=True)

    def _recall(self, force: bool) -> None:
        """Count the memory on show as recalled (its decay clock restarts), on the db lane."""
        memory = self.detail.memory
        if memory is None or not memory.is_current or (memory.id == self._recalled and not force):
            return
        self._recalled = memory.id
        store, memory_id = self.ctx.store, memory.id

        def work(job: Job) -> Memory:
            store.mark_recalled([memory_id], datetime.now().astimezone())
            return store.get_memory(memory_id)

        def failed(error: BaseException) -> None:
            # Counting a recall is bookkeeping: a failure is worth a line, not a dialog.
            self.ctx.events.status_message.emit(
                f"Could not count the recall: {describe_error(error)[0]}"
            )

        self.ctx.op(work, "db", self).success(self.detail.update_counters).failure(failed).run()

    def open_source(self, obs: object) -> None:
        """Open a source: a chat turn in its dialog, a screen on the timeline, others by event."""
        if not isinstance(obs, Observation):
            return
        if obs.source is Source.CHAT:
            ChatTurnDialog(self.ctx.reader, obs, self).show()
            return
        if obs.source is Source.SCREEN:
            frame_id = frame_for(self.ctx.reader, obs)
            if frame_id is not None:
                self.ctx.events.open_frame.emit(frame_id)
                return
            self._notice(
                "The screenshots of this source were pruned (retention); only its text is left."
            )
        self.ctx.events.open_observation.emit(obs.id)

    def _notice(self, message: str) -> None:
        self.notice.setText(message)
        self.ctx.events.status_message.emit(message)

    # -- actions ---------------------------------------------------------------------------
    def _update_actions(self) -> None:
        memory = self.detail.memory
        free = not self._busy
        current = memory is not None and memory.is_current
        quarantined = memory is not None and memory.status is Status.QUARANTINED
        self.edit_button.setEnabled(free and current)
        self.pin_button.setEnabled(free and current)
        pinned = memory is not None and memory.pinned
        self.pin_button.setText("Un&pin" if pinned else "&Pin")
        self.pin_button.setAccessibleName("Unpin" if pinned else "Pin")
        self.forget_button.setEnabled(free and memory is not None and not quarantined)
        self.forget_button.setHidden(quarantined)
        self.approve_button.setHidden(not quarantined)
        self.reject_button.setHidden(not quarantined)
        self.approve_button.setEnabled(free and quarantined)
        self.reject_button.setEnabled(free and quarantined)

    def _run(
        self,
        work: Callable[[Job], object],
        done: Callable[[object], None],
        parent: QtWidgets.QWidget | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run one change on the db lane with the action buttons off until it ends."""
        self._busy = True
        self._update_actions()

        def finished() -> None:
            self._busy = False
            self._update_actions()

        op = self.ctx.op(work, "db", parent or self).success(done).on_done(finished)
        if failed is not None:
            op.failure(failed)
        op.run()

    def _changed(self, message: str, select_id: str | None = None) -> None:
        """Tell every view that memories changed; the refresh selects `select_id` or the row."""
        if select_id is not None:
            self._select_id = select_id
        else:
            index = self.table.currentIndex()
            self._select_row = index.row() if index.isValid() else None
            self.detail.clear("")
        self._notice(message)
        self.ctx.events.memories_changed.emit()

    def edit(self) -> None:
        """Open the edit dialog for the memory on show (a vault memory is revealed for it)."""
        memory = self.detail.memory
        if memory is None or not memory.is_current or self._busy:
            return
        if self.detail.hidden:
            self.detail.toggle_reveal()  # asking to edit a secret is asking to see it
        dialog = MemoryEditDialog(memory, self)
        dialog.submitted.connect(lambda request: self._save_edit(dialog, memory, request))
        dialog.open()

    def _save_edit(self, dialog: MemoryEditDialog, old: Memory, request: object) -> None:
        assert isinstance(request, EditRequest)
        store = self.ctx.store

        def done(saved: object) -> None:
            assert isinstance(saved, Memory)
            dialog.accept()
            self._recalled = saved.id  # saving is not a recall of the new version
            self._changed(
                f"Saved as version {saved.version}; the old one stays in the history.", saved.id
            )

        self._run(lambda job: save_edit(store, old, request), done, dialog, dialog.failed)

    def toggle_pin(self) -> None:
        """Pin the memory on show (it never fades), or unpin it."""
        memory = self.detail.memory
        if memory is None or not memory.is_current or self._busy:
            return
        store, pinned = self.ctx.store, not memory.pinned

        def done(saved: object) -> None:
            assert isinstance(saved, Memory)
            message = "Pinned: it never fades." if saved.pinned else "Unpinned: it can fade again."
            self._changed(message, saved.id)

        self._run(lambda job: store.set_pinned(memory.id, pinned), done)

    def forget(self) -> None:
        """Erase the memory on show and all its versions, after the user confirms."""
        memory = self.detail.memory
        if memory is None or self._busy:
            return
        self._confirm(
            "Forget memory",
            "Forget this memory for good?",
            "This erases the memory and all its versions for good, with what it said in the chats "
            "and screens it came from. It cannot be undone.",
            "&Forget",
            memory,
        )

    def reject(self) -> None:
        """Erase a quarantined memory, after the user confirms."""
        memory = self.detail.memory
        if memory is None or memory.status is not Status.QUARANTINED or self._busy:
            return
        self._confirm(
            "Reject memory",
            "Reject this quarantined memory?",
            "This erases the memory and all its versions for good. It cannot be undone.",
            "&Reject",
            memory,
        )

    def _confirm(self, title: str, question: str, info: str, verb: str, memory: Memory) -> None:
        box = QtWidgets.QMessageBox(self)
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setAccessibleName(title)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the memory's text is data, never markup
        shown = "a vault memory (hidden)" if self.detail.hidden else f"“{memory.text}”"
        box.setText(f"{question}\n\n{shown}")
        box.setInformativeText(info)
        yes = box.addButton(verb, QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
        no = box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(no)  # Enter on a surprise dialog must not erase anything
        box.setEscapeButton(no)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is yes:
                self._erase(memory)
            else:
                self._notice("Nothing was erased.")

        box.finished.connect(answered)
        box.open()

    def _erase(self, memory: Memory) -> None:
        store = self.ctx.store

        def done(erased: object) -> None:
            count = len(erased) if isinstance(erased, list) else 0
            self._changed(f"Erased {count} version(s) of the memory.")

        self._run(lambda job: store.forget(memory.id), done)

    def approve(self) -> None:
        """Release the quarantined memory on show: it can be used in answers from now on."""
        memory = self.detail.memory
        if memory is None or memory.status is not Status.QUARANTINED or self._busy:
            return
        store = self.ctx.store

        def done(_saved: object) -> None:
            self._changed("Approved: it can now be used in answers.")

        self._run(lambda job: store.approve(memory.id), done)


__all__ = ["MemoryBrowser", "frame_for", "save_edit"]

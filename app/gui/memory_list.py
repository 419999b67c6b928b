"""The memory list: a table model that reads the store one page at a time.

A store can hold 100k memories, so `MemoryListModel` never loads them all: it asks the store for
one page (`Store.list_memories` with a limit and an offset, newest event first, the same listing
as `mnemo memories list`) and lets the view ask for the next page when the user scrolls to the end
(Qt's `canFetchMore`/`fetchMore`). A page is a few milliseconds on the GUI thread's reader
connection, so listing never goes through a background lane. Search results (the hybrid search
runs on the `db` lane) are shown by the same model as one fixed list. Jumping to a memory that
lies deep in the listing counts the rows before it with the same filter and loads through it in
one read, instead of paging there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.qt import Qt, QtCore, QtGui
from core.memory import Memory, MemoryType, Status, Tier
from core.store import MemoryFilter, Store

PAGE_SIZE = 200
SHOWN_CHARS = 300  # a table cell shows one line; the detail pane shows the whole text
VAULT_IN_LIST = "Vault memory (hidden: select it and press Reveal)"
ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
_ROOT = QtCore.QModelIndex()  # the table's invisible root (an invalid index)


def when_of(memory: Memory) -> str:
    """The memory's event time as the list and the detail pane show it (local time)."""
    return (memory.valid_from or memory.recorded_at).astimezone().strftime("%Y-%m-%d %H:%M")


def quarantine_reasons(memory: Memory) -> str:
    """Why a memory waits for review, as `mnemo memories review` says it."""
    return ", ".join(str(r) for r in memory.fields.get("quarantine", [])) or "flagged"


def one_line(memory: Memory) -> str:
    """The memory's text on one line for a table cell; a vault memory stays hidden."""
    if memory.type is MemoryType.VAULT:
        return VAULT_IN_LIST
    text = " ".join(memory.text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def count_quarantined(store: Store) -> int:
    """How many memories wait for review (the `mnemo memories review` listing, counted)."""
    where, params = MemoryFilter(quarantined=True).clauses("m")
    with store.read() as conn:
        row = conn.execute(f"SELECT count(*) FROM memories m WHERE {where}", params).fetchone()
    return int(row[0])


def position_of(store: Store, filt: MemoryFilter, memory_id: str) -> int | None:
    """The memory's row in `list_memories(filt)` order, or None if the filter leaves it out."""
    with store.read() as conn:
        if memory_id not in store.passing("id", [memory_id], filt):
            return None
        event_ts, rowid = conn.execute(
            "SELECT event_ts, rowid FROM memories WHERE id = ?", (memory_id,)
        ).fetchone()
        where, params = filt.clauses("m")
        # The listing is ordered by (event_ts DESC, rowid DESC): count what sorts before it.
        row = conn.execute(
            f"SELECT count(*) FROM memories m WHERE {where} "
            "AND (m.event_ts > ? OR (m.event_ts = ? AND m.rowid > ?))",
            [*params, event_ts, event_ts, rowid],
        ).fetchone()
    return int(row[0])


class MemoryListModel(QtCore.QAbstractTableModel):
    """Memories as rows of (type, date, text): a paged listing, or a fixed list of search hits."""

    COLUMNS = ("Type", "Date", "Text")

    def __init__(
        self, store: Store, page_size: int = PAGE_SIZE, parent: QtCore.QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._page = page_size
        self._rows: list[Memory] = []
        self._index: dict[str, int] = {}
        self._filter: MemoryFilter | None = None
        self._more = False
        self.review = False  # rows are quarantined memories: the text says why

    # -- loading ---------------------------------------------------------------------------
    def show_listing(self, filt: MemoryFilter, at_least: int = 0) -> None:
        """Show the listing for `filt` from the top (at least `at_least` rows, to keep a scroll)."""
        limit = max(self._page, at_least)
        rows = self._store.list_memories(filt, limit=limit)
        self.beginResetModel()
        self._filter = filt
        self.review = filt.quarantined
        self._set_rows(rows)
        self._more = len(rows) == limit
        self.endResetModel()

    def show_results(self, memories: Sequence[Memory]) -> None:
        """Show a fixed list (search hits, best first); nothing more is fetched."""
        self.beginResetModel()
        self._filter = None
        self.review = False
        self._set_rows(list(memories))
        self._more = False
        self.endResetModel()

    def _set_rows(self, rows: list[Memory]) -> None:
        self._rows = []
        self._index = {}
        self._append(rows)

    def _append(self, rows: Sequence[Memory]) -> None:
        for memory in rows:
            # A memory added meanwhile shifts the offsets by one: never show a row twice.
            if memory.id not in self._index:
                self._index[memory.id] = len(self._rows)
                self._rows.append(memory)

    @property
    def is_listing(self) -> bool:
        """True for a paged listing, False for search results."""
        return self._filter is not None

    def canFetchMore(
        self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT
    ) -> bool:
        """More pages wait in the store (only for a listing)."""
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> None:
        """Load the next page (the view calls this when the user scrolls to the end)."""
        if parent.isValid() or not self._more or self._filter is None:
            return
        self._load(self._page)

    def _load(self, count: int) -> None:
        assert self._filter is not None
        page = self._store.list_memories(self._filter, limit=count, offset=len(self._rows))
        self._more = len(page) == count
        fresh = [m for m in page if m.id not in self._index]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QtCore.QModelIndex(), first, first + len(fresh) - 1)
        self._append(fresh)
        self.endInsertRows()

    def load_through(self, memory_id: str) -> int | None:
        """The row of `memory_id`, loading the listing down to it if needed; None if absent."""
        if memory_id in self._index:
            return self._index[memory_id]
        if self._filter is None:
            return None
        position = position_of(self._store, self._filter, memory_id)
        if position is None:
            return None
        if position >= len(self._rows):
            self._load(position - len(self._rows) + self._page)
        return self._index.get(memory_id)

    # -- reading ---------------------------------------------------------------------------
    def memory(self, row: int) -> Memory:
        return self._rows[row]

    def row_of(self, memory_id: str) -> int | None:
        return self._index.get(memory_id)

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(
        self,
        index: QtCore.QModelIndex | QtCore.QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        memory = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return str(memory.type)
            if column == 1:
                return when_of(memory)
            text = one_line(memory)
            return f"[{quarantine_reasons(memory)}]  {text}" if self.review else text
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(memory, column)
        if role == Qt.ItemDataRole.FontRole:
            font = QtGui.QFont()
            font.setBold(memory.pinned)
            # Older versions and faded memories read as secondary, without a hard-coded colour.
            font.setItalic(memory.superseded_at is not None or memory.tier is Tier.COLD)
            return font
        if role == ID_ROLE:
            return memory.id
        return None

    def _tooltip(self, memory: Memory, column: int) -> str | None:
        if column == 2:
            if memory.type is MemoryType.VAULT:
                return "A vault memory: its text is shown only after you press Reveal."
            return memory.text if len(memory.text) > 80 else None
        notes = []
        if memory.pinned:
            notes.append("pinned: it never fades")
        if memory.superseded_at is not None:
            notes.append(f"an older version (superseded {memory.superseded_at.astimezone():%c})")
        if memory.tier is Tier.COLD:
            notes.append("faded to the cold tier")
        if memory.status is Status.QUARANTINED:
            notes.append(f"waiting for review ({quarantine_reasons(memory)})")
        joined = "; ".join(notes)
        return joined[:1].upper() + joined[1:] or None

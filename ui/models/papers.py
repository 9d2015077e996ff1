"""The paper table: an ordered list of ids from SQL, rows fetched lazily in pages.

Filtering and sorting are SQL (``Library.paper_ids``), run in a worker together with the first
page of rows, so a reset arrives with something to show. Other pages are fetched in a worker
the first time a view asks for them (a placeholder shows meanwhile). Stale query results are
dropped by a generation counter; changed papers are refetched, never read on the GUI thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from readinglist.records import Changes, MatchInfo, PaperFilter, PaperRow
from readinglist.search import MARK_CLOSE, MARK_OPEN
from readinglist.services.library import Library
from readinglist.texdisplay import tex_to_unicode
from ui.models.context import AppContext
from ui.models.sidebar import PAPERS_MIME
from ui.tasks import TaskHandle

PAGE = 200
CACHE_LIMIT = 20_000
# A search shows its best hits only: a word found in every paper would otherwise rank (or
# order) 100,000 rows for a list nobody scrolls (PITFALLS: ranking cost grows with the hits).
SEARCH_LIMIT = 1000
IdRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
TagsRole = Qt.ItemDataRole.UserRole + 3
PdfRole = Qt.ItemDataRole.UserRole + 4
MatchRole = Qt.ItemDataRole.UserRole + 5  # the title with the search's matches marked, or None
NewRole = Qt.ItemDataRole.UserRole + 6  # True for an alert's matches new since the user last looked
_CACHED_ROLES = (int(Qt.ItemDataRole.DisplayRole), int(TagsRole))  # kept per row (see data)
# Roles as plain ints: an enum member's lookup is a Python call, and a view asks ~1,200 cells'
# roles for every full paint.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_STARRED = int(Qt.ItemDataRole.UserRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
RIGHT_ALIGNED = frozenset({"upvotes", "date", "score"})  # the columns of numbers
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
_ANSWERED = frozenset(
    {_DISPLAY, _TOOLTIP, _ALIGN, _FOREGROUND, _FONT, _STARRED}
    | {int(r) for r in (IdRole, RowRole, TagsRole, PdfRole, MatchRole, NewRole)}
)  # every other role (decoration, background, check state…) is None without a row lookup
ModelIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # the invisible root: a module-level default (ruff B008)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    sort: str | None  # a sort key the core knows (readinglist.records.SORT_KEYS); None: not sortable
    width: int  # default width in average character widths


COLUMNS = (
    Column("title", "Title", "title", 60),
    Column("authors", "Authors", "author", 16),
    Column("date", "Published", "published", 14),
    Column("upvotes", "Upvotes", "upvotes", 9),
    Column("tags", "Tags", None, 19),
    Column("status", "Status", "status", 11),
    Column("pdf", "PDF", None, 7),
    # For you only (the list view hides them in every other view); last, so older logical
    # indices stay what they were.
    Column("score", "Score", None, 7),
    Column("why", "Why", None, 40),
)
FOR_YOU_COLUMNS = ("score", "why")
COL = {c.key: n for n, c in enumerate(COLUMNS)}
STATUS_LABELS = {"unread": "Unread", "reading": "Reading", "read": "Read"}
CHIP_COLORS = ("#64748b", "#0ea5e9", "#8b5cf6", "#14b8a6", "#f97316", "#ec4899", "#84cc16", "#6366f1")


def tag_color(name: str, color: str | None) -> str:
    """A tag's own colour, or a stable one picked from its name."""
    if color:
        return color
    return CHIP_COLORS[sum(name.encode()) % len(CHIP_COLORS)]


def authors_short(authors: tuple[str, ...]) -> str:
    if not authors:
        return ""
    if len(authors) == 1:
        return authors[0]
    if len(authors) == 2:
        return f"{authors[0]} and {authors[1]}"
    return f"{authors[0]} et al."


@dataclass(frozen=True)
class Query:
    filter: PaperFilter
    sort: str | None = None
    descending: bool = True


@dataclass(frozen=True)
class Loaded:
    ids: list[int]
    row_of: dict[int, int]
    rows: list[PaperRow]
    matches: dict[int, MatchInfo]
    reasons: dict[int, tuple[str, ...]] = field(default_factory=dict)  # For you: why each ranks there
    scores: dict[int, float] = field(default_factory=dict)  # For you: how likely each is kept
    note: str = ""  # For you: why the order is by upvotes instead


FOR_YOU = "for_you"  # an order the recommender gives (readinglist.recommend), not the query layer


def _matches(lib: Library, query: str | None, ids: list[int]) -> dict[int, MatchInfo]:
    return lib.match_info(query, ids) if query and ids else {}


def load(lib: Library, q: Query, want: list[int]) -> Loaded:
    """Worker side of a (re)load: the ordered ids, and the rows of the first page plus ``want``
    (with why each matched, for a search)."""
    limit = SEARCH_LIMIT if q.filter.query else None
    reasons: dict[int, tuple[str, ...]] = {}
    scores: dict[int, float] = {}
    note = ""
    if q.sort == FOR_YOU:
        from readinglist.recommend.live import order

        o = order(lib, lib.paper_ids(q.filter, sort="upvotes", descending=True, limit=limit))
        ids, reasons, scores, note = o.ids, o.reasons, o.scores, o.note
    else:
        ids = lib.paper_ids(q.filter, sort=q.sort, descending=q.descending, limit=limit)
    row_of = {pid: n for n, pid in enumerate(ids)}
    fetch = list(dict.fromkeys([*ids[:PAGE], *(i for i in want if i in row_of)]))
    matches = _matches(lib, q.filter.query, fetch)
    return Loaded(ids, row_of, lib.get_many(fetch), matches, reasons, scores, note)


def load_page(lib: Library, ids: list[int], query: str | None) -> tuple[list[PaperRow], dict[int, MatchInfo]]:
    """Worker side of a lazily fetched page."""
    return lib.get_many(ids), _matches(lib, query, ids)


class PaperTableModel(QAbstractTableModel):
    loaded = Signal()  # after every (re)load, reset or not
    rows_refreshed = Signal(list)  # ids whose rows were refetched
    queryFailed = Signal(object)  # the exception (a search the core cannot run, say)

    def __init__(self, ctx: AppContext, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.ctx = ctx
        self.query = Query(PaperFilter())
        self.ids: list[int] = []
        self._row_of: dict[int, int] = {}
        self._cache: dict[int, PaperRow] = {}
        self._cells: dict[int, tuple[PaperRow, dict[tuple[int, int], object]]] = {}
        self.matches: dict[int, MatchInfo] = {}  # why rows matched the current search
        self._stale: set[int] = set()
        self._pages: dict[int, TaskHandle] = {}
        # Pages a paint asked for, read once that paint is over: a worker started under it
        # took the interpreter lock from it (a jump of the scroll bar at 100k papers painted
        # its placeholders in 19 ms at p95 so, and 12 when they are cached).
        self._wanted: list[int] = []
        self._fetch = QTimer(self)
        self._fetch.setSingleShot(True)
        self._fetch.setInterval(0)
        self._fetch.timeout.connect(self._start_wanted)
        self._generation = 0
        self._reload: TaskHandle | None = None
        self._visible = (0, PAGE)
        self.downloading: set[int] = set()
        self.tag_colors: dict[str, str | None] = {}
        self.has_loaded = False
        self.new_ids: set[int] = set()
        self.matches_for: str | None = None
        self.reasons: dict[int, tuple[str, ...]] = {}
        self.scores: dict[int, float] = {}
        self.for_you_note = ""  # For you is by upvotes: why (too little kept to learn from)
        self.started = False  # no query runs before the window says what to show
        ctx.bus.changed.connect(self.on_changes)

    # -- querying ----------------------------------------------------------------------------
    def set_query(self, f: PaperFilter, sort: str | None = None, descending: bool | None = None) -> None:
        d = self.query.descending if descending is None else descending
        self.query = Query(f, sort if sort is not None else self.query.sort, d)
        self.started = True
        self.new_ids = set()
        self.reload()

    def set_new(self, ids: list[int]) -> None:
        """Mark these papers as new (an alert's matches the user had not seen)."""
        self.new_ids = set(ids)
        if self.ids:
            col = COL["title"]
            self.dataChanged.emit(self.index(0, col), self.index(len(self.ids) - 1, col), [NewRole])

    def set_filter(self, f: PaperFilter) -> None:
        self.query = Query(f, self.query.sort, self.query.descending)
        self.started = True
        self.reload()

    def reload(self) -> None:
        """Re-run the query in a worker; an older run still in flight is dropped."""
        self._generation += 1
        gen = self._generation
        if self._reload is not None:
            self._reload.discard()
        first, last = self._visible
        want = [self.ids[i] for i in range(max(0, first), min(len(self.ids), last + 1))]
        want = [i for i in want if i in self._stale or i not in self._cache]
        self._reload = self.ctx.tasks.run(
            load, self.ctx.lib, self.query, want, name="load papers", owner=self,
            on_done=lambda res: self._loaded(gen, res), on_error=lambda exc: self._failed(gen, exc),
        )  # fmt: skip

    def _failed(self, gen: int, exc: BaseException) -> None:
        if gen == self._generation:
            self.queryFailed.emit(exc)

    def _loaded(self, gen: int, res: Loaded) -> None:
        if gen != self._generation:
            return  # a newer query was asked for meanwhile
        self._reload = None
        if not self.query.filter.query:
            self.matches = {}
        elif self.matches_for != self.query.filter.query:
            self.matches = dict(res.matches)
        else:
            self.matches.update(res.matches)
        self.matches_for = self.query.filter.query
        advice_moved = (res.reasons, res.scores) != (self.reasons, self.scores)
        if advice_moved:
            self._cells.clear()  # the Why and Score cells are kept per row: they moved
        self.reasons, self.scores, self.for_you_note = res.reasons, res.scores, res.note
        for row in res.rows:
            self._cache[row.id] = row
            self._stale.discard(row.id)
        if res.ids == self.ids:
            self._emit_rows([r.id for r in res.rows])
            if advice_moved and self.ids:
                first, last = COL["score"], COL["why"]
                self.dataChanged.emit(self.index(0, first), self.index(len(self.ids) - 1, last))
        else:
            self.beginResetModel()
            for h in self._pages.values():
                h.discard()
            self._pages.clear()
            self._wanted.clear()
            self.ids, self._row_of = res.ids, res.row_of
            if len(self._cache) > CACHE_LIMIT:
                keep = {r.id for r in res.rows}
                self._cache = {k: v for k, v in self._cache.items() if k in keep}
                self._cells = {k: v for k, v in self._cells.items() if k in keep}
            self.endResetModel()
        self.has_loaded = True
        self.loaded.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else None
        if column >= 0 and key is None:
            return
        self.query = Query(self.query.filter, key, order == Qt.SortOrder.DescendingOrder)
        if self.started:
            self.reload()

    # -- lazy rows ---------------------------------------------------------------------------
    @property
    def truncated(self) -> bool:
        """True when a search found more papers than it shows."""
        return bool(self.query.filter.query) and len(self.ids) >= SEARCH_LIMIT

    def set_visible(self, first: int, last: int) -> None:
        """The rows a view shows: a reload refreshes these with the query."""
        self._visible = (first, last)

    def row(self, r: int) -> PaperRow | None:
        if not 0 <= r < len(self.ids):
            return None
        pid = self.ids[r]
        row = self._cache.get(pid)
        if row is None or pid in self._stale:
            self._request_page(r // PAGE)
        return row

    def cached(self, paper_id: int) -> PaperRow | None:
        return self._cache.get(paper_id)

    def row_of(self, paper_id: int) -> int:
        return self._row_of.get(paper_id, -1)

    def _request_page(self, page: int) -> None:
        if page in self._pages or page in self._wanted:
            return
        self._wanted.append(page)
        self._fetch.start()

    def _start_wanted(self) -> None:
        wanted, self._wanted = self._wanted, []
        for page in wanted:
            if page not in self._pages:
                self._load_page(page)

    def _load_page(self, page: int) -> None:
        gen = self._generation
        ids = self.ids[page * PAGE : (page + 1) * PAGE]
        self._pages[page] = self.ctx.tasks.run(
            load_page, self.ctx.lib, ids, self.query.filter.query, name="load rows", owner=self,
            on_done=lambda res: self._page_loaded(gen, page, *res),
            on_error=lambda exc: self._pages.pop(page, None),
        )  # fmt: skip

    def _page_loaded(
        self, gen: int, page: int, rows: list[PaperRow], matches: dict[int, MatchInfo] | None = None
    ) -> None:
        self._pages.pop(page, None)
        if matches and gen == self._generation:
            self.matches.update(matches)
        for row in rows:
            self._cache[row.id] = row
            self._stale.discard(row.id)
        if gen == self._generation:
            self._emit_rows([r.id for r in rows])

    def _emit_rows(self, ids: list[int]) -> None:
        rows = sorted(self._row_of[i] for i in ids if i in self._row_of)
        if not rows:
            return
        self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], len(COLUMNS) - 1))
        self.rows_refreshed.emit(ids)

    def on_changes(self, changes: Changes) -> None:
        """Refetch changed papers, and re-run the query: membership or order may have moved."""
        self._stale |= set(changes.papers) & set(self._cache)
        if self.started:  # before the first view, a sync's changes must not list every paper
            self.reload()

    def set_downloading(self, ids: set[int]) -> None:
        changed = ids ^ self.downloading
        self.downloading = set(ids)
        rows = [self._row_of[i] for i in changed if i in self._row_of]
        col = COL["pdf"]
        for r in rows:
            self.dataChanged.emit(self.index(r, col), self.index(r, col))

    def set_tag_colors(self, colors: dict[str, str | None]) -> None:
        if colors != self.tag_colors:
            self.tag_colors = colors
            self._cells.clear()
            if self.ids:
                col = COL["tags"]
                self.dataChanged.emit(self.index(0, col), self.index(len(self.ids) - 1, col))

    # -- the model contract ------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].title
            if role == Qt.ItemDataRole.ToolTipRole:
                c = COLUMNS[section]
                if c.key == "upvotes":
                    return "Upvotes on Hugging Face Daily Papers (click to sort)"
                if c.key == "date":
                    return (
                        "The date the paper was published on arXiv (for a paper without one, the "
                        "day it was listed in the Daily Papers feed); click to sort"
                    )
                return f"Sort by {c.title.lower()}" if c.sort else c.title
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ROW_FLAGS

    def data(self, index: ModelIndex, role: int = _DISPLAY) -> object:
        if role not in _ANSWERED or not index.isValid():
            return None
        r = index.row()
        if not 0 <= r < len(self.ids):
            return None
        if role == IdRole:
            return self.ids[r]
        return self.cell(r, index.column(), int(role))

    def cell(self, r: int, column: int, role: int) -> object:
        """What :meth:`data` answers for row ``r`` and ``column`` (``r`` in range), without a
        model index: the list view paints its rows from this (``ui/views/row_paint.py``)."""
        row = self.row(r)
        if role == RowRole:
            return row
        col = COLUMNS[column].key
        if row is None:
            return "…" if role == _DISPLAY and col == "title" else None
        if role in _CACHED_ROLES:
            # A view asks for every visible cell on every scroll step (about 1,100 calls a step):
            # the converted text is kept per row object, so a refetched row starts afresh.
            cells = self._cells.get(row.id)
            if cells is None or cells[0] is not row:
                cells = self._cells[row.id] = (row, {})
            key = (column, role)
            if key not in cells[1]:
                cells[1][key] = self._cell(row, col, role)
            return cells[1][key]
        return self._cell(row, col, role)

    def _cell(self, row: PaperRow, col: str, role: int) -> object:
        if role == _DISPLAY:
            return self._display(row, col)
        if role == _TOOLTIP:
            if col == "title":
                return self._title_tip(row)
            if col == "authors":
                return ", ".join(row.authors)
            if col == "tags":
                return ", ".join(row.tags)
            if col == "why" and self.reasons.get(row.id):
                return "\n".join(self.reasons[row.id])
            if col == "score" and row.id in self.scores:
                return "How likely you keep this paper, as For you learned from what you kept"
            return None
        if role == TagsRole:
            auto = set(row.auto_tags)
            return [(t, tag_color(t, self.tag_colors.get(t)), t in auto) for t in row.tags]
        if role == PdfRole:
            if row.id in self.downloading:
                return "downloading"
            return "present" if row.pdf else "none"
        if role == _ALIGN and col in RIGHT_ALIGNED:
            return _RIGHT
        if role == _FOREGROUND and row.dismissed:
            return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == _FONT and col == "title" and row.saved and row.status == "unread":
            font = QApplication.font()
            font.setWeight(font.Weight.DemiBold)
            return font
        if role == _STARRED and col == "title":
            return row.starred
        if role == NewRole and col == "title":
            return row.id in self.new_ids
        if role == MatchRole and col == "title":
            m = self.matches.get(row.id)
            return tex_to_unicode(m.title) if m is not None and MARK_OPEN in m.title else None
        return None

    def _title_tip(self, row: PaperRow) -> str:
        """The title, and during a search why the paper matched (its fragment, its PDF pages)."""
        tip = tex_to_unicode(row.title)
        if row.id in self.new_ids:
            tip = "New since you last looked at this alert\n" + tip
        if self.reasons.get(row.id):
            tip += "\n\nFor you: " + "; ".join(self.reasons[row.id])
        m = self.matches.get(row.id)
        if m is not None:
            plain = {ord(MARK_OPEN): None, ord(MARK_CLOSE): None}
            if m.snippet:
                tip += "\n\nMatched: " + " ".join(tex_to_unicode(m.snippet).translate(plain).split())
            if m.pdf_pages:
                tip += f"\n\nIn the PDF, p. {', '.join(map(str, m.pdf_pages[:12]))}: "
                tip += " ".join(m.pdf_snippet.translate(plain).split())
        return tip

    def _display(self, row: PaperRow, col: str) -> object:
        if col == "score":
            score = self.scores.get(row.id)
            return f"{score:.2f}" if score is not None else ""
        if col == "why":
            return "; ".join(self.reasons.get(row.id, ()))
        if col == "title":
            return tex_to_unicode(row.title)
        if col == "authors":
            return authors_short(row.authors)
        if col == "date":
            d = row.published or (row.feed_dates[-1] if row.feed_dates else None)
            return f"{d.day} {d:%b %Y}" if d else ""
        if col == "upvotes":
            return row.upvotes
        if col == "status":
            return STATUS_LABELS.get(row.status, row.status) if row.saved else ""
        return None

    # -- dragging papers out -----------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [PAPERS_MIME, "text/plain"]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        """Papers dragged out: ``\\cite{key1,key2}`` as text, their ids for the sidebar."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        ids = [self.ids[r] for r in rows if 0 <= r < len(self.ids)]
        keys = [row.citekey for i in ids if (row := self._cache.get(i)) and row.citekey]
        md = QMimeData()
        md.setData(PAPERS_MIME, QByteArray(json.dumps(ids).encode()))
        if keys:
            md.setText("\\cite{" + ",".join(keys) + "}")
        return md

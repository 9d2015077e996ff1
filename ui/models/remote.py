"""Remote search results (Hugging Face Papers or arXiv) as a small in-memory table.

Unlike the paper model this one holds frozen :class:`RemoteResult` values, never ids: the
papers are not in the library (yet). A page is at most a few dozen rows, so no lazy fetching.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from readinglist.records import RemoteResult
from readinglist.recordtype import replace
from readinglist.texdisplay import tex_to_unicode

ResultRole = Qt.ItemDataRole.UserRole + 1
ModelIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # the invisible root: a module-level default (ruff B008)
SOURCE_LABELS = {"hf": "Hugging Face", "arxiv": "arXiv"}
COLUMNS = (
    ("title", "Title", "Title"),
    ("author", "First author", "First author (and how many more)"),
    ("date", "Date", "Published"),
    ("upvotes", "Upvotes", "Upvotes on Hugging Face Papers"),
    ("source", "Source", "Where the result came from"),
    ("held", "Yours", "✓ Library: saved in your library · Feed: your feed listed it, not saved yet"),
)
RCOL = {key: n for n, (key, _t, _tip) in enumerate(COLUMNS)}


class RemoteResultsModel(QAbstractTableModel):
    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.results: list[RemoteResult] = []
        self.total: int | None = None

    # -- changing ----------------------------------------------------------------------------
    def set_results(self, results: tuple[RemoteResult, ...], total: int | None) -> None:
        self.beginResetModel()
        self.results = list(results)
        self.total = total
        self.endResetModel()

    def append(self, results: tuple[RemoteResult, ...], total: int | None) -> int:
        """Add the next page; results already shown (same arXiv id or title) are skipped."""
        seen = {self._key(r) for r in self.results}
        fresh = [r for r in results if self._key(r) not in seen]
        self.total = total
        if fresh:
            first = len(self.results)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self.results.extend(fresh)
            self.endInsertRows()
        return len(fresh)

    def clear(self) -> None:
        self.set_results((), None)

    def set_in_library(self, row: int) -> None:
        if 0 <= row < len(self.results) and not self.results[row].in_library:
            self.results[row] = replace(self.results[row], in_library=True, in_feed=False)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def result(self, row: int) -> RemoteResult | None:
        return self.results[row] if 0 <= row < len(self.results) else None

    def row_of(self, result: RemoteResult) -> int:
        key = self._key(result)
        return next((n for n, r in enumerate(self.results) if self._key(r) == key), -1)

    @property
    def has_more(self) -> bool:
        """Whether the source may hold more: an unknown total, or one not reached yet."""
        return bool(self.results) and (self.total is None or len(self.results) < self.total)

    @staticmethod
    def _key(r: RemoteResult) -> str:
        return r.paper.arxiv_id or r.paper.doi or " ".join(r.paper.title.lower().split())

    # -- the model contract ------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.results)

    def columnCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return COLUMNS[section][2]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.results):
            return None
        r = self.results[index.row()]
        col = COLUMNS[index.column()][0]
        if role == ResultRole:
            return r
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == "title":
                return r.paper.title
            if col == "author":
                return ", ".join(r.paper.authors)
            if col == "held":
                if r.in_library:
                    return "Saved in your library"
                if r.in_feed:
                    return "In your feed, not saved: press A to save it"
                return "Not in your library: press A to add it"
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in ("date", "upvotes", "held"):
            align = Qt.AlignmentFlag.AlignHCenter if col == "held" else Qt.AlignmentFlag.AlignRight
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(r: RemoteResult, col: str) -> object:
        m = r.paper
        if col == "title":
            return " ".join(tex_to_unicode(m.title).split())
        if col == "author":
            if not m.authors:
                return ""
            return m.authors[0] + (" et al." if len(m.authors) > 1 else "")
        if col == "date":
            return f"{m.published.day} {m.published:%b %Y}" if m.published else ""
        if col == "upvotes":
            return r.upvotes if r.source == "hf" else ""
        if col == "source":
            return SOURCE_LABELS.get(r.source, r.source)
        if col == "held":
            return "✓ Library" if r.in_library else ("Feed" if r.in_feed else "")
        return None

"""The quick citation picker an editor opens through the server: a search box over the library.

Type to search (in a worker; the GUI thread never queries), arrows to move, Space or Ctrl+click
to pick several, Enter to cite them, Escape to cancel.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from readinglist.records import PaperRow
from readinglist.services.library import Library
from ui.models.context import AppContext
from ui.tasks import TaskHandle

DEBOUNCE_MS = 60


def find(lib: Library, query: str) -> list[PaperRow]:
    """Worker side: full-text hits, with a paper whose citation key is the query itself first."""
    from readinglist.errors import ReadingListError

    rows = [row for row, _hit in lib.search_papers(query, limit=50)]
    try:
        exact = lib.get(lib.resolve(query))
    except ReadingListError:
        return rows
    return [exact, *(r for r in rows if r.id != exact.id)]


class CitePicker(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Cite from readinglist")
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        lay = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title, author, year, tag…")
        self.search.setAccessibleName("Search the library to cite")
        self.results = QListWidget()
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.results.setAccessibleName("Papers to cite")
        self.results.setAlternatingRowColors(True)
        self.results.setSpacing(2)
        self.status = QLabel("")
        self.status.setObjectName("hintLabel")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Cite")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for w in (self.search, self.results, self.status, buttons):
            lay.addWidget(w)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._run)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self.accept)
        self._task: TaskHandle | None = None
        self.resize(640, 420)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if (
            event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)
            and self.search.hasFocus()
            and self.results.count()
        ):
            self.results.setFocus()
            if not self.results.selectedItems():
                self.results.setCurrentRow(0)
            return
        super().keyPressEvent(event)

    def _run(self) -> None:
        query = self.search.text().strip()
        if self._task is not None:
            self._task.discard()
        if not query:
            self.results.clear()
            return
        self._task = self.ctx.tasks.run(
            find, self.ctx.lib, query, on_done=self._show, owner=self,
            on_error=lambda exc: self.status.setText(str(exc)),
        )  # fmt: skip

    def _show(self, rows: list[PaperRow]) -> None:
        self.results.clear()
        for row in rows:
            if not row.citekey:
                continue
            year = (
                row.published.year if row.published else (row.meta.year if row.meta and row.meta.year else "")
            )
            authors = row.authors[0] + (" et al." if len(row.authors) > 1 else "") if row.authors else ""
            item = QListWidgetItem(f"{row.title}\n{authors} {year} · {row.citekey}")
            item.setData(Qt.ItemDataRole.UserRole, row.citekey)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
        self.status.setText(f"{self.results.count()} found" if self.results.count() else "Nothing found")

    def chosen(self) -> list[str]:
        """The selected keys, or the current one when nothing is selected."""
        items = self.results.selectedItems() or (
            [self.results.currentItem()] if self.results.currentItem() else []
        )
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i is not None]

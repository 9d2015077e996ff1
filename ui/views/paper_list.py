"""The paper table view: fixed row heights, SQL sorting, and a selection that survives reloads.

When new papers arrive (a sync) or a dismissed one leaves, the model resets; this view keeps
the current paper selected and at the same height in the viewport, so nothing jumps under
the reader's eyes.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from ui.models.papers import COL, COLUMNS, FOR_YOU, FOR_YOU_COLUMNS, IdRole, PaperTableModel
from ui.views.columns import ColumnFit
from ui.views.delegates import PdfDelegate, TagChipsDelegate, TitleDelegate
from ui.views.row_paint import RowPainter


class PaperListView(QTableView):
    current_changed = Signal(object)  # paper id or None
    selection_changed = Signal()
    columns_changed = Signal()  # a column was shown or hidden: the panes may share out again

    def __init__(self, model: PaperTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paperList")
        self.papers = model
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        # PITFALLS: at 100k rows anything that measures contents is fatal to the first paint.
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(int(self.fontMetrics().height() * 1.9))
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        # The style sheet's background turns the viewport's auto-fill off, and a viewport that
        # is not opaque repaints whole on every scroll step (its parents first). paintEvent
        # fills the background itself, so the viewport is opaque: a wheel notch moves the
        # pixels and paints only the rows it uncovers (28 -> 8 ms a step at 100k rows).
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        hh = self.horizontalHeader()
        hh.setResizeContentsPrecision(0)
        vh.setResizeContentsPrecision(0)
        hh.setSectionsMovable(True)
        hh.setHighlightSections(False)
        hh.setTextElideMode(Qt.TextElideMode.ElideRight)  # a narrow header says "Upvo…", not "Upvote"
        hh.setStretchLastSection(False)
        hh.setSectionsClickable(True)
        hh.setSortIndicatorShown(True)
        hh.setSortIndicatorClearable(True)
        hh.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        fm = self.fontMetrics()
        char = fm.averageCharWidth()
        samples = {
            "date": "Published ▼",
            "upvotes": "Upvotes ▼",
            "status": "Reading",
            "pdf": "PDF",
            "score": "Score",
        }
        for n, c in enumerate(COLUMNS):
            hh.setSectionResizeMode(n, QHeaderView.ResizeMode.Interactive)
            sample = samples.get(c.key)
            hh.resizeSection(n, fm.horizontalAdvance(sample) + 22 if sample else c.width * char)
        hh.setSectionResizeMode(COL["title"], QHeaderView.ResizeMode.Stretch)
        self.columns = ColumnFit(self, {c.key: hh.sectionSize(n) for n, c in enumerate(COLUMNS)})
        hh.sortIndicatorChanged.connect(self._sort_changed)
        self._tags = TagChipsDelegate(self)
        self._pdf = PdfDelegate(self)
        self._title = TitleDelegate(self)
        self.setItemDelegateForColumn(COL["tags"], self._tags)
        self.setItemDelegateForColumn(COL["pdf"], self._pdf)
        self.setItemDelegateForColumn(COL["title"], self._title)
        self.paints_rows = True  # False: Qt's cell-by-cell paint (a test compares the two)
        self._rows = RowPainter(self)
        self._keep: tuple[int | None, int, list[int]] = (None, 0, [])
        self._keep_row = -1
        self._scroll_token = 0
        self._last_current: int | None = None
        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)
        model.loaded.connect(self._report_visible)
        model.loaded.connect(lambda: self.show_for_you_columns(model.query.sort == FOR_YOU))
        self.show_for_you_columns(False)
        self.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        self.verticalScrollBar().valueChanged.connect(self._report_visible)

    # -- sorting -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        # The viewport is opaque (see __init__): its background is ours to paint, below the rows
        # (the palette's Base is the style sheet's background).
        vp = self.viewport()
        painter = QPainter(vp)
        painter.fillRect(event.rect(), vp.palette().color(vp.backgroundRole()))
        if self.paints_rows and self.layoutDirection() == Qt.LayoutDirection.LeftToRight:
            self._rows.paint(painter, event.rect())  # see ui/views/row_paint.py
            painter.end()
            return
        painter.end()
        super().paintEvent(event)

    def _sort_changed(self, section: int, order: Qt.SortOrder) -> None:
        if section >= 0 and COLUMNS[section].sort is None:
            # Not sortable in SQL (tags, PDF): put the indicator back where it was.
            hh = self.horizontalHeader()
            hh.blockSignals(True)
            key = self.papers.query.sort
            prev = next((n for n, c in enumerate(COLUMNS) if c.sort == key), -1) if key else -1
            desc = (
                Qt.SortOrder.DescendingOrder if self.papers.query.descending else Qt.SortOrder.AscendingOrder
            )
            hh.setSortIndicator(prev, desc)
            hh.blockSignals(False)
            return
        self.papers.sort(section, order)

    def apply_header_sort(self) -> None:
        """Give the model the sort the (restored) header shows."""
        hh = self.horizontalHeader()
        s = hh.sortIndicatorSection()
        if 0 <= s < len(COLUMNS) and COLUMNS[s].sort:
            desc = hh.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
            self.papers.query = type(self.papers.query)(self.papers.query.filter, COLUMNS[s].sort, desc)
        else:
            hh.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        self.columns.adopt()  # the restored widths are the preferred ones

    def show_for_you_columns(self, on: bool) -> None:
        """Score and Why belong to For you: shown while its order is, hidden in every other view."""
        hh = self.horizontalHeader()
        changed = False
        for key in FOR_YOU_COLUMNS:
            if hh.isSectionHidden(COL[key]) == on:
                hh.setSectionHidden(COL[key], not on)
                changed = True
        if changed:
            self.columns.fit()
            self.columns_changed.emit()

    # -- selection across resets -------------------------------------------------------------
    def current_id(self) -> int | None:
        idx = self.currentIndex()
        return idx.data(IdRole) if idx.isValid() else None

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        ids = [self.papers.ids[r] for r in rows if r < len(self.papers.ids)]
        cur = self.current_id()
        if not ids and cur is not None:
            ids = [cur]
        return ids

    def _remember(self) -> None:
        cur = self.current_id()
        offset = 0
        if cur is not None:
            offset = self.currentIndex().row() - self.rowAt(0) if self.rowAt(0) >= 0 else 0
        self._keep = (cur, offset, self.selected_ids())
        self._keep_row = self.currentIndex().row()

    def _restore(self) -> None:
        cur, offset, selected = self._keep
        sm = self.selectionModel()
        row = self.papers.row_of(cur) if cur is not None else -1
        if row < 0:
            # The paper left the view (unsaved in Library, say): take the one now in its place.
            n = self.papers.rowCount()
            if cur is not None and n and self._keep_row >= 0:
                self.select_row(min(self._keep_row, n - 1))
                return
            self._last_current = None
            self.current_changed.emit(None)
            return
        sel = QItemSelection()
        last = self.papers.columnCount() - 1
        for pid in selected:
            r = self.papers.row_of(pid)
            if r >= 0:
                sel.select(self.papers.index(r, 0), self.papers.index(r, last))
        flags = QItemSelectionModel.SelectionFlag.NoUpdate
        sm.setCurrentIndex(self.papers.index(row, 0), flags)
        sm.select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        # Same paper, same height in the viewport: scroll so it sits `offset` rows from the top.
        # The scroll range is only updated by the next layout, so set it now and once more then.
        self.updateGeometries()
        value = max(0, row - max(0, offset))
        self.verticalScrollBar().setValue(value)
        token = self._scroll_token

        def again() -> None:  # unless a selection moved the view meanwhile (a new search's first row)
            if token == self._scroll_token:
                self.verticalScrollBar().setValue(value)

        QTimer.singleShot(0, again)

    def select_id(self, paper_id: int | None) -> bool:
        row = self.papers.row_of(paper_id) if paper_id is not None else -1
        if row < 0:
            return False
        self.select_row(row)
        return True

    def select_soon(self, paper_id: int) -> None:
        """Select a paper now, or as soon as the list's next reload shows it (after an undo the
        list reloads from the change's notification, which arrives before the result)."""
        if self.select_id(paper_id):
            return

        def once() -> None:
            self.papers.loaded.disconnect(once)
            self.select_id(paper_id)

        self.papers.loaded.connect(once)

    def select_row(self, row: int) -> None:
        if not 0 <= row < self.papers.rowCount():
            return
        idx = self.papers.index(row, 0)
        self._scroll_token += 1
        self.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.scrollTo(idx, QAbstractItemView.ScrollHint.EnsureVisible)

    def move(self, step: int) -> None:  # type: ignore[override]  # j/k stepping; Qt never calls QWidget.move here
        """j/k: the next or previous paper (the first one if none is current)."""
        n = self.papers.rowCount()
        if n == 0:
            return
        cur = self.currentIndex().row()
        self.select_row(0 if cur < 0 else max(0, min(n - 1, cur + step)))

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        pid = current.data(IdRole) if current.isValid() else None
        if pid != self._last_current:
            self._last_current = pid
            self.current_changed.emit(pid)

    def _report_visible(self, *_: object) -> None:
        first = max(0, self.rowAt(0))
        last = self.rowAt(self.viewport().height() - 1)
        self.papers.set_visible(first, last if last >= 0 else first + 100)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        QTimer.singleShot(0, self._report_visible)

"""The paper list's rows, painted by the view in one pass.

Qt's table paints cell by cell: for each cell it asks the model for its flags, an index (which
asks for the row and column counts) and, through the delegate, seven roles, each a call from C++
into Python. A full paint of 29 rows at 100k papers made about 2,000 such calls and took 8–13 ms
(a scroll-bar jump's p95 17 ms, over a frame). :class:`RowPainter` reads the same cells from the
model in Python (``PaperTableModel.cell``), fills each row's background once, and keeps each
cell's elided text, so a paint is a few milliseconds. It draws what the delegates draw (the
chips, the PDF icon and the search marks through the same functions) in the same places, which
a test checks pixel by pixel against Qt's own path. The view keeps Qt's path for right-to-left
layouts; the delegates still draw a dragged row's picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette

from ui.models.papers import COLUMNS, RIGHT_ALIGNED, MatchRole, NewRole, PdfRole, TagsRole
from ui.views.delegates import paint_chips, paint_marked, paint_pdf, title_mark

if TYPE_CHECKING:
    from ui.views.paper_list import PaperListView

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_STARRED = int(Qt.ItemDataRole.UserRole)
_TAGS, _PDF, _MATCH, _NEW = int(TagsRole), int(PdfRole), int(MatchRole), int(NewRole)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
TEXT_INSET = 9  # the style sheet's item padding (6 px) and the style's text margin (3 px)
ICON = 14  # the title's star or bell
ICON_GAP = 6  # between it and the text, as the style lays a decoration out
ELIDED_LIMIT = 20_000  # elided texts kept; a paint reuses them until the column's width changes


class RowPainter:
    def __init__(self, view: PaperListView) -> None:
        self.view = view
        self._elided: dict[tuple[str, int, str], str] = {}

    def elide(self, text: str, width: int, font: QFont, font_key: str) -> str:
        key = (text, width, font_key)  # the font's key: the app's font size can change
        out = self._elided.get(key)
        if out is None:
            if len(self._elided) > ELIDED_LIMIT:
                self._elided.clear()
            out = self._elided[key] = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)
        return out

    def paint(self, painter: QPainter, clip: QRect) -> None:
        view = self.view
        model = view.papers
        n = model.rowCount()
        first = view.rowAt(clip.top())
        if first < 0 or n == 0:
            return
        hh = view.horizontalHeader()
        cols = []
        for visual in range(hh.count()):
            c = hh.logicalIndex(visual)
            if hh.isSectionHidden(c):
                continue
            x, w = hh.sectionViewportPosition(c), hh.sectionSize(c)
            if x + w > clip.left() and x <= clip.right():
                cols.append((c, COLUMNS[c].key, x, w))
        vp = view.viewport()
        pal = vp.palette()
        if not view.isEnabled():
            group = QPalette.ColorGroup.Disabled
        elif view.isActiveWindow():
            group = QPalette.ColorGroup.Active
        else:
            group = QPalette.ColorGroup.Inactive
        alternate = (
            pal.brush(group, QPalette.ColorRole.AlternateBase) if view.alternatingRowColors() else None
        )
        highlight = pal.brush(group, QPalette.ColorRole.Highlight)
        text_color = pal.color(group, QPalette.ColorRole.Text)
        selected_text = pal.color(group, QPalette.ColorRole.HighlightedText)
        font = view.font()
        bold = QFont(font)
        bold.setWeight(QFont.Weight.DemiBold)
        font_keys = {id(font): font.key(), id(bold): bold.key()}
        sm = view.selectionModel()
        root = view.rootIndex()
        height = view.verticalHeader().defaultSectionSize()
        left, right = clip.left(), clip.right() + 1
        y = view.rowViewportPosition(first)
        r = first
        while r < n and y <= clip.bottom():
            selected = sm.isRowSelected(r, root)
            if selected:
                painter.fillRect(left, y, right - left, height, highlight)
            elif alternate is not None and r & 1:
                painter.fillRect(left, y, right - left, height, alternate)
            loaded = model.row(r) is not None
            for c, key, x, w in cols:
                cell = QRect(x, y, w, height)
                if key == "tags":
                    if loaded:
                        paint_chips(painter, cell, model.cell(r, c, _TAGS) or [], pal)  # type: ignore[arg-type]
                    continue
                if key == "pdf":
                    if loaded:
                        paint_pdf(painter, cell, model.cell(r, c, _PDF), pal, selected)
                    continue
                fg = selected_text
                if not selected:
                    dim = model.cell(r, c, _FOREGROUND) if loaded else None
                    fg = dim if isinstance(dim, QColor) else text_color
                text_rect = cell.adjusted(TEXT_INSET, 0, -TEXT_INSET, 0)
                use = font
                if key == "title" and loaded:
                    use = bold if model.cell(r, c, _FONT) is not None else font
                    mark = title_mark(bool(model.cell(r, c, _STARRED)), bool(model.cell(r, c, _NEW)), pal)
                    if mark is not None:
                        box = QRect(text_rect.left(), y + (height - ICON) // 2, ICON, ICON)
                        mark.paint(painter, box)
                        text_rect.setLeft(box.right() + 1 + ICON_GAP)
                    marked = model.cell(r, c, _MATCH)
                    if marked:
                        # The delegate marks inside the style's text rect less 2 px: 1 px wider than ours.
                        paint_marked(painter, text_rect.adjusted(-1, 0, 1, 0), str(marked), use, fg)
                        continue
                value = model.cell(r, c, _DISPLAY)
                if value is None or value == "":
                    continue
                text = self.elide(str(value), text_rect.width(), use, font_keys[id(use)])
                painter.setFont(use)
                painter.setPen(fg)
                painter.drawText(text_rect, _RIGHT if key in RIGHT_ALIGNED else _LEFT, text)
            r += 1
            y += height

"""Mouse tools: select text (and annotations), highlight/underline/strike out by selecting,
sticky notes by clicking, freehand ink and rectangles by dragging.

Points are converted to page space as soon as they arrive, so a gesture means the same thing at
any zoom. Text geometry comes from the worker (PyMuPDF), asynchronously: a drag asks for the
selection at each move (only the newest request is kept) and the release asks once more.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QTransform

from readinglist.records import AnnotationRecord, Rect
from ui.reader import dialogs, overlay
from ui.reader.pdfdoc import PdfDocument
from ui.reader.worker import PRIORITY_TEXT, Job

TOOLS = ("select", "highlight", "underline", "strikeout", "note", "ink", "rectangle")
MARKUP = ("highlight", "underline", "strikeout")
CLICK_SLOP = 3.0  # widget pixels a press may move and still be a click


class Selection:
    """Selected text on one page: line rects in page space and the quoted text."""

    def __init__(self, page: int, rects: tuple[Rect, ...], quote: str) -> None:
        self.page, self.rects, self.quote = page, rects, quote


class ToolController(QObject):
    toolChanged = Signal(str)
    selectionChanged = Signal()
    message = Signal(str)

    def __init__(self, view, doc: PdfDocument) -> None:  # view: PageView (import cycle)
        super().__init__(view)
        self.view, self.doc, self.model = view, doc, view.model
        self.tool = "select"
        self.color = "#ffd400"
        self.selection: Selection | None = None
        self._press: QPointF | None = None  # widget position of the press
        self._page = 0
        self._start = QPointF()  # page-space start of the gesture
        self._current = QPointF()  # page-space current point
        self._stroke: list[QPointF] = []
        self._job: Job | None = None
        self._generation = 0
        self.pending = 0  # selection jobs in flight (tests wait for 0)

    # -- state -------------------------------------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(tool)
        self.tool = tool
        cursor = (
            Qt.CursorShape.IBeamCursor if tool == "select" or tool in MARKUP else Qt.CursorShape.CrossCursor
        )
        self.view.viewport().setCursor(cursor)
        self.toolChanged.emit(tool)

    def set_selection(self, selection: Selection | None) -> None:
        self.selection = selection
        self.selectionChanged.emit()
        self.view.viewport().update()

    def escape(self) -> None:
        self._press = None
        self._stroke = []
        self.set_selection(None)
        self.model.select(None)

    # -- mouse -------------------------------------------------------------------------------
    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self._press = QPointF(pos)
        self._page, self._start = self.view.widget_to_page(pos)
        self._current = QPointF(self._start)
        if self.tool == "select":
            key = self.annotation_at(pos)
            self.model.select(key)
            if key is not None:
                self._press = None  # a click on an annotation selects it; no text drag
                self.set_selection(None)
                return
        if self.tool == "ink":
            self._stroke = [QPointF(self._start)]
        if self.tool in ("select", *MARKUP):
            self.set_selection(None)

    def move(self, pos: QPointF) -> None:
        if self._press is None:
            return
        self._current = self._point_on_start_page(pos)
        if self.tool in ("select", *MARKUP):
            if (pos - self._press).manhattanLength() > CLICK_SLOP:
                self._ask_selection(final=False)
        elif self.tool == "ink":
            self._stroke.append(QPointF(self._current))
            self.view.viewport().update()
        elif self.tool == "rectangle":
            self.view.viewport().update()

    def release(self, pos: QPointF) -> None:
        if self._press is None:
            return
        self._current = self._point_on_start_page(pos)
        click = (pos - self._press).manhattanLength() <= CLICK_SLOP
        self._press = None
        if self.tool in ("select", *MARKUP):
            if click:
                self._generation += 1  # a click drops the selection, including one in flight
                self.set_selection(None)
            else:
                self._ask_selection(final=True)
        elif self.tool == "note":
            self._add_note(self._page, self._start)
        elif self.tool == "ink":
            points = tuple((p.x(), p.y()) for p in self._stroke)
            self._stroke = []
            if len(points) >= 2:
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                box = (min(xs), min(ys), max(xs), max(ys))
                self._create(AnnotationRecord(None, self._page, "ink", self.color, (box,), ink=(points,)))
        elif self.tool == "rectangle":
            r = QRectF(self._start, self._current).normalized()
            if r.width() > 2 and r.height() > 2:
                box = (r.left(), r.top(), r.right(), r.bottom())
                self._create(AnnotationRecord(None, self._page, "rectangle", self.color, (box,)))
        self.view.viewport().update()

    def _point_on_start_page(self, pos: QPointF) -> QPointF:
        # Gestures stay on the page they started on: map into its space and clamp to it.
        t = self.view.page_transform(self._page).inverted()[0]
        point = t.map(pos)
        info = self.view.layout_.pages[self._page]
        inv, _ = QTransform(*info.matrix).inverted()
        bounds = inv.mapRect(QRectF(0, 0, info.width, info.height))
        return QPointF(
            min(max(point.x(), bounds.left()), bounds.right()),
            min(max(point.y(), bounds.top()), bounds.bottom()),
        )

    def annotation_at(self, pos: QPointF) -> int | None:
        page, _ = self.view.widget_to_page(pos)
        t = self.view.page_transform(page)
        hits = [key for key, rec in self.model.on_page(page) if overlay.hit(rec, t, pos)]
        return hits[-1] if hits else None  # the one drawn last (on top)

    # -- text selection ----------------------------------------------------------------------
    def _ask_selection(self, *, final: bool) -> None:
        if self._job is not None:
            self._job.cancel()  # only the newest request matters
            self.pending -= 1
        self._generation += 1
        generation, page, tool = self._generation, self._page, self.tool
        start, end = (self._start.x(), self._start.y()), (self._current.x(), self._current.y())
        self.pending += 1
        self._job = self.view.worker.submit(
            self.doc.selection, page, start, end, priority=PRIORITY_TEXT, owner=self.view,
            done=lambda res: self._selected(res, generation, page, tool if final else None),
            failed=lambda exc: self._selection_failed(exc),
        )  # fmt: skip

    def _selected(
        self, result: tuple[tuple[Rect, ...], str], generation: int, page: int, tool: str | None
    ) -> None:
        self._job = None
        self.pending -= 1
        if generation != self._generation:
            return
        rects, quote = result
        self.set_selection(Selection(page, rects, quote) if rects else None)
        if tool in MARKUP and rects:
            self.apply_markup(tool)

    def _selection_failed(self, exc: BaseException) -> None:
        self._job = None
        self.pending -= 1
        self.message.emit(f"could not select text: {exc}")

    def apply_markup(self, kind: str) -> bool:
        """Turn the current text selection into a highlight, underline or strike-out."""
        sel = self.selection
        if sel is None or not sel.rects:
            return False
        self._create(AnnotationRecord(None, sel.page, kind, self.color, sel.rects, text=sel.quote))
        self.set_selection(None)
        return True

    def copy(self) -> bool:
        """Copy the selected text (or the selected annotation's text or comment)."""
        text = self.selection.quote if self.selection else ""
        if not text and self.model.selected is not None:
            rec = self.model.get(self.model.selected)
            text = (rec.text or rec.comment) if rec else ""
        if text:
            QGuiApplication.clipboard().setText(text)
        return bool(text)

    # -- creating ----------------------------------------------------------------------------
    def _add_note(self, page: int, at: QPointF) -> None:
        comment = dialogs.edit_text(self.view, self.tr("New note"), self.tr("Note:"), "")
        if comment is None:
            return
        self._create(
            AnnotationRecord(
                None, page, "note", self.color, ((at.x(), at.y(), at.x(), at.y()),), comment=comment
            )
        )

    def _create(self, record: AnnotationRecord) -> None:
        key = self.model.create(record)
        self.model.select(key)

    # -- painting ----------------------------------------------------------------------------
    def paint(self, p: QPainter, page: int, t: QTransform) -> None:
        if self.selection is not None and self.selection.page == page:
            overlay.paint_rects(p, self.selection.rects, t, overlay.SELECTION)
        if self._press is None or page != self._page:
            return
        color = QColor(self.color)
        if self.tool == "ink" and len(self._stroke) > 1:
            stroke = tuple((q.x(), q.y()) for q in self._stroke)
            preview = AnnotationRecord(None, page, "ink", self.color, ink=(stroke,))
            overlay.paint_annotation(p, preview, t, self.view.zoom, False)
        elif self.tool == "rectangle":
            overlay.paint_rubber_band(
                p, t.mapRect(QRectF(self._start, self._current).normalized()), color, self.view.zoom
            )

"""Mouse tools: select text (and annotations), highlight/underline/strike out by selecting,
sticky notes by clicking, freehand ink and rectangles by dragging.

Points are converted to page space as soon as they arrive, so a gesture means the same thing at
any zoom. Text comes from the worker (selection.py): a drag selects across pages, a double-click
picks a word, a triple-click its line, shift+click extends the selection; with a markup tool the
same gestures create the markup, one annotation per page. With the select tool a press on a
note, an area or ink drags it, and the selected area's corner handles resize it (drag.py).
A drag that reaches the top or bottom edge scrolls the view.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QTransform

from readinglist.annotations_md import COLORS
from readinglist.records import AnnotationRecord
from ui.reader import dialogs, drag, overlay
from ui.reader.pdfdoc import PagePoint, PdfDocument, Selection
from ui.reader.selection import TextSelection

if TYPE_CHECKING:
    from ui.reader.view import PageView

TOOLS = ("select", "highlight", "underline", "strikeout", "note", "ink", "rectangle")
MARKUP = ("highlight", "underline", "strikeout")
CLICK_SLOP = 3.0  # widget pixels a press may move and still be a click
SCROLL_MARGIN = 16.0  # widget pixels from the top or bottom edge where a drag scrolls the view
SCROLL_MAX = 40  # pixels per tick (30 ms)

__all__ = ["MARKUP", "TOOLS", "Selection", "ToolController"]


DEFAULT_COLOR = COLORS["yellow"]  # highlights
TOOL_COLORS = {"ink": COLORS["red"], "rectangle": COLORS["red"], "note": COLORS["yellow"]}


class ToolController(QObject):
    toolChanged = Signal(str)
    colorChanged = Signal(str)
    selectionChanged = Signal()
    message = Signal(str)

    def __init__(self, view: PageView, doc: PdfDocument) -> None:
        super().__init__(view)
        self.view, self.doc, self.model = view, doc, view.model
        self.tool = "select"
        self.color = DEFAULT_COLOR
        self.picked = False  # the user chose a colour: keep it for every tool
        self.text = TextSelection(view, doc)
        self.text.changed.connect(self.selectionChanged)
        self.text.finished.connect(self._markup_answered)
        self.text.failed.connect(lambda msg: self.message.emit(f"could not select text: {msg}"))
        self.drag: drag.AnnotationDrag | None = None
        self._press: QPointF | None = None  # widget position of the press
        self._last = QPointF()  # widget position of the pointer during the gesture
        self._dragged = False  # moved further than CLICK_SLOP since the press
        self._clicks = 1  # 2: double-click (a word), 3: triple-click (a line)
        self._last_click: tuple[float, QPointF, int] = (0.0, QPointF(), 0)
        self._extend = False  # shift+press: the selection runs from the anchor to the pointer
        self._markup_keys: list[int] = []  # what a double-click marked up (a triple-click replaces it)
        self._page = 0
        self._start = QPointF()  # page-space start of the gesture
        self._current = QPointF()  # page-space current point (shapes: clamped to the start page)
        self._stroke: list[QPointF] = []
        self._cursor: Qt.CursorShape | None = None
        self._scroll = QTimer(self, interval=30)
        self._scroll.timeout.connect(self._autoscroll)

    # -- state -------------------------------------------------------------------------------
    @property
    def selection(self) -> Selection | None:
        return self.text.selection

    @property
    def pending(self) -> int:
        return self.text.pending

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(tool)
        self.tool = tool
        if not self.picked:  # yellow ink or areas would vanish on a white page
            self.color = TOOL_COLORS.get(tool, DEFAULT_COLOR)
            self.colorChanged.emit(self.color)
        text = tool == "select" or tool in MARKUP
        self._set_cursor(Qt.CursorShape.IBeamCursor if text else Qt.CursorShape.CrossCursor)
        self.toolChanged.emit(tool)

    def _set_cursor(self, shape: Qt.CursorShape) -> None:
        if shape != self._cursor:
            self._cursor = shape
            self.view.viewport().setCursor(shape)

    def set_selection(self, selection: Selection | None) -> None:
        self.text.set(selection)

    def escape(self) -> None:
        """Cancel the gesture in progress (a dragged annotation goes back), else clear selections."""
        self._scroll.stop()
        self._press = None
        if self.drag is not None:
            self.drag.cancel()
            self.drag = None
            return
        self._stroke = []
        self.text.clear()
        self.model.select(None)
        self.view.viewport().update()

    # -- mouse -------------------------------------------------------------------------------
    def press(self, pos: QPointF, modifiers: Qt.KeyboardModifier, double: bool = False) -> None:
        if self.drag is not None:  # a release we never saw (the grab was lost)
            self.drag.cancel()
            self.drag = None
        self._clicks = self._count_clicks(pos, double)
        self._press, self._last, self._dragged, self._extend = QPointF(pos), QPointF(pos), False, False
        self._page, self._start = self.view.widget_to_page(pos)
        self._current = QPointF(self._start)
        if self.tool == "select" and self._press_annotation(pos):
            return
        if self.tool == "ink":
            self._stroke = [QPointF(self._start)]
        if self.tool in ("select", *MARKUP):
            self._press_text(pos, modifiers)

    def _count_clicks(self, pos: QPointF, double: bool) -> int:
        # Qt reports double-clicks but not triple ones: a press soon after a double-click, near it.
        hints = QGuiApplication.styleHints()
        now = time.monotonic()
        when, where, count = self._last_click
        near = (pos - where).manhattanLength() <= max(hints.mouseDoubleClickDistance(), CLICK_SLOP) * 2
        if double:
            clicks = 2
        elif count == 2 and near and now - when < hints.mouseDoubleClickInterval() / 1000:
            clicks = 3
        else:
            clicks = 1
        self._last_click = (now, QPointF(pos), clicks)
        return clicks

    def _press_annotation(self, pos: QPointF) -> bool:
        """Select tool: a press on the selected area's handle or on an annotation selects it;
        True when it may become a drag of it (markup is not dragged: a drag selects text)."""
        key = self.model.selected
        if key is not None and (rec := self.model.get(key)) is not None and self._clicks == 1:
            handle = drag.handle_at(rec, self.view.page_transform(rec.page), pos)
            if handle is not None:
                self.drag = drag.AnnotationDrag(self.view, key, rec, pos, handle)
                return True
        key = self.annotation_at(pos)
        self.model.select(key)
        if key is None or (rec := self.model.get(key)) is None or rec.kind not in drag.MOVABLE:
            return False
        self.text.clear()
        self.drag = drag.AnnotationDrag(self.view, key, rec, pos)
        return True

    def _press_text(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        here = self._page_point(pos)
        if self._clicks > 1:
            self.model.select(None)
            self._select_word(here, lines=self._clicks == 3)
        elif modifiers & Qt.KeyboardModifier.ShiftModifier and self.tool == "select" and self.text.anchor:
            self._extend = True
            self.text.request(self.text.anchor, here)
        else:
            self.text.clear()
            self.text.anchor = here

    def _select_word(self, here: PagePoint, lines: bool) -> None:
        then = self.tool if self.tool in MARKUP else None
        if lines and then and self._markup_keys:
            self.model.retract(self._markup_keys)  # the triple-click's line replaces the word's markup
        self._markup_keys = []
        self.text.anchor = here
        self.text.request(here, lines=lines, then=then)

    def move(self, pos: QPointF) -> None:
        if self._press is None:
            self._hover(pos)
            return
        self._last = QPointF(pos)
        if not self._dragged and (pos - self._press).manhattanLength() > CLICK_SLOP:
            self._dragged = True
            if self.drag is None and self.tool in ("select", *MARKUP) and self._clicks == 1:
                self.model.select(None)  # a drag that starts on a highlight selects text
        if self._dragged and self._scroll_step(pos) and not self._scroll.isActive():
            self._scroll.start()
        if self.drag is not None:
            if self._dragged:
                self.drag.update(pos)
        elif self.tool in ("select", *MARKUP):
            if (self._dragged or self._extend) and self._clicks == 1 and self.text.anchor:
                self.text.request(self.text.anchor, self._page_point(pos))
        elif self.tool == "ink":
            self._current = self._point_on_start_page(pos)
            self._stroke.append(QPointF(self._current))
            self.view.viewport().update()
        elif self.tool == "rectangle":
            self._current = self._point_on_start_page(pos)
            self.view.viewport().update()

    def release(self, pos: QPointF) -> None:
        if self._press is None:
            return
        self._scroll.stop()
        self._press = None
        self._current = self._point_on_start_page(pos)
        if self.drag is not None:
            moving, self.drag = self.drag, None
            if self._dragged:
                moving.update(pos)
            moving.finish()
        elif self.tool in ("select", *MARKUP):
            if self._clicks > 1:
                pass  # the word or line was asked for at the press
            elif (self._dragged or self._extend) and self.text.anchor:
                markup = self.tool if self.tool in MARKUP else None
                self.text.request(self.text.anchor, self._page_point(pos), then=markup)
            else:
                self.text.clear()  # a click drops the selection, including one in flight
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

    def _page_point(self, pos: QPointF) -> PagePoint:
        """The page under a widget point (any page: text selections cross pages) and the point there."""
        page, point = self.view.widget_to_page(pos)
        return page, (point.x(), point.y())

    def _point_on_start_page(self, pos: QPointF) -> QPointF:
        # Shapes stay on the page they started on: map into its space and clamp to it.
        point = self.view.page_transform(self._page).inverted()[0].map(pos)
        layout = self.view.layout_
        assert layout is not None  # a gesture needs a loaded document
        bounds = layout.page_bounds(self._page)
        return QPointF(
            min(max(point.x(), bounds.left()), bounds.right()),
            min(max(point.y(), bounds.top()), bounds.bottom()),
        )

    def annotation_at(self, pos: QPointF) -> int | None:
        page, _ = self.view.widget_to_page(pos)
        t = self.view.page_transform(page)
        hits = [key for key, rec in self.model.on_page(page) if overlay.hit(rec, t, pos)]
        return hits[-1] if hits else None  # the one drawn last (on top)

    def _hover(self, pos: QPointF) -> None:
        """The select tool's cursor says what a press would do: resize, move, or select text."""
        if self.tool != "select" or self.view.layout_ is None:
            return
        key = self.model.selected
        rec = self.model.get(key) if key is not None else None
        handle = drag.handle_at(rec, self.view.page_transform(rec.page), pos) if rec is not None else None
        if handle is not None:
            self._set_cursor(drag.handle_cursor(handle))
            return
        key = self.annotation_at(pos)
        rec = self.model.get(key) if key is not None else None
        movable = rec is not None and rec.kind in drag.MOVABLE
        self._set_cursor(Qt.CursorShape.SizeAllCursor if movable else Qt.CursorShape.IBeamCursor)

    # -- scrolling while dragging ------------------------------------------------------------
    def _scroll_step(self, pos: QPointF) -> int:
        """Pixels to scroll for a pointer this near (or beyond) the top or bottom edge."""
        h = self.view.viewport().height()
        if pos.y() < SCROLL_MARGIN:
            d = pos.y() - SCROLL_MARGIN
        elif pos.y() > h - SCROLL_MARGIN:
            d = pos.y() - (h - SCROLL_MARGIN)
        else:
            return 0
        return int(max(-SCROLL_MAX, min(SCROLL_MAX, d))) or (1 if d > 0 else -1)

    def _autoscroll(self) -> None:
        step = self._scroll_step(self._last) if self._press is not None else 0
        bar = self.view.verticalScrollBar()
        before = bar.value()
        bar.setValue(before + step)
        if bar.value() == before:
            self._scroll.stop()
            return
        self.move(self._last)  # the pointer has not moved, but the page under it has

    # -- text selection ----------------------------------------------------------------------
    def _markup_answered(self, kind: str) -> None:
        keys = self.apply_markup(kind)
        self._markup_keys = keys if self._clicks == 2 else []

    def apply_markup(self, kind: str) -> list[int]:
        """Turn the current text selection into a highlight, underline or strike-out: one
        annotation per page it covers, created (and undone) together. Returns their keys."""
        sel = self.selection
        if sel is None:
            return []
        records = [AnnotationRecord(None, p.page, kind, self.color, p.rects, text=p.quote) for p in sel.parts]
        keys = self.model.create_many(records, f"Add {kind}")
        self.model.select(keys[-1])
        self.set_selection(None)
        return keys

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
        self.text.paint(p, page, t)
        if self.tool == "select" and self.model.selected is not None:
            for key, rec in self.model.on_page(page):
                if key == self.model.selected:
                    drag.paint_handles(p, rec, t)
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

"""Moving and resizing annotations with the select tool.

A press on a note, an area or ink and a drag moves it on its page; a press on a corner handle of
the selected area resizes it. While the pointer moves, the model shows the annotation where it
would land (``AnnotationModel.set_live``); the drop is one undoable edit, saved like any other,
and Escape puts it back. Geometry is computed in page space, so a drag means the same at any
zoom or page rotation (and while the view scrolls under it); the annotation stays on its page.
Text markup is not movable: it belongs to the text under it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QTransform
from PySide6.QtWidgets import QWidget

from readinglist.records import AnnotationRecord
from readinglist.recordtype import replace
from ui.reader import overlay

if TYPE_CHECKING:
    from ui.reader.layout import Layout
    from ui.reader.model import AnnotationModel


class PageView(Protocol):
    """What a drag needs of the page view (the view itself, ``ui/reader/view.py``)."""

    model: AnnotationModel
    layout_: Layout | None

    def page_transform(self, page: int) -> QTransform: ...

    def viewport(self) -> QWidget: ...


MOVABLE = ("note", "rectangle", "ink")
HANDLE = 8.0  # widget pixels: the side of a resize handle
MIN_SIZE = 4.0  # points: the smallest area a resize leaves
_NAMES = {"note": "note", "rectangle": "area", "ink": "ink"}


def _corners(box: QRectF) -> list[QPointF]:
    """Top-left, top-right, bottom-right, bottom-left: opposite corners are two apart."""
    return [box.topLeft(), box.topRight(), box.bottomRight(), box.bottomLeft()]


def handle_boxes(rec: AnnotationRecord, t: QTransform) -> list[QRectF]:
    """The widget-space resize handles of an area (none for other kinds)."""
    if rec.kind != "rectangle" or not rec.rects:
        return []
    half = HANDLE / 2
    return [
        QRectF(c.x() - half, c.y() - half, HANDLE, HANDLE) for c in _corners(overlay.qrect(rec.rects[0], t))
    ]


def handle_at(rec: AnnotationRecord, t: QTransform, pos: QPointF) -> int | None:
    """Which corner handle (0-3, clockwise from top-left as shown) is under a widget point."""
    for i, box in enumerate(handle_boxes(rec, t)):
        if box.adjusted(-2, -2, 2, 2).contains(pos):
            return i
    return None


def handle_cursor(handle: int) -> Qt.CursorShape:
    return Qt.CursorShape.SizeFDiagCursor if handle in (0, 2) else Qt.CursorShape.SizeBDiagCursor


def paint_handles(p: QPainter, rec: AnnotationRecord, t: QTransform) -> None:
    p.save()
    p.setPen(QPen(QColor(30, 30, 30), 1))
    p.setBrush(QColor("white"))
    for box in handle_boxes(rec, t):
        p.drawRect(box)
    p.restore()


def _extent(rec: AnnotationRecord) -> QRectF:
    """The page-space box around every rect corner and ink point."""
    xs = [v for r in rec.rects for v in (r[0], r[2])] + [x for s in rec.ink for x, _ in s]
    ys = [v for r in rec.rects for v in (r[1], r[3])] + [y for s in rec.ink for _, y in s]
    return QRectF(QPointF(min(xs), min(ys)), QPointF(max(xs), max(ys)))


def translated(rec: AnnotationRecord, dx: float, dy: float) -> AnnotationRecord:
    return replace(
        rec,
        rects=tuple((x0 + dx, y0 + dy, x1 + dx, y1 + dy) for x0, y0, x1, y1 in rec.rects),
        ink=tuple(tuple((x + dx, y + dy) for x, y in stroke) for stroke in rec.ink),
    )


class AnnotationDrag:
    """One move (``handle`` None) or resize of annotation ``key``, from a press at ``pos``."""

    def __init__(
        self, view: PageView, key: int, rec: AnnotationRecord, pos: QPointF, handle: int | None = None
    ) -> None:
        self.view, self.key, self.original, self.handle = view, key, rec, handle
        self.current = rec
        t = view.page_transform(rec.page)
        inverse, _ = t.inverted()
        self._start = inverse.map(pos)  # page space: independent of scrolling
        self._fixed = self._offset = QPointF()
        if handle is not None:
            corners = _corners(overlay.qrect(rec.rects[0], t))
            self._fixed = inverse.map(corners[(handle + 2) % 4])  # the corner that stays
            self._offset = corners[handle] - pos  # grab offset: the corner does not jump to the pointer

    @property
    def label(self) -> str:
        return f"{'Resize' if self.handle is not None else 'Move'} {_NAMES.get(self.original.kind, 'annotation')}"

    def update(self, pos: QPointF) -> None:
        """Follow the pointer (widget coordinates), clamped to the page."""
        page = self.original.page
        inverse, _ = self.view.page_transform(page).inverted()
        assert self.view.layout_ is not None
        bounds = self.view.layout_.page_bounds(page)
        if self.handle is None:
            here, box = inverse.map(pos), _extent(self.original)
            dx = min(
                max(here.x() - self._start.x(), bounds.left() - box.left()), bounds.right() - box.right()
            )
            dy = min(
                max(here.y() - self._start.y(), bounds.top() - box.top()), bounds.bottom() - box.bottom()
            )
            self.current = translated(self.original, dx, dy)
        else:
            corner = inverse.map(pos + self._offset)
            corner = QPointF(
                min(max(corner.x(), bounds.left()), bounds.right()),
                min(max(corner.y(), bounds.top()), bounds.bottom()),
            )
            r = QRectF(self._fixed, corner).normalized()
            if r.width() < MIN_SIZE or r.height() < MIN_SIZE:
                return  # keep the last size that was big enough
            self.current = replace(self.original, rects=((r.left(), r.top(), r.right(), r.bottom()),))
        self.view.model.set_live(self.key, self.current)
        self.view.viewport().update()

    def finish(self) -> None:
        """Drop it here: one undoable edit (nothing when it did not move)."""
        self.view.model.set_live(self.key, None)
        if self.current != self.original:
            fields: dict[str, object] = {"rects": self.current.rects}
            if self.original.ink:
                fields["ink"] = self.current.ink
            self.view.model.edit(self.key, self.label, **fields)
        self.view.viewport().update()

    def cancel(self) -> None:
        """Put it back where it was."""
        self.view.model.set_live(self.key, None)
        self.view.viewport().update()

"""Drawing annotations, search hits and the text selection over the rendered pages.

Everything is drawn from page-space geometry through a page -> widget transform, so overlays
follow the text at any zoom, rotation and device pixel ratio, and edits show at once (nothing
is baked into the rendered tiles).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from readinglist.records import AnnotationRecord, Point, Rect

NOTE_SIZE = 18.0  # logical pixels at any zoom, as viewers draw "NoZoom" sticky-note icons
STROKE_PT = 1.5  # ink and rectangle line width in points
SELECTION = QColor(51, 153, 255, 90)
SEARCH_HIT = QColor(255, 200, 0, 110)
SEARCH_CURRENT = QColor(255, 120, 0, 150)


def qrect(rect: Rect, t: QTransform) -> QRectF:
    """A page-space rect as a widget rect (rotations are multiples of 90°: still axis-aligned)."""
    return t.mapRect(QRectF(QPointF(rect[0], rect[1]), QPointF(rect[2], rect[3]))).normalized()


def _polyline(stroke: Iterable[Point], t: QTransform) -> QPolygonF:
    return QPolygonF([t.map(QPointF(x, y)) for x, y in stroke])


def _note_box(rec: AnnotationRecord, t: QTransform) -> QRectF:
    anchor = t.map(QPointF(rec.rects[0][0], rec.rects[0][1]))
    return QRectF(anchor.x(), anchor.y(), NOTE_SIZE, NOTE_SIZE)


def bounds(rec: AnnotationRecord, t: QTransform) -> QRectF:
    """The widget-space box around an annotation (for hit tests, outlines, scrolling to it)."""
    if rec.kind == "note" and rec.rects:
        return _note_box(rec, t)
    box = QRectF()
    for r in rec.rects:
        box = box.united(qrect(r, t))
    for stroke in rec.ink:
        box = box.united(_polyline(stroke, t).boundingRect())
    return box


def _distance(p: QPointF, line: QLineF) -> float:
    d = line.p2() - line.p1()
    length2 = d.x() ** 2 + d.y() ** 2
    if length2 == 0:
        return math.dist((p.x(), p.y()), (line.x1(), line.y1()))
    u = max(0.0, min(1.0, QPointF.dotProduct(p - line.p1(), d) / length2))
    q = line.p1() + d * u
    return math.dist((p.x(), p.y()), (q.x(), q.y()))


def hit(rec: AnnotationRecord, t: QTransform, pos: QPointF, tolerance: float = 4.0) -> bool:
    """Whether a widget point touches the annotation (ink: near a stroke; rectangle: its edge
    or inside it; markup: inside a line rect)."""
    if rec.kind == "ink":
        for stroke in rec.ink:
            poly = _polyline(stroke, t)
            if any(
                _distance(pos, QLineF(poly.at(i), poly.at(i + 1))) <= tolerance
                for i in range(poly.size() - 1)
            ):
                return True
        return False
    if rec.kind == "note":
        return _note_box(rec, t).contains(pos)
    pad = tolerance if rec.kind == "rectangle" else 1.0
    return any(qrect(r, t).adjusted(-pad, -pad, pad, pad).contains(pos) for r in rec.rects)


def paint_annotation(p: QPainter, rec: AnnotationRecord, t: QTransform, zoom: float, selected: bool) -> None:
    color = QColor(rec.color)
    line_width = max(1.0, STROKE_PT * zoom)
    p.save()
    if rec.kind == "highlight":
        # Multiply darkens like a highlighter: black text stays black under any colour.
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
        for r in rec.rects:
            p.fillRect(qrect(r, t), color)
    elif rec.kind in ("underline", "strikeout"):
        for r in rec.rects:
            box = qrect(r, t)
            width = max(1.0, box.height() * 0.08)
            y = box.bottom() - width / 2 if rec.kind == "underline" else box.center().y()
            p.setPen(QPen(color, width))
            p.drawLine(QPointF(box.left(), y), QPointF(box.right(), y))
    elif rec.kind == "rectangle":
        p.setPen(QPen(color, line_width))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for r in rec.rects[:1]:
            p.drawRect(qrect(r, t))
    elif rec.kind == "ink":
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(
            color, line_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
        )
        p.setPen(pen)
        for stroke in rec.ink:
            p.drawPolyline(_polyline(stroke, t))
    elif rec.kind == "note" and rec.rects:
        _paint_note(p, _note_box(rec, t), color)
    if selected:
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        p.setPen(QPen(QColor(30, 30, 30), 1, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(bounds(rec, t).adjusted(-2, -2, 2, 2))
    p.restore()


def _paint_note(p: QPainter, box: QRectF, color: QColor) -> None:
    """A sticky note with a folded corner."""
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    fold = box.width() * 0.3
    path = QPainterPath(box.topLeft())
    path.lineTo(box.right() - fold, box.top())
    path.lineTo(box.right(), box.top() + fold)
    path.lineTo(box.bottomRight())
    path.lineTo(box.bottomLeft())
    path.closeSubpath()
    p.setPen(QPen(color.darker(160), 1))
    p.setBrush(color)
    p.drawPath(path)
    for i in (0.45, 0.65, 0.85):
        y = box.top() + box.height() * i - 1
        p.drawLine(QPointF(box.left() + 3, y), QPointF(box.right() - 3, y))


def paint_rects(p: QPainter, rects: Iterable[Rect], t: QTransform, color: QColor) -> None:
    """Translucent boxes: the text selection and search hits."""
    for r in rects:
        p.fillRect(qrect(r, t), color)


def paint_rubber_band(p: QPainter, rect: QRectF, color: QColor, zoom: float) -> None:
    p.save()
    p.setPen(QPen(color, max(1.0, STROKE_PT * zoom), Qt.PenStyle.DashLine))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(rect)
    p.restore()

"""Where each page sits in the continuous view, and the page <-> view coordinate transforms.

Three spaces: *page space* (PyMuPDF's unrotated page, points; annotations live here), *shown
space* (the rotated page as displayed, points) and *document space* (logical pixels of the
whole scrollable column of pages). ``zoom`` is logical pixels per point; device pixels are
``zoom * devicePixelRatio`` per point, which is the scale tiles are rendered at.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform

from ui.reader.pdfdoc import PageInfo

GAP = 10.0  # logical pixels between pages and around the column
MIN_ZOOM, MAX_ZOOM = 0.1, 8.0


class Layout:
    """Page rectangles in document space for one zoom and viewport width."""

    def __init__(self, pages: Sequence[PageInfo], zoom: float = 1.0, viewport_width: float = 0.0) -> None:
        self.pages = tuple(pages)
        self.zoom = zoom
        self.viewport_width = viewport_width
        self._tops: list[float] = []
        self._rotations = [
            QTransform(m[0], m[1], m[2], m[3], m[4], m[5]) for m in (p.matrix for p in self.pages)
        ]
        self.width = self.height = 0.0
        self._update()

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self._update()

    def set_viewport_width(self, width: float) -> None:
        self.viewport_width = width
        self._update()

    def _update(self) -> None:
        z = self.zoom
        self._tops = []
        y = GAP
        for p in self.pages:
            self._tops.append(y)
            y += p.height * z + GAP
        self.height = y
        widest = max((p.width for p in self.pages), default=0.0) * z
        self.width = max(widest + 2 * GAP, self.viewport_width)

    def __len__(self) -> int:
        return len(self.pages)

    def page_rect(self, number: int) -> QRectF:
        """The page's rectangle in document space (pages are centred in the column)."""
        p = self.pages[number]
        w, h = p.width * self.zoom, p.height * self.zoom
        return QRectF((self.width - w) / 2, self._tops[number], w, h)

    def page_at(self, y: float) -> int:
        """The page at document height ``y`` (the one above, in a gap)."""
        return max(0, min(len(self.pages) - 1, bisect.bisect_right(self._tops, y) - 1))

    def visible(self, top: float, bottom: float) -> range:
        if not self.pages:
            return range(0)
        return range(self.page_at(top), self.page_at(bottom) + 1)

    def to_document(self, number: int) -> QTransform:
        """Page space -> document space: rotate as shown, scale by zoom, move to the page."""
        r = self.page_rect(number)
        return (
            self._rotations[number]
            * QTransform.fromScale(self.zoom, self.zoom)
            * QTransform.fromTranslate(r.x(), r.y())
        )

    def page_bounds(self, number: int) -> QRectF:
        """The whole page in its own (unrotated) page space: where annotations may go."""
        p = self.pages[number]
        inverse, _ = self._rotations[number].inverted()
        return inverse.mapRect(QRectF(0, 0, p.width, p.height))

    def to_page(self, number: int) -> QTransform:
        """Document space -> page space (the inverse of :meth:`to_document`)."""
        inverse, _ = self.to_document(number).inverted()
        return inverse

    def locate(self, point: QPointF) -> tuple[int, QPointF]:
        """The page nearest a document point and the point in that page's space."""
        number = self.page_at(point.y())
        if number + 1 < len(self.pages) and point.y() > self.page_rect(number).bottom() + GAP / 2:
            number += 1
        return number, self.to_page(number).map(point)

    def fit_width_zoom(self, number: int, viewport_width: float) -> float:
        return max(MIN_ZOOM, (viewport_width - 2 * GAP) / self.pages[number].width)

    def fit_page_zoom(self, number: int, viewport_width: float, viewport_height: float) -> float:
        p = self.pages[number]
        return max(
            MIN_ZOOM, min((viewport_width - 2 * GAP) / p.width, (viewport_height - 2 * GAP) / p.height)
        )

"""The continuous page view: lazily rendered tiles, zoom, scrolling, and the overlays on top.

The view knows every page's size from the start (one cheap pass when the PDF opens), so the
scroll range is right at once and only pages on or near the screen are rendered. Tiles come
from the worker at ``zoom * devicePixelRatio`` device pixels per point and are drawn 1:1, so
text is sharp at any zoom and on high-DPI screens. A low-resolution preview of the page stands
in while its tiles are on their way (after a zoom, say), so nothing flashes white.
"""

from __future__ import annotations

import functools
import logging
import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from ui.reader import overlay
from ui.reader.cache import ImageCache
from ui.reader.layout import Layout
from ui.reader.pdfdoc import TILE, DocInfo, PdfDocument, tile_grid
from ui.reader.worker import PRIORITY_PREFETCH, PRIORITY_RENDER, Job, PdfWorker

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from ui.reader.model import AnnotationModel
    from ui.reader.search import SearchController
    from ui.reader.tools import ToolController

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 220  # device pixels: thumbnails and the stand-in while tiles render
ZOOM_STEP = 1.2
BACKGROUND = QColor(0x5A, 0x5E, 0x63)
TileKey = tuple[Any, ...]  # ("preview", page) or (page, scale, col, row)


class PageView(QAbstractScrollArea):
    currentPageChanged = Signal(int)
    zoomChanged = Signal(float)
    tileRendered = Signal(int)  # page number
    previewReady = Signal(int)  # page number

    def __init__(
        self, doc: PdfDocument, worker: PdfWorker, model: AnnotationModel, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.doc, self.worker, self.model = doc, worker, model
        self.layout_: Layout | None = None
        self.tiles = ImageCache(192 << 20)
        self.previews = ImageCache(48 << 20)
        self.tool: ToolController | None = None
        self.search: SearchController | None = None
        self._pending: dict[TileKey, Job] = {}
        self._failed: set[TileKey] = set()
        self._keep: set[TileKey] = set()  # previews the side panel asked for: not cancelled on scroll
        self._zoom = 1.0
        self._fit: str | None = "width"
        self._current = 0
        self._request_timer = QTimer(self, singleShot=True, interval=0)
        self._request_timer.timeout.connect(self._request)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.horizontalScrollBar().valueChanged.connect(self._scrolled)
        model.changed.connect(self.viewport().update)
        model.selectionChanged.connect(self._selection_changed)

    def _selection_changed(self, _key: object) -> None:
        self.viewport().update()

    # -- document and geometry ---------------------------------------------------------------
    def set_document(self, info: DocInfo) -> None:
        self.layout_ = Layout(info.pages, self._zoom, self.viewport().width())
        self._apply_fit()
        self._update_scrollbars()
        self._schedule()

    @property
    def page_count(self) -> int:
        return len(self.layout_) if self.layout_ else 0

    @property
    def zoom(self) -> float:
        return self._zoom

    def _dpr(self) -> float:
        return self.viewport().devicePixelRatioF()

    def scale(self) -> float:
        """Device pixels per point: the resolution tiles are rendered at (rounded for cache keys)."""
        return round(self._zoom * self._dpr(), 4)

    def _offset(self) -> QPointF:
        return QPointF(-self.horizontalScrollBar().value(), -self.verticalScrollBar().value())

    def page_transform(self, number: int) -> QTransform:
        """Page space -> viewport widget coordinates."""
        assert self.layout_ is not None
        off = self._offset()
        return self.layout_.to_document(number) * QTransform.fromTranslate(off.x(), off.y())

    def widget_to_page(self, pos: QPointF) -> tuple[int, QPointF]:
        assert self.layout_ is not None
        return self.layout_.locate(pos - self._offset())

    def page_to_widget(self, number: int, point: QPointF) -> QPointF:
        return self.page_transform(number).map(point)

    def page_rect_widget(self, number: int) -> QRectF:
        assert self.layout_ is not None
        return self.layout_.page_rect(number).translated(self._offset())

    def _update_scrollbars(self) -> None:
        if self.layout_ is None:
            return
        vw, vh = self.viewport().width(), self.viewport().height()
        v, h = self.verticalScrollBar(), self.horizontalScrollBar()
        # Less than half a pixel of overflow (fit width rounding) must not show a scroll bar.
        v.setRange(0, max(0, math.ceil(self.layout_.height - vh - 0.5)))
        v.setPageStep(vh)
        v.setSingleStep(40)
        h.setRange(0, max(0, math.ceil(self.layout_.width - vw - 0.5)))
        h.setPageStep(vw)
        h.setSingleStep(40)

    # -- zoom --------------------------------------------------------------------------------
    def set_zoom(self, zoom: float, anchor: QPointF | None = None, *, fit: str | None = None) -> None:
        """Zoom keeping the page point under ``anchor`` (default: the viewport centre) in place."""
        self._fit = fit
        if self.layout_ is None:
            self._zoom = zoom
            return
        if anchor is None:
            anchor = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        number, point = self.widget_to_page(anchor)
        self.layout_.set_zoom(zoom)
        self._zoom = self.layout_.zoom
        self._update_scrollbars()
        target = self.layout_.to_document(number).map(point) - anchor
        self.horizontalScrollBar().setValue(round(target.x()))
        self.verticalScrollBar().setValue(round(target.y()))
        self.zoomChanged.emit(self._zoom)
        self._schedule()
        self.viewport().update()

    def zoom_in(self) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self._zoom / ZOOM_STEP)

    def fit_width(self) -> None:
        if self.layout_ is not None:
            self.set_zoom(self.layout_.fit_width_zoom(self._current, self.viewport().width()), fit="width")

    def fit_page(self) -> None:
        if self.layout_ is not None:
            vp = self.viewport()
            self.set_zoom(self.layout_.fit_page_zoom(self._current, vp.width(), vp.height()), fit="page")
            self.go_to_page(self._current)

    def _apply_fit(self) -> None:
        if self.layout_ is None or self._fit is None:
            return
        vp = self.viewport()
        if self._fit == "width":
            zoom = self.layout_.fit_width_zoom(self._current, vp.width())
        else:
            zoom = self.layout_.fit_page_zoom(self._current, vp.width(), vp.height())
        if abs(zoom - self._zoom) > 1e-3 or abs(self.layout_.zoom - zoom) > 1e-3:
            self.set_zoom(zoom, QPointF(vp.width() / 2, 0), fit=self._fit)

    # -- navigation --------------------------------------------------------------------------
    def current_page(self) -> int:
        return self._current

    def go_to_page(self, number: int, top: float | None = None) -> None:
        """Scroll page ``number`` to the top (or its page-space height ``top`` to near the top)."""
        if self.layout_ is None:
            return
        number = max(0, min(number, self.page_count - 1))
        rect = self.layout_.page_rect(number)
        y = rect.y() - 10
        if top is not None:
            y = self.layout_.to_document(number).map(QPointF(0, top)).y() - 40
        self.verticalScrollBar().setValue(round(y))
        self._set_current(number)

    def reveal(self, number: int, box: QRectF) -> None:
        """Make a page-space box visible, scrolling as little as needed (used for hits and jumps)."""
        if self.layout_ is None:
            return
        doc_box = self.layout_.to_document(number).mapRect(box)
        v, h = self.verticalScrollBar(), self.horizontalScrollBar()
        vh, vw = self.viewport().height(), self.viewport().width()
        if doc_box.top() < v.value() or doc_box.bottom() > v.value() + vh:
            v.setValue(round(doc_box.center().y() - vh / 3))
        if doc_box.left() < h.value() or doc_box.right() > h.value() + vw:
            h.setValue(round(doc_box.center().x() - vw / 2))

    def _scrolled(self) -> None:
        if self.layout_ is not None:
            v, vh = self.verticalScrollBar(), self.viewport().height()
            # The page under the upper third; at the very end the last one (it never reaches the top).
            at_end = v.maximum() > 0 and v.value() >= v.maximum()
            self._set_current(self.layout_.page_at(v.value() + (vh - 1 if at_end else vh * 0.3)))
        self._schedule()
        self.viewport().update()

    def _set_current(self, number: int) -> None:
        if number != self._current:
            self._current = number
            self.currentPageChanged.emit(number)

    # -- rendering requests ------------------------------------------------------------------
    def _schedule(self) -> None:
        self._request_timer.start()

    def _tiles_in(self, number: int, band: QRectF, scale: float) -> list[TileKey]:
        """Keys of the tiles of a page that intersect a widget-space band."""
        assert self.layout_ is not None
        rect = self.page_rect_widget(number)
        _, _, cols, rows = tile_grid(self.layout_.pages[number], scale)
        step = TILE / self._dpr()
        r0 = max(0, math.floor((band.top() - rect.top()) / step))
        r1 = min(rows - 1, math.floor((band.bottom() - rect.top()) / step))
        c0 = max(0, math.floor((band.left() - rect.left()) / step))
        c1 = min(cols - 1, math.floor((band.right() - rect.left()) / step))
        return [(number, scale, c, r) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]

    def _request(self) -> None:
        """Ask the worker for what is on (and just off) screen; cancel what is no longer wanted."""
        if self.layout_ is None:
            return
        scale, vh = self.scale(), self.viewport().height()
        screen = QRectF(0, 0, self.viewport().width(), vh)
        near = screen.adjusted(0, -vh, 0, vh)
        top = self.verticalScrollBar().value()
        wanted: dict[TileKey, int] = {}
        for number in self.layout_.visible(top - vh, top + 2 * vh):
            on_screen = self.page_rect_widget(number).intersects(screen)
            priority = PRIORITY_RENDER if on_screen else PRIORITY_PREFETCH
            wanted[("preview", number)] = PRIORITY_PREFETCH  # a stand-in for zooms: after real tiles
            for key in self._tiles_in(number, screen if on_screen else near, scale):
                wanted[key] = priority
        for key, job in list(self._pending.items()):
            if key not in wanted and key not in self._keep:
                job.cancel()
                del self._pending[key]
        for key, priority in wanted.items():
            self._submit(key, priority)

    def _submit(self, key: TileKey, priority: int) -> None:
        cache = self.previews if key[0] == "preview" else self.tiles
        if key in self._pending or key in cache or key in self._failed:
            return
        if key[0] == "preview":
            number = key[1]
            assert self.layout_ is not None
            scale = PREVIEW_WIDTH / self.layout_.pages[number].width
            job = self.worker.submit(
                self.doc.render_page, number, scale, priority=priority, owner=self,
                done=functools.partial(self._preview_done, key), failed=functools.partial(self._job_failed, key),
            )  # fmt: skip
        else:
            job = self.worker.submit(
                self.doc.render_tile, *key, priority=priority, owner=self,
                done=functools.partial(self._tile_done, key), failed=functools.partial(self._job_failed, key),
            )  # fmt: skip
        self._pending[key] = job

    def request_preview(self, number: int) -> None:
        """Render a page's preview (the side panel's thumbnails) at low priority."""
        self._keep.add(("preview", number))
        self._submit(("preview", number), PRIORITY_PREFETCH)

    def _tile_done(self, key: TileKey, img: QImage) -> None:
        self._pending.pop(key, None)
        self.tiles.put(key, img)
        if key[1] == self.scale():
            self.viewport().update()
            self.tileRendered.emit(key[0])

    def _preview_done(self, key: TileKey, img: QImage) -> None:
        self._pending.pop(key, None)
        self._keep.discard(key)
        self.previews.put(key, img)
        self.previewReady.emit(key[1])
        self.viewport().update()

    def _job_failed(self, key: TileKey, exc: BaseException) -> None:
        self._pending.pop(key, None)
        self._failed.add(key)  # never retried in a loop; the page stays a placeholder
        log.warning("could not render %s: %s", key, exc)

    def is_rendered(self, number: int) -> bool:
        """Whether every on-screen tile of a page is in the cache at the current scale."""
        if self.layout_ is None:
            return False
        screen = QRectF(0, 0, self.viewport().width(), self.viewport().height())
        keys = self._tiles_in(number, screen, self.scale())
        return bool(keys) and all(k in self.tiles for k in keys)

    def cancel_all(self) -> None:
        self.worker.cancel_owner(self)
        self._pending.clear()

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self.viewport())
        p.fillRect(event.rect(), BACKGROUND)
        if self.layout_ is None:
            p.setPen(Qt.GlobalColor.white)
            p.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Opening…"))
            return
        dpr, scale = self._dpr(), self.scale()
        top, vh = self.verticalScrollBar().value(), self.viewport().height()
        missing = False
        for number in self.layout_.visible(top, top + vh):
            missing |= self._paint_page(p, number, QRectF(event.rect()), dpr, scale)
        for number in self.layout_.visible(top, top + vh):
            self._paint_overlays(p, number)
        p.end()
        if missing:
            self._schedule()

    def _paint_page(self, p: QPainter, number: int, area: QRectF, dpr: float, scale: float) -> bool:
        rect = self.page_rect_widget(number)
        # Snap to device pixels so tiles are blitted 1:1 (no resampling blur).
        x0, y0 = round(rect.x() * dpr) / dpr, round(rect.y() * dpr) / dpr
        p.fillRect(QRectF(rect).adjusted(1, 1, 2, 2), QColor(0, 0, 0, 60))
        p.fillRect(rect, Qt.GlobalColor.white)
        keys = self._tiles_in(number, area, scale)
        images = [(k, self.tiles.get(k)) for k in keys]
        if any(img is None for _, img in images):
            preview = self.previews.get(("preview", number))
            if preview is not None:  # unfiltered: smooth scaling costs 3 ms a page, for a stand-in
                p.drawImage(rect, preview)
        step = TILE / dpr
        for (_, _, col, row), img in images:
            if img is not None:
                p.drawImage(
                    QRectF(x0 + col * step, y0 + row * step, img.width() / dpr, img.height() / dpr), img
                )
        return any(img is None and k not in self._pending and k not in self._failed for k, img in images)

    def _paint_overlays(self, p: QPainter, number: int) -> None:
        t = self.page_transform(number)
        p.save()
        p.setClipRect(self.page_rect_widget(number))
        if self.search is not None:
            self.search.paint(p, number, t)
        for key, rec in self.model.on_page(number):
            overlay.paint_annotation(p, rec, t, self._zoom, key == self.model.selected)
        if self.tool is not None:
            self.tool.paint(p, number, t)
        p.restore()

    # -- events ------------------------------------------------------------------------------
    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.layout_ is not None:
            self.layout_.set_viewport_width(self.viewport().width())
            self._apply_fit()
            self._update_scrollbars()
            self._schedule()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self._zoom * ZOOM_STEP**steps, event.position())
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Home:
            self.go_to_page(0)
        elif key == Qt.Key.Key_End:
            self.go_to_page(self.page_count - 1)
        elif key == Qt.Key.Key_Space:
            v = self.verticalScrollBar()
            shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            v.setValue(v.value() + (-1 if shift else 1) * int(v.pageStep() * 0.9))
        elif key == Qt.Key.Key_Escape and self.tool is not None:
            self.tool.escape()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        if self.tool is not None and self.layout_ is not None and event.button() == Qt.MouseButton.LeftButton:
            double = event.type() == QEvent.Type.MouseButtonDblClick
            self.tool.press(event.position(), event.modifiers(), double)

    mouseDoubleClickEvent = mousePressEvent  # Qt sends press, release, press, double-click, release

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.tool is not None and self.layout_ is not None:
            self.tool.move(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.tool is not None and self.layout_ is not None and event.button() == Qt.MouseButton.LeftButton:
            self.tool.release(event.position())

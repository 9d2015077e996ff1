"""The side panel: page thumbnails (rendered only when scrolled into view) and the outline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
)

from ui.reader.pdfdoc import DocInfo

if TYPE_CHECKING:
    from ui.reader.view import PageView

THUMB_WIDTH = 110  # logical pixels
FRAME = QColor(0, 0, 0, 90)  # a white page on a white list needs an edge to be seen


def _framed(pix: QPixmap) -> QPixmap:
    """``pix`` with a one-pixel edge, drawn inside it (the size stays the same)."""
    p = QPainter(pix)
    pen = QPen(FRAME)
    pen.setCosmetic(True)
    p.setPen(pen)
    r = pix.rect()  # device pixels; the painter works in logical ones
    dpr = pix.devicePixelRatio()
    p.drawRect(0, 0, round(r.width() / dpr) - 1, round(r.height() / dpr) - 1)
    p.end()
    return pix


class _Thumbs(QListWidget):
    """The page list; its cells span the full width, so the thumbnails sit in the middle."""

    def fit_grid(self) -> None:
        icon = self.iconSize()
        if icon.isEmpty():
            return
        cell = QSize(
            max(icon.width() + 12, self.viewport().width() - 2),
            icon.height() + self.fontMetrics().height() + 14,
        )
        if self.count() and self.item(0).sizeHint() == cell:
            return
        self.setGridSize(cell)
        # IconMode centres the icon in the item, not in the grid cell: make the items as wide.
        self.setUpdatesEnabled(False)
        for n in range(self.count()):
            self.item(n).setSizeHint(cell)
        self.setUpdatesEnabled(True)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_grid()


class Sidebar(QTabWidget):
    pageActivated = Signal(int)

    def __init__(self, view: PageView) -> None:
        super().__init__()
        self.view = view
        self.thumbs = _Thumbs()
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbs.setWrapping(False)
        self.thumbs.setMovement(QListWidget.Movement.Static)
        self.thumbs.setUniformItemSizes(True)
        self.thumbs.setSpacing(6)
        self.thumbs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.thumbs.itemActivated.connect(lambda item: self.pageActivated.emit(self.thumbs.row(item)))
        self.thumbs.itemClicked.connect(lambda item: self.pageActivated.emit(self.thumbs.row(item)))
        self.outline = QTreeWidget()
        self.outline.setHeaderHidden(True)
        self.outline.itemActivated.connect(self._outline_activated)
        self.outline.itemClicked.connect(self._outline_activated)
        self.addTab(self.thumbs, self.tr("Pages"))
        self.addTab(self.outline, self.tr("Outline"))
        self._timer = QTimer(self, singleShot=True, interval=30)
        self._timer.timeout.connect(self._request_visible)
        self.thumbs.verticalScrollBar().valueChanged.connect(lambda _v: self._timer.start())
        view.previewReady.connect(self._preview_ready)
        view.currentPageChanged.connect(self.set_current)
        self.setMinimumWidth(THUMB_WIDTH + 50)

    def set_document(self, info: DocInfo) -> None:
        aspect = max(p.height / p.width for p in info.pages)
        size = QSize(THUMB_WIDTH, round(THUMB_WIDTH * aspect))
        self.thumbs.setIconSize(size)
        blank = QPixmap(size)
        blank.fill(QColor("white"))
        icon = QIcon(_framed(blank))
        self.thumbs.setUpdatesEnabled(False)
        for n in range(len(info.pages)):
            item = QListWidgetItem(icon, str(n + 1))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.setData(Qt.ItemDataRole.UserRole, False)  # has a real thumbnail
            self.thumbs.addItem(item)
        self.thumbs.setUpdatesEnabled(True)
        self.thumbs.fit_grid()
        self._fill_outline(info)
        self._timer.start()

    def _fill_outline(self, info: DocInfo) -> None:
        self.outline.clear()
        parents: list[QTreeWidgetItem] = []
        for level, title, page in info.toc:
            item = QTreeWidgetItem([title])
            item.setData(0, Qt.ItemDataRole.UserRole, page)
            item.setToolTip(0, self.tr("Page %1").replace("%1", str(page + 1)))
            del parents[max(0, level - 1) :]
            (parents[-1].addChild(item) if parents else self.outline.addTopLevelItem(item))
            parents.append(item)
        self.outline.expandToDepth(0)
        if not info.toc:  # say why, instead of an empty or disabled tab
            item = QTreeWidgetItem(
                [self.tr("This PDF has no outline: its author included no table of contents.")]
            )
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            item.setData(0, Qt.ItemDataRole.UserRole, None)
            self.outline.addTopLevelItem(item)
            self.outline.setWordWrap(True)

    def _outline_activated(self, item: QTreeWidgetItem) -> None:
        page = item.data(0, Qt.ItemDataRole.UserRole)
        if page is not None:
            self.pageActivated.emit(int(page))

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._timer.start()

    def _request_visible(self) -> None:
        """Ask for thumbnails of the rows in view (and a few beyond)."""
        if not self.isVisible() or self.thumbs.count() == 0:
            return
        vp = self.thumbs.viewport().rect()
        first = max(0, self.thumbs.indexAt(vp.topLeft() + QPoint(5, 5)).row())
        last = self.thumbs.indexAt(vp.bottomLeft() + QPoint(5, -5)).row()
        last = self.thumbs.count() - 1 if last < 0 else last
        for n in range(first, min(self.thumbs.count(), last + 3, first + 40)):
            item = self.thumbs.item(n)
            if not item.data(Qt.ItemDataRole.UserRole):
                img = self.view.previews.get(("preview", n))
                if img is not None:
                    self._set_thumb(n, img)
                else:
                    self.view.request_preview(n)

    def _preview_ready(self, n: int) -> None:
        item = self.thumbs.item(n)
        img = self.view.previews.get(("preview", n))
        if item is not None and img is not None and not item.data(Qt.ItemDataRole.UserRole):
            self._set_thumb(n, img)

    def _set_thumb(self, n: int, img: QImage) -> None:
        item = self.thumbs.item(n)
        size = self.thumbs.iconSize() * self.devicePixelRatioF()
        pix = QPixmap.fromImage(img).scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        pix.setDevicePixelRatio(self.devicePixelRatioF())
        item.setIcon(QIcon(_framed(pix)))
        item.setData(Qt.ItemDataRole.UserRole, True)

    def set_current(self, n: int) -> None:
        if 0 <= n < self.thumbs.count() and self.thumbs.currentRow() != n:
            self.thumbs.blockSignals(True)
            self.thumbs.setCurrentRow(n)
            self.thumbs.blockSignals(False)
            self.thumbs.scrollToItem(self.thumbs.item(n))

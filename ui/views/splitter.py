"""A splitter whose handle can be seen and grabbed: a few pixels tall with a short grip bar.

The app's stylesheet draws splitter handles as hairlines, which is right between the main
panes but hides the one between the abstract and the notes; this one draws its own grip.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSplitter, QSplitterHandle, QWidget

HANDLE = 9


class GripHandle(QSplitterHandle):
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        line = QColor(pal.color(QPalette.ColorRole.WindowText))
        line.setAlphaF(0.12)
        grip = QColor(pal.color(QPalette.ColorRole.WindowText))
        grip.setAlphaF(0.45 if self.underMouse() else 0.28)
        r = self.rect()
        if self.orientation() == Qt.Orientation.Vertical:
            p.fillRect(QRectF(r.left(), r.center().y(), r.width(), 1), line)
            bar = QRectF(0, 0, 36, 4)
        else:
            p.fillRect(QRectF(r.center().x(), r.top(), 1, r.height()), line)
            bar = QRectF(0, 0, 4, 36)
        bar.moveCenter(QRectF(r).center())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(grip)
        p.drawRoundedRect(bar, 2, 2)
        p.end()

    def enterEvent(self, event: object) -> None:
        self.update()
        super().enterEvent(event)  # type: ignore[arg-type]

    def leaveEvent(self, event: object) -> None:
        self.update()
        super().leaveEvent(event)  # type: ignore[arg-type]


class GripSplitter(QSplitter):
    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self.setHandleWidth(HANDLE)

    def createHandle(self) -> QSplitterHandle:
        h = GripHandle(self.orientation(), self)
        h.setToolTip("Drag to give the notes more or less room")
        return h

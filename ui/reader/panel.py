"""The annotations panel: the paper's annotations in page order, filterable by colour and kind.

Clicking one jumps to it; Enter or a double-click edits its comment; Delete removes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from readinglist.annotations_md import COLORS, color_name
from readinglist.records import ANNOTATION_KINDS, AnnotationRecord

if TYPE_CHECKING:
    from ui.reader.model import AnnotationModel

KIND_LABELS = {
    "highlight": "Highlight",
    "underline": "Underline",
    "strikeout": "Strike-out",
    "note": "Note",
    "ink": "Ink",
    "rectangle": "Area",
}


EMPTY_HINT = (
    "<b>No annotations yet.</b><br><br>Select text and press <b>H</b> to highlight, <b>U</b> to "
    "underline or <b>X</b> to strike it out. <b>N</b> adds a sticky note, <b>I</b> draws in ink, "
    "<b>R</b> marks an area. They are kept in the library, searchable, and listed here."
)


def swatch(color: str, size: int = 14) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(color))
    return QIcon(pix)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class _List(QListWidget):
    editRequested = Signal()
    deleteRequested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
            self.editRequested.emit()
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.deleteRequested.emit()
        else:
            super().keyPressEvent(event)


class AnnotationsPanel(QWidget):
    activated = Signal(int)  # key: jump to it
    editRequested = Signal(int)  # key: edit its comment
    deleteRequested = Signal(int)

    def __init__(self, model: AnnotationModel) -> None:
        super().__init__()
        self.model = model
        self.color_filter = QComboBox()
        self.color_filter.addItem(self.tr("All colours"), None)
        for name, hex_ in COLORS.items():
            self.color_filter.addItem(swatch(hex_), name.capitalize(), hex_)
        self.kind_filter = QComboBox()
        self.kind_filter.addItem(self.tr("All kinds"), None)
        for kind in ANNOTATION_KINDS:
            self.kind_filter.addItem(self.tr(KIND_LABELS[kind]), kind)
        self.list = _List()
        self.list.setWordWrap(True)
        self.list.setIconSize(QSize(14, 14))
        self.list.setAlternatingRowColors(True)
        self.count = QLabel()
        self.empty = QLabel()
        self.empty.setObjectName("annotationsEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setMargin(8)
        filters = QHBoxLayout()
        filters.addWidget(self.color_filter)
        filters.addWidget(self.kind_filter)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addLayout(filters)
        box.addWidget(self.empty, 1)
        box.addWidget(self.list, 1)
        box.addWidget(self.count)
        self.color_filter.currentIndexChanged.connect(self.rebuild)
        self.kind_filter.currentIndexChanged.connect(self.rebuild)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        self.list.itemDoubleClicked.connect(lambda item: self.editRequested.emit(self._key(item)))
        self.list.editRequested.connect(lambda: self._emit_current(self.editRequested))
        self.list.deleteRequested.connect(lambda: self._emit_current(self.deleteRequested))
        model.changed.connect(self.rebuild)
        model.selectionChanged.connect(self._select)
        self.rebuild()

    @staticmethod
    def _key(item: QListWidgetItem) -> int:
        return int(item.data(Qt.ItemDataRole.UserRole))

    def _emit_current(self, signal: SignalInstance) -> None:
        item = self.list.currentItem()
        if item is not None:
            signal.emit(self._key(item))

    def _clicked(self, item: QListWidgetItem) -> None:
        self.activated.emit(self._key(item))

    def _matches(self, rec: AnnotationRecord) -> bool:
        color, kind = self.color_filter.currentData(), self.kind_filter.currentData()
        return (color is None or rec.color.lower() == color) and (kind is None or rec.kind == kind)

    def rebuild(self) -> None:
        items = self.model.items()
        shown = [(k, r) for k, r in items if self._matches(r)]
        self.list.setUpdatesEnabled(False)
        self.list.clear()
        for key, rec in shown:
            head = f"p. {rec.page + 1} · {self.tr(KIND_LABELS.get(rec.kind, rec.kind))}"
            if rec.author and rec.author != self.model.lib.member:  # another member's (a lab library)
                head += " · " + self.tr("by %1").replace("%1", rec.author)
            lines = [head]
            if rec.text:
                lines.append(f"“{_clip(rec.text, 160)}”")
            if rec.comment:
                lines.append(_clip(rec.comment, 200))
            item = QListWidgetItem(swatch(rec.color), "\n".join(lines))
            item.setData(Qt.ItemDataRole.UserRole, key)
            tip = [head, color_name(rec.color) or rec.color, rec.text, rec.comment]
            item.setToolTip("\n\n".join(t for t in tip if t))
            self.list.addItem(item)
        self.list.setUpdatesEnabled(True)
        self.count.setText(
            self.tr("%1 of %2 annotations").replace("%1", str(len(shown))).replace("%2", str(len(items)))
        )
        if not items:
            self.empty.setText(EMPTY_HINT)
        elif not shown:
            self.empty.setText(
                self.tr("No annotation has this colour and kind. Choose “All” above to see them all.")
            )
        self.empty.setVisible(not shown)
        self.list.setVisible(bool(shown))
        self._select(self.model.selected)

    def _select(self, key: int | None) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if self._key(item) == key:
                self.list.blockSignals(True)
                self.list.setCurrentItem(item)
                self.list.blockSignals(False)
                self.list.scrollToItem(item)
                return
        self.list.clearSelection()

    def key_at_row(self, row: int) -> int | None:
        item = self.list.item(row)
        return self._key(item) if item is not None else None

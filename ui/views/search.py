"""The search box: results as you type, without ever blocking the keyboard.

Keystrokes restart a 150 ms timer; when it fires the query goes to the paper model, which runs
it in a worker and drops results that a newer query made stale (its generation counter).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from ui.views.icons import icon

DEBOUNCE_MS = 150


class SearchBox(QLineEdit):
    query_changed = Signal(str)  # debounced; "" when cleared
    escaped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search")
        self.setPlaceholderText('Search everything — tag:, author:, year:, is:saved, "phrases"   ( / )')
        self.setClearButtonEnabled(True)
        self.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.setAccessibleName("Search the library")
        self.setMinimumWidth(320)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._fire)
        self.textEdited.connect(lambda _t: self._timer.start())
        self.textChanged.connect(lambda t: None if t else self._timer.start())
        self._sent = ""

    def _fire(self) -> None:
        text = self.text().strip()
        if text != self._sent:
            self._sent = text
            self.query_changed.emit(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.text():
                self.clear()
            self.escaped.emit()
            return
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._timer.stop()
            self._fire()
            self.escaped.emit()  # to the results
            return
        super().keyPressEvent(event)

    def set_invalid(self, message: str | None) -> None:
        self.setProperty("invalid", bool(message))
        self.setToolTip(message or "")
        self.style().unpolish(self)
        self.style().polish(self)

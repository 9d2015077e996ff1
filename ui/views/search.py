"""The search box: results as you type, without ever blocking the keyboard.

Keystrokes restart a short timer (40 ms: a local query costs 5–40 ms, so results land within
100 ms of the last key); when it fires the query goes to the paper model, which runs it in a
worker and drops results that a newer query made stale (its generation counter).
In a remote mode (the :class:`SourceCombo` beside it) nothing runs per keystroke: remote hosts
get one query when Enter is pressed (:attr:`SearchBox.submitted`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ui.views.icons import icon, themed

DEBOUNCE_MS = 40
LIBRARY_HINT = 'Search everything — tag:, author:, year:, is:saved, "phrases"   ( / )'
SOURCES = (
    ("library", "Library", LIBRARY_HINT),
    ("hf", "Hugging Face", "Search Hugging Face Papers — words, then Enter"),
    ("arxiv", "arXiv", "Search arXiv — ti:, au:, abs:, cat:, all: with AND, OR, ANDNOT — then Enter"),
)


class SourceCombo(QComboBox):
    """Where the search box looks: the library, or (Discover) Hugging Face Papers or arXiv."""

    source_changed = Signal(str)  # "library" | "hf" | "arxiv"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchSource")
        self.setAccessibleName("Search in")
        self.setToolTip("Search the library, or discover papers on Hugging Face or arXiv")
        for key, label, _hint in SOURCES:
            self.addItem(label, key)
        self.currentIndexChanged.connect(lambda _i: self.source_changed.emit(self.source()))

    def source(self) -> str:
        return str(self.currentData())

    def set_source(self, key: str) -> None:
        self.setCurrentIndex(max(0, self.findData(key)))


class SearchBox(QLineEdit):
    query_changed = Signal(str)  # debounced; "" when cleared (library mode only)
    submitted = Signal(str)  # Enter in a remote mode
    left = Signal()  # Escape in a remote mode: back to the library
    escaped = Signal()  # to the results

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("search")
        self.setPlaceholderText(LIBRARY_HINT)
        self.setClearButtonEnabled(True)
        themed(self.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition), "search")
        self.setAccessibleName("Search the library")
        self.setMinimumWidth(320)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._fire)
        self.textEdited.connect(lambda _t: self._timer.start())
        self.textChanged.connect(lambda t: None if t else self._timer.start())
        self._sent = ""
        self.remote = False

    def set_source(self, key: str) -> None:
        """Switch between live library search and Enter-only remote search."""
        self.remote = key != "library"
        self._timer.stop()
        self.setPlaceholderText(next(hint for k, _label, hint in SOURCES if k == key))
        self.setAccessibleName("Search the library" if not self.remote else "Discover papers")
        self._fire()  # back in the library: apply what was typed meanwhile, if anything

    def _fire(self) -> None:
        if self.remote:
            return
        text = self.text().strip()
        if text != self._sent:
            self._sent = text
            self.query_changed.emit(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.remote and event.key() == Qt.Key.Key_Escape:
            self.left.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            if self.text():
                self.clear()
            self.escaped.emit()
            return
        if self.remote and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit(self.text().strip())
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

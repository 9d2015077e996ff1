"""Tags of the current paper as removable chips, and a line edit that completes existing tags.

Enter adds the typed tag(s) (commas separate several), Backspace in the empty field removes
the last chip, and every chip's × button is reachable with Tab.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QCompleter, QFrame, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from ui.models.papers import tag_color
from ui.views.delegates import readable_on
from ui.views.flow import FlowLayout
from ui.views.icons import icon


class Chip(QFrame):
    remove = Signal(str)

    def __init__(self, name: str, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("tagChip")
        fg = readable_on(QColor(color)).name()
        self.setStyleSheet(
            f"#tagChip {{ background: {color}; border-radius: 9px; }} #tagChip QLabel {{ color: {fg}; }}"
            f" #tagChip QToolButton {{ border: none; background: transparent; padding: 0; }}"
        )
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 1, 3, 1)
        lay.setSpacing(2)
        lay.addWidget(QLabel(name))
        x = QToolButton()
        x.setIcon(icon("close", fg))
        x.setToolTip(f"Remove the tag “{name}”")
        x.setAccessibleName(f"Remove tag {name}")
        x.setAutoRaise(True)
        x.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        x.clicked.connect(lambda: self.remove.emit(self.name))
        lay.addWidget(x)


class TagEditor(QWidget):
    add_requested = Signal(list)  # tag names
    remove_requested = Signal(str)
    finished = Signal()  # Escape: hand the focus back to the list

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = FlowLayout(self, spacing=4)
        self.edit = QLineEdit()
        self.edit.setObjectName("tagEdit")
        self.edit.setPlaceholderText("Add tag…")
        self.edit.setAccessibleName("Add a tag")
        self.edit.setMinimumWidth(110)
        self.edit.setFrame(False)
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(completer)
        self.edit.returnPressed.connect(self._commit)
        self.edit.installEventFilter(self)
        self.flow.addWidget(self.edit)
        self.tags: tuple[str, ...] = ()
        self._chips: list[Chip] = []

    def set_completions(self, names: list[str]) -> None:
        if names != self._names.stringList():
            self._names.setStringList(names)

    def set_tags(self, tags: tuple[str, ...], colors: dict[str, str | None]) -> None:
        if tags == self.tags and self._chips:
            return
        self.tags = tuple(tags)
        for chip in self._chips:
            self.flow.removeWidget(chip)
            chip.deleteLater()
        self._chips = []
        self.flow.removeWidget(self.edit)
        for name in tags:
            chip = Chip(name, tag_color(name, colors.get(name)), self)
            chip.remove.connect(self.remove_requested)
            self.flow.addWidget(chip)
            self._chips.append(chip)
        self.flow.addWidget(self.edit)
        self.updateGeometry()

    def _commit(self) -> None:
        names = [t.strip() for t in self.edit.text().split(",") if t.strip()]
        self.edit.clear()
        if names:
            self.add_requested.emit(names)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.edit and event.type() == QEvent.Type.KeyPress:
            key = event if isinstance(event, QKeyEvent) else None
            if key and key.key() == Qt.Key.Key_Backspace and not self.edit.text() and self.tags:
                self.remove_requested.emit(self.tags[-1])
                return True
            if key and key.key() == Qt.Key.Key_Escape:
                self.edit.clear()
                self.finished.emit()
                return True
        return super().eventFilter(obj, event)

    def focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

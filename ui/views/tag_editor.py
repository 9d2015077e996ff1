"""Tags of the current paper as removable chips, and a line edit that completes existing tags.

Enter adds the typed tag(s) (commas separate several), Backspace in the empty field removes
the last chip, and every chip's × button is reachable with Tab. An auto tag (added by
auto-tagging) is drawn dashed and italic with a dot; one click on it makes it the user's own.
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
    confirm = Signal(str)  # an auto tag clicked: keep it as the user's own

    def __init__(self, name: str, color: str, parent: QWidget | None = None, *, auto: bool = False) -> None:
        super().__init__(parent)
        self.name = name
        self.auto = auto
        self.setObjectName("tagChip")
        fg = readable_on(QColor(color)).name()
        if auto:  # For you's guess: dashed, pale, italic, a dot before the name
            pale = QColor(color)
            pale.setAlpha(50)
            bg = f"rgba({pale.red()}, {pale.green()}, {pale.blue()}, {pale.alpha()})"
            self.setStyleSheet(
                f"#tagChip {{ background: {bg}; border: 1px dashed {QColor(color).darker(115).name()};"
                f" border-radius: 9px; }} #tagChip QToolButton {{ border: none; background: transparent;"
                f" padding: 0; }} #tagChip QToolButton#autoTag {{ font-style: italic; }}"
            )
        else:
            self.setStyleSheet(
                f"#tagChip {{ background: {color}; border-radius: 9px; }} #tagChip QLabel {{ color: {fg}; }}"
                f" #tagChip QToolButton {{ border: none; background: transparent; padding: 0; }}"
            )
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 1, 3, 1)
        lay.setSpacing(2)
        if auto:
            fg = self.palette().color(self.foregroundRole()).name()
            label = QToolButton()
            label.setObjectName("autoTag")
            label.setText(f"• {name}")
            label.setToolTip(f"“{name}” was added by auto-tagging: click to keep it as your own tag")
            label.setAccessibleName(f"Confirm auto tag {name}")
            label.setCursor(Qt.CursorShape.PointingHandCursor)
            label.clicked.connect(lambda: self.confirm.emit(self.name))
            self.confirm_button = label
            lay.addWidget(label)
        else:
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
    confirm_requested = Signal(str)  # an auto tag's chip clicked
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
        self.auto: tuple[str, ...] = ()  # those of ``tags`` auto-tagging added
        self._chips: list[Chip] = []

    def set_completions(self, names: list[str]) -> None:
        if names != self._names.stringList():
            self._names.setStringList(names)

    def set_tags(
        self, tags: tuple[str, ...], colors: dict[str, str | None], auto: tuple[str, ...] = ()
    ) -> None:
        if tags == self.tags and tuple(auto) == self.auto and self._chips:
            return
        self.tags = tuple(tags)
        self.auto = tuple(auto)
        for chip in self._chips:
            self.flow.removeWidget(chip)
            chip.deleteLater()
        self._chips = []
        self.flow.removeWidget(self.edit)
        for name in tags:
            chip = Chip(name, tag_color(name, colors.get(name)), self, auto=name in self.auto)
            chip.remove.connect(self.remove_requested)
            chip.confirm.connect(self.confirm_requested)
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

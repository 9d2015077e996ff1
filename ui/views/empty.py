"""An empty state: what this place is for and what to do next, with buttons, instead of a blank.

Used by the paper list (new library, no hits, an empty list or tag), the details pane (no
paper selected) and the reader's annotations panel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.views.icons import pixmap

Action = tuple[str, Callable[[], object]]


class EmptyState(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel()
        self.title.setObjectName("emptyTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setWeight(font.Weight.DemiBold)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.text = QLabel()
        self.text.setObjectName("emptyText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(8)
        self.buttons.addStretch(1)
        self.buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 24, 24, 24)
        lay.setSpacing(10)
        lay.addStretch(2)
        lay.addWidget(self.icon)
        lay.addWidget(self.title)
        lay.addWidget(self.text)
        lay.addSpacing(6)
        lay.addLayout(self.buttons)
        lay.addStretch(3)
        self._icon_name: str | None = None
        self.button_widgets: list[QPushButton] = []

    def set(self, icon_name: str | None, title: str, text: str = "", actions: Sequence[Action] = ()) -> None:
        """Show ``title`` and ``text`` (rich text) with one button per action."""
        self._icon_name = icon_name
        self.refresh_icon()
        self.title.setText(title)
        self.text.setText(text)
        self.text.setVisible(bool(text))
        for b in self.button_widgets:
            self.buttons.removeWidget(b)
            b.deleteLater()
        self.button_widgets = []
        for n, (label, slot) in enumerate(actions):
            b = QPushButton(label)
            b.setObjectName("emptyAction")
            b.setDefault(n == 0)
            b.clicked.connect(lambda *_, s=slot: s())
            self.buttons.insertWidget(1 + n, b)
            self.button_widgets.append(b)

    def refresh_icon(self) -> None:
        """Re-tint after a theme change."""
        pal = self.palette()
        color = pal.color(pal.ColorRole.PlaceholderText)
        self.icon.setPixmap(pixmap(self._icon_name, 40, color) if self._icon_name else QPixmap())
        self.icon.setVisible(bool(self._icon_name))

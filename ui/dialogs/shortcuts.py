"""Help → Keyboard shortcuts: generated from the action registry, so it is never out of date."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.actions import shortcut_rows


def reader_rows() -> list[tuple[str, str, str]]:
    """The PDF reader's shortcuts."""
    from ui.reader import SHORTCUTS

    return [("PDF reader", desc, keys) for keys, desc in SHORTCUTS]


class ShortcutsWindow(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        lay = QVBoxLayout(self)
        note = QLabel(
            "Single-key shortcuts work in the list and the details pane, never while you type in a field."
        )
        note.setWordWrap(True)
        lay.addWidget(note)
        rows = shortcut_rows() + reader_rows()
        order = list(dict.fromkeys(g for g, _, _ in rows))
        rows.sort(key=lambda r: order.index(r[0]))  # grouped, registry order within a group
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Group", "Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for r, (group, text, keys) in enumerate(rows):
            for c, value in enumerate((group, text, keys)):
                item = QTableWidgetItem(value)
                if c == 2:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(r, c, item)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        lay.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay.addWidget(buttons)
        self.resize(560, 620)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

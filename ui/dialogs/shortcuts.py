"""Help → Keyboard shortcuts: generated from the action registry, so it is never out of date.

Grouped (Triage, Papers, Search, …, PDF reader), filterable by action or key, and the keys are
shown as you type them: ``j``, not ``J`` (which reads as Shift+J); ``Enter`` once, not
``Return, Enter``.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.actions import shortcut_rows

_NAMES = {"Return": "Enter", "Del": "Delete", "Esc": "Escape", "PgUp": "Page Up", "PgDown": "Page Down"}


def reader_rows() -> list[tuple[str, str, str]]:
    """The PDF reader's shortcuts."""
    from ui.reader import SHORTCUTS

    return [("PDF reader", desc, keys) for keys, desc in SHORTCUTS]


def as_typed(keys: str) -> str:
    """``"A, Return, Enter"`` → ``"a, Enter"``: a lone letter is the key you press (lower case,
    as typed), key names are spelled out, and repeats go."""
    out: list[str] = []
    for part in (p.strip() for p in keys.split(", ")):
        part = _NAMES.get(part, part)
        if re.fullmatch(r"[A-Z]", part):
            part = part.lower()
        if part and part not in out:
            out.append(part)
    return ", ".join(out)


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
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by action or key, e.g. “bibtex” or “ctrl+shift”")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.apply_filter)
        lay.addWidget(self.filter)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.groups: dict[str, QTreeWidgetItem] = {}
        for group, text, keys in shortcut_rows() + reader_rows():
            parent_item = self.groups.get(group)
            if parent_item is None:
                parent_item = QTreeWidgetItem([group])
                f = parent_item.font(0)
                f.setBold(True)
                parent_item.setFont(0, f)
                parent_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(parent_item)
                parent_item.setFirstColumnSpanned(True)
                self.groups[group] = parent_item
            item = QTreeWidgetItem([text, as_typed(keys)])
            f = item.font(1)
            f.setBold(True)
            item.setFont(1, f)
            parent_item.addChild(item)
        self.tree.expandAll()
        hh = self.tree.header()
        hh.setStretchLastSection(False)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        lay.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay.addWidget(buttons)
        self.resize(600, 660)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.filter.setFocus()

    def apply_filter(self, text: str) -> None:
        words = text.lower().split()
        for group in self.groups.values():
            shown = 0
            for item in self._children(group):
                hay = f"{group.text(0)} {item.text(0)} {item.text(1)}".lower()
                hide = not all(w in hay for w in words)
                item.setHidden(hide)
                shown += not hide
            group.setHidden(shown == 0)

    @staticmethod
    def _children(group: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        return [c for c in (group.child(i) for i in range(group.childCount())) if c is not None]

    def visible_rows(self) -> list[tuple[str, str, str]]:
        """(group, action, keys) of the rows the filter shows."""
        return [
            (g.text(0), c.text(0), c.text(1))
            for g in self.groups.values()
            if not g.isHidden()
            for c in self._children(g)
            if not c.isHidden()
        ]

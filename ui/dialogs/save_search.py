"""Save the current search in the sidebar, optionally as an alert that watches new papers."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget


class SaveSearchDialog(QDialog):
    def __init__(self, query: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save search")
        form = QFormLayout(self)
        shown = QLabel(query)
        shown.setWordWrap(True)
        form.addRow("Search:", shown)
        self.name = QLineEdit(query)  # the whole query (the sidebar elides a long name)
        self.name.setAccessibleName("Name in the sidebar")
        self.name.selectAll()
        form.addRow("Name:", self.name)
        self.alert = QCheckBox("Alert me: count new papers from the feed that match")
        self.alert.setChecked(True)
        form.addRow("", self.alert)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(
            lambda t: buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(bool(t.strip()))
        )
        form.addRow(buttons)
        self.resize(460, self.sizeHint().height())

"""The one door for modal dialogs. Tests replace these functions so nothing ever blocks.

Call them through the module (``prompt.ask_text(...)``), never ``from ... import``, so a test's
monkeypatch reaches every caller.
"""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)


def exec_dialog(dialog: QDialog) -> int:
    """Run a modal dialog; returns ``QDialog.DialogCode`` as an int."""
    return int(dialog.exec())


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value.strip() if ok and value.strip() else None


def confirm(parent: QWidget | None, title: str, text: str, ok_label: str = "OK") -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    ok = box.addButton(ok_label, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(ok)
    box.exec()
    return box.clickedButton() is ok


def pick_color(parent: QWidget | None, initial: str | None, title: str = "Tag colour") -> str | None:
    c = QColorDialog.getColor(QColor(initial or "#3b82f6"), parent, title)
    return c.name() if c.isValid() else None


def save_file(parent: QWidget | None, title: str, start: str, filter: str = "BibTeX (*.bib)") -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, start, filter)
    return path or None


def open_files(parent: QWidget | None, title: str, start: str, filter: str) -> list[str]:
    paths, _ = QFileDialog.getOpenFileNames(parent, title, start, filter)
    return list(paths)


def pick_folder(parent: QWidget | None, title: str, start: str) -> str | None:
    path = QFileDialog.getExistingDirectory(parent, title, start)
    return path or None

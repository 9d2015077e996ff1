"""Every modal dialog the reader opens, in one place.

A modal ``exec()`` blocks an offscreen test forever, so tests replace these functions
(``monkeypatch.setattr(dialogs, "edit_text", ...)``); callers look them up on this module at
call time for that reason.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


def edit_text(parent: QWidget | None, title: str, label: str, text: str) -> str | None:
    """A multi-line text editor (annotation comments); None when cancelled."""
    value, ok = QInputDialog.getMultiLineText(parent, title, label, text)
    return value if ok else None


def save_path(parent: QWidget | None, title: str, suggested: str, filters: str) -> str | None:
    """A file name to write to; None when cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path or None


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)

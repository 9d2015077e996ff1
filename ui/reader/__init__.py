"""The built-in PDF reader: one window per paper, rendering and annotating off the GUI thread.

The main window calls :func:`open_reader`; its Help lists :data:`SHORTCUTS`.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from readinglist.services.library import Library
from ui.reader.actions import SHORTCUTS

# PySide6 6.12.0 on Python 3.11 drops a reference to None on every void Qt call: the reader
# makes thousands a second while scrolling. The guard lives in ui/__init__.py (always imported
# before this package); the reader depends on it.

_windows: dict[int, QWidget] = {}


def open_reader(parent: QWidget | None, lib: Library, paper_id: int, pdf_path: str) -> QWidget:
    """Open (or bring to the front) the reader window of a paper and return it."""
    from ui.reader.window import ReaderWindow

    window = _windows.get(paper_id)
    if window is not None:
        window.showNormal()
        window.raise_()
        window.activateWindow()
        return window
    window = ReaderWindow(lib, paper_id, str(pdf_path), parent)
    window.closed.connect(lambda pid: _windows.pop(pid, None))
    _windows[paper_id] = window
    screen = parent.screen() if parent is not None else None
    if window.restored_geometry or screen is None:  # where the user last left a reader
        window.show()
        return window
    window.setScreen(screen)  # the first time: maximised on the main window's screen
    window.move(screen.availableGeometry().topLeft())
    window.showMaximized()
    return window


def open_windows() -> list[QWidget]:
    """The reader windows now open (for the main window's Window menu and for tests)."""
    return list(_windows.values())


__all__ = ["SHORTCUTS", "open_reader", "open_windows"]

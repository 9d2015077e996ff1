"""Turning exceptions into something a person can act on: a notification, or a crash report.

Expected errors (``ReadingListError``) become a calm notification with the core's message.
Anything else is a bug: the notification offers "Details", and the excepthook shows a
non-modal window with a report that can be copied into an issue.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from readinglist import __version__
from readinglist.errors import Cancelled, ReadingListError
from ui.bus import Bus

log = logging.getLogger(__name__)


def format_report(exc: BaseException) -> str:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return (
        f"readinglist {__version__}, Python {platform.python_version()}, Qt {qVersion()}, "
        f"{platform.platform()}\n\n{tb}"
    )


def report(bus: Bus, exc: BaseException, what: str = "") -> None:
    """Show an exception as a notification (never a blocking dialog)."""
    prefix = f"{what}: " if what else ""
    if isinstance(exc, Cancelled):
        bus.info(prefix + str(exc))
    elif isinstance(exc, ReadingListError):
        bus.error(prefix + str(exc))
    else:
        log.error("unexpected error", exc_info=exc)
        bus.error(prefix + "Something went wrong that should not have.", format_report(exc))


class DetailsWindow(QDialog):
    """A non-modal window with copyable text: error details, import reports, crash reports."""

    def __init__(self, title: str, message: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        label = QLabel(message)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label)
        self.text = QPlainTextEdit(details)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setMinimumSize(560, 260)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)


def show_details(parent: QWidget | None, title: str, message: str, details: str) -> DetailsWindow:
    w = DetailsWindow(title, message, details, parent)
    w.show()
    return w


_crash_windows: list[DetailsWindow] = []


def install_excepthook() -> None:
    """Unexpected exceptions on the GUI thread open a crash report instead of vanishing."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)
            return
        exc.__traceback__ = tb
        log.error("unhandled exception", exc_info=exc)
        text = format_report(exc)
        print(text, file=sys.stderr)
        if QGuiApplication.instance() is None:
            return
        w = DetailsWindow(
            "readinglist: unexpected error",
            "Something went wrong that should not have. Your library is safe; what you typed is "
            "saved. Please copy this report into an issue.",
            text,
        )
        _crash_windows.append(w)
        w.destroyed.connect(lambda *_: _crash_windows.remove(w) if w in _crash_windows else None)
        w.show()

    sys.excepthook = hook

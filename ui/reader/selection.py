"""The text selection: what is selected, and asking the worker (PyMuPDF) for it.

A selection runs from an *anchor* (where the drag started, or the last click) to the pointer,
over as many pages as it takes: the worker returns it page by page (``pdfdoc.Selection``).
A double-click asks for the word under the pointer, a triple-click for its line. Requests are
asynchronous and only the newest counts, so a drag asks at every move and the rest are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPainter, QTransform

from ui.reader import overlay
from ui.reader.pdfdoc import PagePoint, PdfDocument, Selection
from ui.reader.worker import PRIORITY_TEXT, Job

if TYPE_CHECKING:
    from ui.reader.view import PageView


class TextSelection(QObject):
    changed = Signal()
    finished = Signal(str)  # a request made for a markup tool was answered: create that markup
    failed = Signal(str)

    def __init__(self, view: PageView, doc: PdfDocument) -> None:
        super().__init__(view)
        self.view, self.doc = view, doc
        self.selection: Selection | None = None
        self.anchor: PagePoint | None = None  # where the selection starts; shift+click extends it
        self.pending = 0  # requests in flight (tests wait for 0)
        self._job: Job | None = None

    def set(self, selection: Selection | None) -> None:
        self.selection = selection
        self.changed.emit()
        self.view.viewport().update()

    def cancel(self) -> None:
        """Forget the request in flight, if any (its answer is never delivered)."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
            self.pending -= 1

    def clear(self) -> None:
        self.cancel()
        if self.selection is not None:
            self.set(None)

    def request(
        self, start: PagePoint, end: PagePoint | None = None, *, lines: bool = False, then: str | None = None
    ) -> None:
        """Select from ``start`` to ``end`` on any pages; without ``end``, the word (or with
        ``lines`` the line) at ``start``. ``then`` names a markup to create from the answer."""
        self.cancel()
        fn: Callable[..., Selection | None]
        args: tuple[object, ...]
        if end is None:
            fn, args = self.doc.word_at, (start, lines)
        else:
            fn, args = self.doc.selection, (start, end, lines)
        self.pending += 1
        self._job = self.view.worker.submit(
            fn, *args, priority=PRIORITY_TEXT, owner=self.view,
            done=lambda sel: self._answered(sel, then), failed=self._failed,
        )  # fmt: skip

    def _answered(self, selection: Selection | None, then: str | None) -> None:
        self._job = None
        self.pending -= 1
        self.set(selection)
        if then is not None and selection is not None:
            self.finished.emit(then)

    def _failed(self, exc: BaseException) -> None:
        self._job = None
        self.pending -= 1
        self.failed.emit(str(exc))

    def paint(self, p: QPainter, page: int, t: QTransform) -> None:
        if self.selection is not None:
            overlay.paint_rects(p, self.selection.rects_on(page), t, overlay.SELECTION)

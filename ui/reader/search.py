"""Find in the PDF: one worker job per page, starting at the current page, results streamed in.

Per-page jobs keep the worker responsive (renders queued meanwhile run between them, at a
higher priority) and let a new query cancel the old one page by page.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QPainter, QTransform

from readinglist.records import Rect
from ui.reader import overlay
from ui.reader.worker import PRIORITY_SEARCH, Job

if TYPE_CHECKING:
    from ui.reader.view import PageView


class SearchController(QObject):
    updated = Signal()  # hits arrived, the current hit moved, or the search was cleared

    def __init__(self, view: PageView) -> None:
        super().__init__(view)
        self.view = view
        self.needle = ""
        self.hits: dict[int, tuple[Rect, ...]] = {}
        self.current: tuple[int, int] | None = None  # (page, index on the page)
        self.searched = 0
        self._jobs: list[Job] = []

    @property
    def count(self) -> int:
        return sum(len(r) for r in self.hits.values())

    @property
    def finished(self) -> bool:
        return self.searched >= self.view.page_count

    def start(self, needle: str) -> None:
        self.clear(notify=False)
        self.needle = needle.strip()
        n = self.view.page_count
        if self.needle and n:
            first = self.view.current_page()
            for number in [*range(first, n), *range(first)]:
                self._jobs.append(
                    self.view.worker.submit(
                        self.view.doc.search_page, number, self.needle, priority=PRIORITY_SEARCH,
                        owner=self.view, done=functools.partial(self._found, number),
                        failed=lambda _exc: self._count_page(),
                    )
                )  # fmt: skip
        self.updated.emit()
        self.view.viewport().update()

    def clear(self, *, notify: bool = True) -> None:
        for job in self._jobs:
            job.cancel()
        self._jobs = []
        self.needle, self.hits, self.current, self.searched = "", {}, None, 0
        if notify:
            self.updated.emit()
            self.view.viewport().update()

    def _count_page(self) -> None:
        self.searched += 1
        self.updated.emit()

    def _found(self, number: int, rects: tuple[Rect, ...]) -> None:
        self.searched += 1
        if rects:
            self.hits[number] = rects
            if self.current is None:  # the first hit at or after the current page
                self._go((number, 0))
        self.updated.emit()
        self.view.viewport().update()

    def _order(self) -> list[tuple[int, int]]:
        return [(page, i) for page in sorted(self.hits) for i in range(len(self.hits[page]))]

    def next(self, step: int = 1) -> None:
        """Move to the next (``step=1``) or previous (``-1``) hit, wrapping around."""
        order = self._order()
        if not order:
            return
        if self.current in order:
            pos = (order.index(self.current) + step) % len(order)
        else:
            here = self.view.current_page()
            after = [i for i, (page, _) in enumerate(order) if page >= here]
            pos = after[0] if after and step > 0 else (after[0] - 1 if after else -1) % len(order)
        self._go(order[pos])
        self.updated.emit()

    def index(self) -> int:
        """1-based position of the current hit (0 when there is none)."""
        order = self._order()
        return order.index(self.current) + 1 if self.current in order else 0

    def _go(self, hit: tuple[int, int]) -> None:
        self.current = hit
        page, i = hit
        r = self.hits[page][i]
        self.view.reveal(page, QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1]))
        self.view.viewport().update()

    def paint(self, p: QPainter, page: int, t: QTransform) -> None:
        rects = self.hits.get(page)
        if not rects:
            return
        overlay.paint_rects(p, rects, t, overlay.SEARCH_HIT)
        if self.current is not None and self.current[0] == page:
            overlay.paint_rects(p, [rects[self.current[1]]], t, overlay.SEARCH_CURRENT)

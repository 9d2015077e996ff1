"""Column widths of the paper list, prioritised: the triage columns (Upvotes, Tags, Status, PDF)
stay visible at every width; when space is short the title elides first, then authors, tags
and date shrink to their minimum; when space is plentiful, authors and tags grow a little
instead of the title taking everything. The widths the user drags are the preferred ones.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QHeaderView, QSplitter, QTableView

from ui.models.papers import COL

SHRINK_ORDER = (
    "authors",
    "tags",
    "why",  # For you only: after authors and tags, so the reasons show where there is room
    "score",
    "upvotes",
    "date",
)  # who gives width first when the title is at its minimum
GROW = {"authors": 1.8, "tags": 1.5}  # at most this many times the preferred width, on wide windows
TITLE_MIN_CHARS = 24
MIN_CHARS = {"authors": 9, "tags": 9, "upvotes": 7}
TITLE_ROOMY = 640  # beyond this the title gains little; the rest is shared out


class _FitOnResize(QObject):
    """Calls ``fit()`` once per burst of resizes of the watched widget, after the widget's own
    resize handling (a splitter resized from inside its resize event redistributes afterwards)."""

    _queued = False

    def fit(self) -> None:
        raise NotImplementedError

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and not self._queued:
            self._queued = True
            QTimer.singleShot(0, self._fit_queued)
        return False

    def _fit_queued(self) -> None:
        self._queued = False
        self.fit()


class ColumnFit(_FitOnResize):
    def __init__(self, view: QTableView, natural: dict[str, int]) -> None:
        super().__init__(view)
        self.view = view
        self.header: QHeaderView = view.horizontalHeader()
        char = view.fontMetrics().averageCharWidth()
        self.preferred = dict(natural)
        self.minimum = {k: max(40, n * char) for k, n in MIN_CHARS.items()}
        # For you's Why column gives way entirely before the title does: the reasons are also in
        # each row's tooltip and under the paper in the details pane.
        self.minimum["why"] = 0
        self.minimum["score"] = view.fontMetrics().horizontalAdvance("0.00") + 26  # never elided
        self.minimum["date"] = view.fontMetrics().horizontalAdvance("30 Sep 2026") + 30  # never elided
        self.preferred["date"] = max(self.preferred.get("date", 0), self.minimum["date"])
        self.title_min = TITLE_MIN_CHARS * char
        self._fitting = False
        self.header.sectionResized.connect(self._user_resized)
        view.viewport().installEventFilter(self)

    def adopt(self) -> None:
        """Take the current widths (a restored header) as the preferred ones."""
        for key, n in COL.items():
            if key != "title":
                self.preferred[key] = max(self.header.sectionSize(n), self.minimum.get(key, 0))
        self.fit()

    def comfortable_width(self) -> int:
        """The narrowest list that shows every column, title at its minimum (with the scrollbar)."""
        total = self.title_min
        for key, n in COL.items():
            if key != "title" and not self.header.isSectionHidden(n):
                total += self.minimum.get(key, self.preferred.get(key, self.header.sectionSize(n)))
        return total + self.view.verticalScrollBar().sizeHint().width() + 2 * self.view.frameWidth()

    def _user_resized(self, section: int, _old: int, new: int) -> None:
        if self._fitting:
            return
        for key, n in COL.items():
            if n == section and key != "title":
                self.preferred[key] = new

    def fit(self) -> None:
        """Share the viewport's width out by priority (the title section stretches into the rest)."""
        avail = self.view.viewport().width()
        if avail <= 0:
            return
        shown = {k: n for k, n in COL.items() if k != "title" and not self.header.isSectionHidden(n)}
        widths = {k: self.preferred.get(k, self.header.sectionSize(n)) for k, n in shown.items()}
        spare = avail - sum(widths.values()) - self.title_min
        for key in SHRINK_ORDER:  # too narrow: shrink, in order, down to each minimum
            if spare >= 0:
                break
            if key in widths:
                give = min(-spare, widths[key] - min(self.minimum[key], widths[key]))
                widths[key] -= give
                spare += give
        extra = avail - sum(widths.values()) - TITLE_ROOMY
        if extra > 0:  # roomy: authors and tags grow too, the title keeps the rest
            for key, factor in GROW.items():
                if key in widths:
                    add = min(extra // 2, int(widths[key] * (factor - 1)))
                    widths[key] += add
                    extra -= add
        self._fitting = True
        try:
            for key, w in widths.items():
                if self.header.sectionSize(shown[key]) != w:
                    self.header.resizeSection(shown[key], w)
        finally:
            self._fitting = False


class PaneFit(_FitOnResize):
    """Shares the splitter's width: the sidebar and details keep the widths the user gave them
    while the list has ``want`` pixels; on a narrower window the details pane yields (down to
    ``details_min``), then the sidebar a little (down to ``sidebar_min``); on a wide one the details pane and
    the sidebar take a share of the extra, not only the list."""

    def __init__(
        self,
        splitter: QSplitter,
        want: Callable[[], int],
        preferred: tuple[int, int],
        details_min: int = 290,
        sidebar_min: int = 200,
    ) -> None:
        super().__init__(splitter)
        self.splitter = splitter
        self.want = want
        self.preferred = preferred  # (sidebar, details), as the user left them
        self.details_min = details_min
        self.sidebar_min = sidebar_min
        self._fitting = False
        self._adopt_later = False
        splitter.installEventFilter(self)
        splitter.splitterMoved.connect(lambda *_: self.adopt())

    def adopt(self) -> None:
        """The current (dragged or restored) widths become the preferred ones."""
        if self._fitting:
            return
        if not self.splitter.isVisible():  # restored before the first show: read once laid out
            self._adopt_later = True
            return
        self._adopt_later = False
        sizes = self.splitter.sizes()
        if len(sizes) == 3 and sum(sizes) > 0:
            self.preferred = (sizes[0], sizes[2])

    def fit(self) -> None:
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if len(sizes) != 3 or total <= 0:
            return
        if self._adopt_later:
            self.adopt()
            return
        side, details = self.preferred
        wide = total - 1600
        if wide > 0:  # a big screen: a share of the extra for the details and the sidebar
            details += int(wide * 0.25)
            side += min(int(wide * 0.05), 80)
        short = self.want() - (total - side - details)
        if short > 0:
            give = min(short, max(0, details - self.details_min))
            details -= give
            short -= give
        if short > 0:  # then the sidebar, a little: never below ``sidebar_min``
            side -= min(short, max(0, side - self.sidebar_min))
        new = [side, total - side - details, details]
        if new != sizes:
            self._fitting = True
            try:
                self.splitter.setSizes(new)
            finally:
                self._fitting = False

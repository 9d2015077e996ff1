"""Discover: search Hugging Face Papers or arXiv beyond the library, and add what looks good.

:class:`DiscoverController` runs :func:`readinglist.services.discovery.discover` in a worker
(cancellable; a newer search drops an older one's results), pages with "More results", and
adds results through the write lane, marking each row once it is saved. :class:`DiscoverPage`
is the central page that replaces the paper list while a remote source is chosen;
:class:`RemotePreview` shows the current result where the details pane usually is.
"""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from readinglist.errors import Cancelled
from readinglist.lazy import lazy_module
from readinglist.records import RemoteResult
from ui.models.context import AppContext
from ui.models.remote import RCOL, RemoteResultsModel, ResultRole
from ui.tasks import Lane, TaskContext, TaskHandle
from ui.views.notes import open_link
from ui.views.paper_html import abstract_html, rich

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import discovery
else:
    discovery = lazy_module("readinglist.services.discovery")

PAGE = 25
NAMES = {"hf": "Hugging Face", "arxiv": "arXiv"}


def hint(source: str) -> str:
    """What the empty results pane says before a search of ``source``."""
    if source == "hf":
        return "Type a few words and press Enter to search Hugging Face Papers."
    if source == "arxiv":
        return f"Type an arXiv query and press Enter ({discovery.ARXIV_SYNTAX})."
    return ""


def fetch_page(lib: object, query: str, source: str, start: int, *, task: TaskContext) -> object:
    """Worker side: one page of results (looked up through the module, so tests can spy)."""
    return discovery.discover(lib, query, source=source, start=start, limit=PAGE, cancelled=task.cancelled)  # type: ignore[arg-type]


class DiscoverController(QObject):
    """The remote search: what was asked, what came back, what is being added."""

    changed = Signal()  # status, busy or paging state moved

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = RemoteResultsModel(self)
        self.source = "hf"
        self.query = ""
        self.busy = False
        self.error = ""
        self.handle: TaskHandle | None = None
        self._generation = 0
        self._next = 0
        self._adding: set[str] = set()

    # -- searching ---------------------------------------------------------------------------
    def search(self, source: str, query: str) -> None:
        """A new search (page 1); results of any search still running are dropped."""
        self.source, self.query = source, " ".join(query.split())
        self.model.clear()
        self._next = 0
        self._run(0)

    def switch(self, source: str, query: str) -> None:
        """The user picked ``source``: search it for ``query`` unless that is what is shown."""
        query = " ".join(query.split())
        if query and (source, query) != (self.source, self.query):
            self.search(source, query)
        elif source != self.source:
            self.source, self.query = source, ""
            self.cancel()
            self.model.clear()
        else:
            self.changed.emit()

    def more(self) -> None:
        if self.busy or not self.model.has_more:
            return
        self._run(self._next)

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.done:
            self.handle.discard()
        self._generation += 1
        self.busy = False
        self.changed.emit()

    def _run(self, start: int) -> None:
        self.cancel()
        self.error = ""
        if not self.query:
            self.changed.emit()
            return
        gen = self._generation
        self.busy = True
        self.handle = self.ctx.tasks.run(
            fetch_page, self.ctx.lib, self.query, self.source, start, context=True, name="discover",
            owner=self, on_done=lambda page: self._got(gen, page), on_error=lambda exc: self._failed(gen, exc),
        )  # fmt: skip
        self.changed.emit()

    def _got(self, gen: int, page: discovery.DiscoverPage) -> None:
        if gen != self._generation:
            return  # a newer search was asked for meanwhile
        self.busy = False
        self.ctx.set_online(True)  # the source answered
        if page.start == 0:
            self.model.set_results(page.results, page.total)
        else:
            self.model.append(page.results, page.total)
        self._next = page.start + len(page.results)
        if not page.results:  # the source ran out without saying how many it had
            self.model.total = len(self.model.results)
        self.changed.emit()

    def _failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._generation:
            return
        self.busy = False
        if not isinstance(exc, Cancelled):
            self.error = str(exc)
            self.ctx.report_error(exc)
        self.changed.emit()

    def status(self) -> str:
        name, q = NAMES.get(self.source, self.source), self.query
        n, total = self.model.rowCount(), self.model.total
        if self.busy:
            return f"Searching {name} for “{q}”…"
        if self.error:
            return f"{name}: the search for “{q}” failed. {self.error}"
        if not q:
            return hint(self.source)
        if n == 0:
            return f"No results on {name} for “{q}”."
        shown = f"{n} result{'s' if n != 1 else ''}"
        if total is not None and total > n:
            shown = f"{n} of {total:,} results"
        elif total is None:
            shown += ", more available"
        return f"{name}: “{q}”  ·  {shown}"

    # -- adding ------------------------------------------------------------------------------
    def add(self, rows: list[int]) -> None:
        """Save the results of ``rows`` (each once: held or in-flight ones are skipped)."""
        todo = []
        for r in rows:
            res = self.model.result(r)
            if res is None:
                continue
            key = self.model._key(res)
            if res.in_library or key in self._adding:
                continue
            self._adding.add(key)
            todo.append(res)
        if not todo:
            if rows:
                self.ctx.bus.info("Already in your library.")
            return
        left = [len(todo)]

        def done(res: RemoteResult, _pid: object) -> None:
            self._adding.discard(self.model._key(res))
            self.model.set_in_library(self.model.row_of(res))
            left[0] -= 1
            if left[0] == 0:
                what = (
                    f"“{' '.join(todo[0].paper.title.split())}”" if len(todo) == 1 else f"{len(todo)} papers"
                )
                self.ctx.bus.info(f"Added {what} to the library.")

        def failed(res: RemoteResult, exc: BaseException) -> None:
            self._adding.discard(self.model._key(res))
            self.ctx.report_error(exc)

        for res in todo:
            self.ctx.tasks.run(
                discovery.add_result, self.ctx.lib, res, lane=Lane.DB, name="add result", owner=self,
                on_done=functools.partial(done, res), on_error=functools.partial(failed, res),
            )  # fmt: skip


class ResultsView(QTableView):
    """The results table: fixed row heights, rows selected whole, Escape goes back."""

    back = Signal()

    def __init__(self, model: RemoteResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("discoverList")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(int(self.fontMetrics().height() * 1.9))
        hh = self.horizontalHeader()
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hh.setHighlightSections(False)
        fm = self.fontMetrics()
        for key, sample in (("author", "Marek Dvořák et al."), ("date", "30 Sep 2026"),
                            ("upvotes", "Upvotes"), ("source", "Hugging Face"), ("held", "In library")):  # fmt: skip
            hh.resizeSection(RCOL[key], fm.horizontalAdvance(sample) + 24)
        hh.setSectionResizeMode(RCOL["title"], QHeaderView.ResizeMode.Stretch)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.back.emit()
            return
        super().keyPressEvent(event)

    def selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return rows


class RemotePreview(QTextBrowser):
    """The current result in full: title, every author, date, links and the abstract."""

    def __init__(self, arxiv_endpoint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("discoverPreview")
        self.arxiv = arxiv_endpoint
        self.setOpenLinks(False)
        self.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.document().setDocumentMargin(14)
        self.anchorClicked.connect(open_link)
        self.result: RemoteResult | None = None
        self.show_result(None)

    def show_result(self, r: RemoteResult | None) -> None:
        self.result = r
        if r is None:
            self.setHtml("<p style='color: gray'>Select a result to read its abstract.</p>")
            return
        m, e = r.paper, html.escape
        meta = [f"{m.published:%-d %b %Y}" if m.published else "", NAMES.get(r.source, r.source)]
        if r.source == "hf":
            meta.append(f"▲ {r.upvotes}")
        if m.primary_category:
            meta.append(e(m.primary_category))
        links = []
        if m.arxiv_id:
            links += [
                (f"{self.arxiv}/abs/{m.arxiv_id}", "arXiv"),
                (f"https://huggingface.co/papers/{m.arxiv_id}", "Hugging Face"),
            ]
        if m.github_repo:
            links.append((m.github_repo, "Code"))
        if r.in_library:
            held = "<b>✓ Saved in your library</b>"
        elif r.in_feed:
            held = "In your feed, not saved yet — press <b>A</b> to save it"
        else:
            held = "Not in your library — press <b>A</b> to add it"
        self.setHtml(
            f"<h2>{rich(' '.join(m.title.split()))}</h2>"
            f"<p>{e(', '.join(m.authors))}</p>"
            f"<p style='color: gray'>{' · '.join(x for x in meta if x)}</p>"
            f"<p>{' · '.join(f'<a href={chr(34)}{e(u)}{chr(34)}>{t}</a>' for u, t in links)}</p>"
            f"<p>{held}</p>{abstract_html(m.abstract, m.ai_summary, m.ai_keywords)}"
        )


class DiscoverPage(QWidget):
    """The central page of Discover: a status line, the results, Add and More buttons."""

    back = Signal()

    def __init__(
        self, ctx: AppContext, controller: DiscoverController, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("discoverPage")
        self.c = controller
        self.title = QLabel()
        self.title.setObjectName("listTitle")
        self.title.setWordWrap(True)
        self.view = ResultsView(controller.model)
        self.empty = QLabel()
        self.empty.setObjectName("discoverEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setMargin(24)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.add_btn = QPushButton("Add to library")
        self.add_btn.setToolTip("Save the selected results in the library (A or Enter)")
        self.more_btn = QPushButton("More results")
        self.more_btn.setToolTip("Fetch the next page of results (M)")
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 6)
        bar.addStretch(1)
        bar.addWidget(self.add_btn)
        bar.addWidget(self.more_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.title)
        lay.addWidget(self.stack, 1)
        lay.addLayout(bar)
        self.preview = RemotePreview(ctx.lib.endpoints.arxiv)
        self.add_btn.clicked.connect(self.add_selected)
        self.more_btn.clicked.connect(controller.more)
        self.view.back.connect(self.back)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.selectionModel().currentRowChanged.connect(self._current)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._render())
        controller.changed.connect(self._render)
        controller.model.modelReset.connect(self._reset)
        controller.model.dataChanged.connect(lambda *_: self._current(self.view.currentIndex()))
        self._render()

    def add_selected(self) -> None:
        self.c.add(self.view.selected_rows())

    def _reset(self) -> None:
        if self.c.model.rowCount():
            self.view.selectRow(0)
        else:
            self.preview.show_result(None)

    def _current(self, index: QModelIndex, _prev: QModelIndex | None = None) -> None:
        self.preview.show_result(index.data(ResultRole) if index.isValid() else None)

    def _render(self) -> None:
        c = self.c
        self.title.setText(c.status())
        has_rows = c.model.rowCount() > 0
        self.stack.setCurrentWidget(self.view if has_rows else self.empty)
        if not has_rows:
            self.empty.setText(c.status() if (c.busy or c.query) else hint(c.source))
        rows = [c.model.result(r) for r in self.view.selected_rows()]
        self.add_btn.setEnabled(any(r is not None and not r.in_library for r in rows))
        self.more_btn.setEnabled(not c.busy and c.model.has_more)
        self.more_btn.setText("Searching…" if c.busy and has_rows else "More results")

    def _menu(self, pos: QPoint) -> None:
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return
        r: RemoteResult = idx.data(ResultRole)
        menu = QMenu(self)
        add = menu.addAction("Save to library" if r.in_feed else "Add to library", self.add_selected)
        add.setEnabled(not r.in_library)
        if r.paper.arxiv_id:
            url = QUrl(f"{self.preview.arxiv}/abs/{r.paper.arxiv_id}")
            menu.addAction("Open on arXiv", lambda: open_link(url))
        menu.addAction("More results", self.c.more).setEnabled(self.c.model.has_more and not self.c.busy)
        menu.exec(self.view.viewport().mapToGlobal(pos))

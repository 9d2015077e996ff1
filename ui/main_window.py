"""The main window: lays out the sidebar, paper list, details pane and panels, and wires them.

Behaviour lives in the views and controllers; this module only connects signals to slots.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from readinglist.config import is_default_library
from readinglist.lazy import lazy_module, load_deferred
from readinglist.records import Changes, MatchInfo, PaperFilter, PaperRow
from readinglist.textutil import plural
from ui import settings as keys
from ui.actions import ActionId, Actions, Scope
from ui.appearance import apply_appearance
from ui.dialogs import prompt
from ui.dialogs.export import ExportDialog, run_export
from ui.dialogs.save_search import SaveSearchDialog
from ui.dialogs.settings import SettingsDialog
from ui.dialogs.shortcuts import ShortcutsWindow
from ui.idle import IdleTimer
from ui.models.context import AppContext
from ui.models.papers import FOR_YOU, PaperTableModel
from ui.models.sidebar import Snapshot
from ui.views.columns import PaneFit
from ui.views.details import DetailsPane
from ui.views.digest import Digests
from ui.views.discover import DiscoverController, DiscoverPage
from ui.views.downloads import DownloadsController, DownloadsPanel
from ui.views.for_you import ForYou
from ui.views.importer import ImportController, importable
from ui.views.jobs import JobsIndicator
from ui.views.list_pane import ListPane, View
from ui.views.notifications import NotificationBar
from ui.views.paper_list import PaperListView
from ui.views.paper_menu import PaperMenu
from ui.views.pdfs import PdfActions
from ui.views.search import SearchBox, SourceCombo
from ui.views.sidebar import SidebarView
from ui.views.sync import SyncController
from ui.views.topic_dismiss import TopicDismisser
from ui.views.triage import Triage

if TYPE_CHECKING:
    from readinglist.services import alerts, papers
    from readinglist.services.autoexport import AutoExporter
else:
    alerts = lazy_module("readinglist.services.alerts")
    papers = lazy_module("readinglist.services.papers")

A = ActionId
MENUS = (
    ("&File", (A.IMPORT, A.IMPORT_ZOTERO, A.EXPORT, None, A.SETTINGS, None, A.QUIT)),
    ("&Edit", (A.UNDO, A.REDO, None, A.COPY_BIBTEX, A.COPY_CITEKEY, A.COPY_CITATION, A.COPY_LINK, A.REKEY,
               None, A.FOCUS_SEARCH, A.SAVE_SEARCH,
               None, A.DISCOVER, A.DISCOVER_ADD, A.DISCOVER_MORE)),
    ("&Paper", (A.NEXT, A.PREV, A.PAGE_ABSTRACT, None, A.SAVE, A.DISMISS, A.DISMISS_TOPIC, A.STAR, A.CYCLE_STATUS, A.TAG,
                A.ACCEPT_TAG_1, A.ACCEPT_TAG_2, A.ACCEPT_TAG_3, None, A.OPEN_PDF, A.DOWNLOAD_PDF, A.SHOW_IN_FOLDER, A.OPEN_IN_BROWSER, A.OPEN_ON_HF,
                None, A.DELETE)),
    ("&Library", (A.SYNC_NOW, A.NEW_LIST)),
    ("&View", (A.DIGEST, A.SHOW_DOWNLOADS)),
    ("&Help", (A.SHORTCUTS, A.ABOUT)),
)  # fmt: skip
TOOLBAR = (A.SYNC_NOW, A.IMPORT, A.EXPORT, A.SHOW_DOWNLOADS)


BACKUP_DELAY_MS = 10_000
# The sync on start begins once the first rows are shown: its worker imports the HTTP stack and
# the ORM, holding the interpreter lock for 0.3 s, and the window at 100k papers took 0.8 s to
# its first rows with it beside, 0.4 s without. This long after start() at the latest.
SYNC_START_LATEST_MS = 3000
# The services the window reaches through stand-ins (the ORM, the HTTP stack: 0.2-0.3 s of
# imports) load on a worker this long after the first rows are shown, not on the GUI thread at
# the first save or tag. Not at once: an importing thread holds the interpreter lock, and the
# first paint's Python calls (every cell's data) would wait for it at each step; and not while
# the user clicks, types or scrolls (an IdleTimer).
LOAD_DEFERRED_MS = 1000


FIRST_SIZE = QSize(1400, 900)


def first_size(available: QSize) -> QSize:
    """The window's size on its first run: :data:`FIRST_SIZE`, shrunk to fit a smaller
    screen's free area with room left for the window manager's frame (a 1024×700 screen got
    a 1400 px window whose details pane was off its edge)."""
    room = QSize(available.width() * 95 // 100, available.height() * 93 // 100)
    return FIRST_SIZE.boundedTo(room)


class MainWindow(QMainWindow):
    ready = Signal()  # once: sidebar, first rows and the first paper's details are shown
    switch_library = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        # The library's folder name, only when it is not the default one.
        self.setWindowTitle(
            "readinglist" if is_default_library(ctx.lib.root) else f"readinglist — {ctx.lib.root.name}"
        )
        self.setAcceptDrops(True)
        self.actions_ = Actions(self)
        self.papers = PaperTableModel(ctx, self)
        self.sidebar = SidebarView(ctx)
        self.sidebar.prefetch()
        self.list = PaperListView(self.papers)
        self.details = DetailsPane(ctx.lib.endpoints.arxiv, member=ctx.lib.member)
        self.for_you = ForYou(ctx, self.details.for_you)
        self.details.for_you.paper_opened.connect(self._open_similar)
        ctx.bus.changed.connect(self._for_you_changed)
        self.search = SearchBox()
        self.source = SourceCombo()
        self.discover = DiscoverController(ctx, self)
        self.discover_page = DiscoverPage(ctx, self.discover)
        self.notice = NotificationBar()
        self.jobs = JobsIndicator()
        self.downloads = DownloadsController(ctx, self.papers.set_downloading, self)
        self.downloads_panel = DownloadsPanel(self.downloads.model, self)
        self.sync = SyncController(ctx, self.jobs, self)
        self.importer = ImportController(ctx, self.jobs, self)
        self.pdfs = PdfActions(ctx, self.list, self.downloads, self.downloads_panel, self)
        self.triage = Triage(ctx, self.list, self.pdfs.maybe_autodownload)
        self.paper_menu = PaperMenu(
            ctx, self.list, self.actions_, self.triage, lambda: list(self.details.list_names),
            lambda: [t.name for t in self.sidebar.sidebar.snapshot.tags] if self.sidebar.sidebar.snapshot else [],
            self,
        )  # fmt: skip
        self.topic = TopicDismisser(
            ctx,
            self.list,
            self.actions_[A.DISMISS_TOPIC],
            self.statusBar().showMessage,
            self.triage.move_past,
        )
        self.digests = Digests(ctx, self.notice, self)
        self.autoexport = self._autoexporter()
        from ui.citeserver import CitationServerController

        self.citeserver = CitationServerController(ctx, self)
        self._select_first = True
        self._ready = False
        self._pending_show = False
        self._sync_started = False
        self._closed = False
        self._sync_start = QTimer(self)  # the sync on start: at ready, or after this at the latest
        self._sync_start.setSingleShot(True)
        self._sync_start.setInterval(SYNC_START_LATEST_MS)
        self._sync_start.timeout.connect(self._start_sync)
        self._deferred = IdleTimer(LOAD_DEFERRED_MS, self)
        self._deferred.timeout.connect(lambda: self.ctx.tasks.run(load_deferred, name="load the services"))
        self._view_label = ""
        self._view_key = ""
        self._searching = False
        self._library_query = ""
        self._layout()
        self._wire()
        self._restore_state()

    # -- layout ------------------------------------------------------------------------------
    def _layout(self) -> None:
        self.middle = ListPane(self.list, {
            "sync": self.sync.user_sync, "import": self._import_dialog, "add": self.add_by_id,
            "search_hf": lambda: self.source.set_source("hf"),
            "search_arxiv": lambda: self.source.set_source("arxiv"),
            "clear_search": self.search.clear, "show_feed": lambda: self.sidebar.select_key("feed:latest"),
        })  # fmt: skip
        self.list_title = self.middle.title
        self.pages = QStackedWidget()  # the library's list, or Discover's results
        self.pages.addWidget(self.middle)
        self.pages.addWidget(self.discover_page)
        self.right = QStackedWidget()  # the paper's details, or the remote result's preview
        self.right.addWidget(self.details)
        self.right.addWidget(self.discover_page.preview)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        for w in (self.sidebar, self.pages, self.right):
            self.splitter.addWidget(w)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([222, 768, 410])
        self.splitter.setChildrenCollapsible(False)
        # Small windows: the details pane yields, so the list keeps room for every column.
        self.pages.setMinimumWidth(280)
        self.right.setMinimumWidth(240)
        self.sidebar.setMinimumWidth(150)
        self.pane_fit = PaneFit(
            self.splitter, lambda: self.list.columns.comfortable_width() + 180, (222, 410)
        )
        self.list.columns_changed.connect(self.pane_fit.fit)
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.notice.float_over(central)  # an overlay: showing it never moves the layout
        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for aid in TOOLBAR:
            tb.addAction(self.actions_[aid])
        spacer = QWidget()
        spacer.setMinimumWidth(24)
        tb.addWidget(spacer)
        tb.addWidget(self.source)
        tb.addWidget(self.search)
        tb.addAction(self.actions_[A.SAVE_SEARCH])
        self.addToolBar(tb)
        for title, items in MENUS:
            menu = self.menuBar().addMenu(title)
            for item in items:
                menu.addSeparator() if item is None else menu.addAction(self.actions_[item])
        # View → Downloads (A.SHOW_DOWNLOADS) shows the panel; its own toggle would be a second "Downloads".
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.downloads_panel)
        self.downloads_panel.hide()
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncLabel")
        self.statusBar().addPermanentWidget(self.jobs)
        self.statusBar().addPermanentWidget(self.sync_label)
        self.statusBar().setSizeGripEnabled(True)
        # Single keys live in the sidebar, list and details; Space only in the list and abstract;
        # Discover's results have their own (A adds, M fetches more) plus / for the search box.
        self.actions_.attach_scope(Scope.TRIAGE, self.sidebar, self.list, self.details)
        self.actions_.attach_scope(Scope.LIST, self.list, self.details.abstract)
        self.actions_.attach_scope(Scope.DISCOVER, self.discover_page.view)
        self.discover_page.view.addAction(self.actions_[A.FOCUS_SEARCH])
        for a in self.actions_.scoped(Scope.WINDOW):
            self.addAction(a)

    # -- wiring ------------------------------------------------------------------------------
    def _wire(self) -> None:
        c, t, d, act = self.ctx, self.triage, self.details, self.actions_.connect
        # The banner says what happened; the status bar only holds lasting state (sync, offline).
        c.bus.notify.connect(self.notice.push)
        c.bus.notify_topic.connect(self.notice.push)
        c.bus.resolved.connect(self.notice.resolve)
        c.bus.online_changed.connect(lambda _online: self._sync_finished(None))
        self.sync.finished.connect(self._sync_finished)
        self.sync.started.connect(self._show_view)
        self.sidebar.filter_selected.connect(self._filter_selected)
        self.sidebar.alert_opened.connect(self._alert_opened)
        self.sidebar.snapshot_applied.connect(self._snapshot)
        self.search.query_changed.connect(self._search)
        self.search.escaped.connect(
            lambda: (self.discover_page.view if self.search.remote else self.list).setFocus()
        )
        self.search.submitted.connect(lambda q: self.discover.search(self.source.source(), q))
        self.search.left.connect(lambda: self.source.set_source("library"))
        self.source.source_changed.connect(self._source_changed)
        self.discover_page.back.connect(lambda: self.source.set_source("library"))
        self.sidebar.clicked.connect(lambda _i: self.source.set_source("library"))
        self.sync.brought_news.connect(self.digests.announce)
        self.papers.loaded.connect(self._loaded)
        self.papers.queryFailed.connect(self._query_failed)
        self.papers.rows_refreshed.connect(self._rows_refreshed)
        self.list.current_changed.connect(self._show_paper)
        self.list.doubleClicked.connect(lambda _i: self.pdfs.open_current())
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self.paper_menu.popup)
        d.save_toggled.connect(t.set_saved)
        d.star_toggled.connect(t.star)
        d.status_chosen.connect(t.set_status)
        d.list_toggled.connect(t.toggle_list)
        d.tags_added.connect(t.add_tags)
        d.tag_removed.connect(t.remove_tag)
        d.tag_confirmed.connect(t.confirm_tag)
        d.tags.finished.connect(lambda: self.list.setFocus())
        d.open_pdf.connect(self.pdfs.open_current)
        d.note_edited.connect(lambda pid, text: c.write(papers.set_note, c.lib, pid, text, name="note"))
        p = self.downloads_panel
        p.cancel_btn.clicked.connect(lambda: self.downloads.cancel([e.paper_id for e in p.selected()]))
        p.retry_btn.clicked.connect(lambda: self.downloads.retry(p.selected()))

        def open_selected() -> None:
            for e in p.selected():
                if e.path:
                    self.pdfs.open_path(e.paper_id, e.path)

        p.open_btn.clicked.connect(open_selected)
        for aid, slot in (
            (A.NEXT, lambda: self.list.move(1)), (A.PREV, lambda: self.list.move(-1)),
            (A.PAGE_ABSTRACT, d.page_abstract), (A.SAVE, t.save), (A.DISMISS, t.dismiss), (A.DISMISS_TOPIC, self.topic.run),
            (A.TAG, d.tags.focus), (A.CYCLE_STATUS, t.cycle_status), (A.STAR, t.star),
            (A.ACCEPT_TAG_1, lambda: d.accept_suggestion(0)), (A.ACCEPT_TAG_2, lambda: d.accept_suggestion(1)),
            (A.ACCEPT_TAG_3, lambda: d.accept_suggestion(2)),
            (A.OPEN_PDF, self.pdfs.open_current), (A.DOWNLOAD_PDF, self.pdfs.download_selected),
            (A.OPEN_IN_BROWSER, self.pdfs.open_in_browser), (A.FOCUS_SEARCH, self._focus_search),
            (A.SAVE_SEARCH, self.save_search), (A.COPY_BIBTEX, t.copy_bibtex),
            (A.COPY_CITEKEY, t.copy_citekey), (A.COPY_CITATION, self.copy_citation), (A.UNDO, t.undo),
            (A.REDO, t.redo), (A.SYNC_NOW, self.sync.user_sync), (A.IMPORT_ZOTERO, self._import_zotero_dialog),
            (A.IMPORT, self._import_dialog), (A.EXPORT, self.export), (A.NEW_LIST, self.sidebar.new_list),
            (A.SHOW_DOWNLOADS, self._show_downloads), (A.SETTINGS, self.open_settings),
            (A.DISCOVER, self._discover), (A.DISCOVER_ADD, self.discover_page.add_selected),
            (A.DISCOVER_MORE, self.discover.more), (A.OPEN_ON_HF, self.paper_menu.open_on_hf),
            (A.SHOW_IN_FOLDER, self.paper_menu.show_in_folder), (A.COPY_LINK, self.paper_menu.copy_link),
            (A.REKEY, self.paper_menu.rekey), (A.DELETE, t.delete), (A.DIGEST, self.digests.open), (A.SHORTCUTS, self.show_shortcuts), (A.ABOUT, self._about), (A.QUIT, self.close),
        ):  # fmt: skip
            act(aid, slot)

    def _autoexporter(self) -> AutoExporter:
        """Keep the registered .bib files current while the app runs (a debounced timer thread)."""
        from readinglist.services.autoexport import AutoExporter

        return AutoExporter(self.ctx.lib)

    def start(self) -> None:
        """Load the data and start the background sync (if enabled) once the first rows are
        shown; then show_when_ready()."""
        self.sidebar.start()
        self._sync_finished(None)
        self._sync_start.start()  # ready or not
        self.apply_citation_server()
        # The daily verified backup (newest three kept), once the first paint is long done.
        QTimer.singleShot(BACKUP_DELAY_MS, self._daily_backup)

    def _announce_ready(self) -> None:
        self.ready.emit()
        if not self._closed:  # a ready slot may have closed the window
            self._sync_start.start(0)

    def _start_sync(self) -> None:
        if not self._sync_started:  # once: the fallback may have fired before ready
            self._sync_started = True
            self.sync.start_if_enabled()

    def _daily_backup(self) -> None:
        self.ctx.tasks.run(
            self.ctx.lib.maybe_daily_backup, name="daily backup", on_error=self.ctx.report_error, owner=self
        )

    # -- reacting ----------------------------------------------------------------------------
    def _alert_opened(self, name: str) -> None:
        """An alert lists all its matches; the ones of later syncs not seen yet are marked new
        (and count as seen from now on, so the badge clears)."""
        self.ctx.write(alerts.take_unseen, self.ctx.lib, name, name="alert seen", on_done=self.papers.set_new)

    def _filter_selected(self, key: str, label: str, f: PaperFilter) -> None:
        self._view_label = label
        self._view_key = key
        self._searching = False
        self.ctx.settings.set(keys.SIDEBAR_ITEM, key)
        self.middle.set_search_error("", None)
        self.details.clear_match()
        if self.search.text().strip():
            self.search.clear()  # picking a sidebar item leaves the search
        self._select_first = True
        if key == "feed:foryou":
            self.papers.set_query(f, sort=FOR_YOU, descending=True)
        elif key in ("feed:week", "feed:month") or self.papers.query.sort == FOR_YOU:
            self.papers.set_query(f, sort="upvotes", descending=True)
        else:
            self.papers.set_filter(f)

    def _source_changed(self, source: str) -> None:
        remote = source != "library"
        self.search.set_invalid(None)
        if remote and not self.search.remote:
            self._library_query = self.search.text()  # what the library view was searching
        elif not remote and self.search.remote:
            self.search.setText(self._library_query)  # leaving discovery: the library's query again
        self.search.set_source(source)
        self.pages.setCurrentIndex(int(remote))
        self.right.setCurrentIndex(int(remote))
        if remote:
            self.discover.switch(source, self.search.text())
            self.search.setFocus()
        else:
            self.discover.cancel()
            self.list.setFocus()

    def _search(self, text: str) -> None:
        self.search.set_invalid(None)
        self.middle.set_search_error("", None)
        self._select_first = True
        if text:
            if not self._searching:  # the results are not the sidebar item: do not highlight it
                self._searching = True
                self.sidebar.clear_current()
            self.papers.set_filter(PaperFilter(dismissed=None, query=text))
        elif self._searching:
            self._searching = False
            self.sidebar.select_key(self.sidebar.wanted_key)  # back to the view the search left

    def _query_failed(self, exc: BaseException) -> None:
        query = self.papers.query.filter.query or ""
        self.search.set_invalid(str(exc))
        self.middle.set_search_error(query, str(exc))

    def _show_view(self) -> None:
        snap = self.sidebar.sidebar.snapshot
        q = self.papers.query.filter.query or ""
        self.middle.show_view(
            View(
                key="search" if self._searching else self._view_key,
                label=self._view_label,
                count=self.papers.rowCount(),
                query=q,
                truncated=self.papers.truncated,
                library_empty=snap is not None and snap.counts.get("all", 0) == 0,
                syncing=self.sync.running,
                offline=self.ctx.offline,
                note=self.papers.for_you_note
                if self.papers.query.sort == FOR_YOU and not self._searching
                else "",
            )
        )

    def _loaded(self) -> None:
        n = self.papers.rowCount()
        self._show_view()
        if self._select_first:  # a new view or search starts at its first paper
            self._select_first = False
            if n:
                before = self.list.current_id()
                self.list.select_row(0)
                if self.list.current_id() == before:  # the same paper: say why it matches now
                    self._why(before)
            else:
                self.details.show_row(None)
        self._check_ready()

    def _snapshot(self, snap: Snapshot) -> None:
        colors = {t.name: t.color for t in snap.tags}
        self.papers.set_tag_colors(colors)
        self.details.set_tag_colors(colors)
        self.details.tags.set_completions([t.name for t in snap.tags])
        self.details.list_names = [x.name for x in snap.lists]
        if self.papers.has_loaded:
            self._show_view()
        self._check_ready()

    def _sync_finished(self, _report: object) -> None:
        last = self.ctx.lib.setting("last_sync")  # one row by primary key
        text = f"Feed synced up to {last}" if last else "Feed not synced yet"
        self.sync_label.setText(("Offline · " if self.ctx.offline else "") + text)
        if self.papers.has_loaded:
            self._show_view()

    def _show_paper(self, pid: int | None) -> None:
        self.ctx.bus.current_paper.emit(pid)
        self.topic.update()
        self.for_you.request(pid)
        row = self.papers.cached(pid) if pid is not None else None
        if pid is None or row is not None:
            self.details.show_row(row)
            self._why(pid)
            self._check_ready()
            return
        self.ctx.tasks.run(
            self.ctx.lib.get, pid, on_done=self._fetched, on_error=self.ctx.report_error, owner=self
        )

    def _open_similar(self, pid: int) -> None:
        """A similar paper was clicked: select it in the list, else show it in the details."""
        if self.list.select_id(pid):
            return

        def show(row: PaperRow) -> None:
            self.details.show_row(row)
            self.for_you.request(row.id)

        self.ctx.tasks.run(self.ctx.lib.get, pid, on_done=show, on_error=self.ctx.report_error, owner=self)

    def _for_you_changed(self, changes: Changes) -> None:
        shown = self.details.for_you.paper_id
        if shown is not None and (changes.tags or changes.feed or shown in changes.papers):
            self.for_you.refresh()

    def _fetched(self, row: PaperRow) -> None:
        self.topic.update()
        if row.id == self.list.current_id():
            self.details.show_row(row)
            self._why(row.id)
            self._check_ready()

    def _why(self, pid: int | None) -> None:
        """During a search: ask the core why the shown paper matched (marks, PDF pages)."""
        query = self.papers.query.filter.query if self._searching else None
        if pid is None or not query:
            return

        def done(info: dict[int, MatchInfo]) -> None:
            self.details.show_match(pid, info.get(pid))

        self.ctx.tasks.run(
            self.ctx.lib.match_info, query, [pid], full=True, name="why", owner=self, on_done=done
        )

    def _rows_refreshed(self, ids: list[int]) -> None:
        self.topic.update()
        cur = self.list.current_id()
        if cur is not None and cur in ids:
            self.details.show_row(self.papers.cached(cur))
        self._check_ready()

    def _check_ready(self) -> None:
        if self._ready or not (self.sidebar.loaded and self.papers.has_loaded):
            return
        if self.papers.rowCount() and self.details.row is None:
            return
        self._ready = True
        if self._pending_show:
            self._pending_show = False
            self.show()
        QTimer.singleShot(0, self._announce_ready)
        self._deferred.start()

    def show_when_ready(self, fallback_ms: int = 3000) -> None:
        """Show the window once its first paint is the remembered view with its rows and the
        first paper, not a half-loaded mix (or after ``fallback_ms``, whatever it holds)."""
        if self._ready:
            self.show()
            return
        self._pending_show = True

        def fallback() -> None:
            if self._pending_show:
                self._pending_show = False
                self.show()

        QTimer.singleShot(fallback_ms, fallback)

    @property
    def is_ready(self) -> bool:
        return self._ready

    # -- commands ----------------------------------------------------------------------------
    def _discover(self) -> None:
        """Ctrl+Shift+F: Library → Hugging Face → arXiv → Library."""
        order = ("library", "hf", "arxiv")
        now = self.source.source()
        self.source.set_source(order[(order.index(now) + 1) % len(order)] if now in order else "hf")
        self._focus_search()

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def save_search(self) -> None:
        query = self.search.text().strip()
        if not query:
            self.ctx.bus.info("Type a search first, then save it.")
            return
        dlg = SaveSearchDialog(query, self)
        if prompt.exec_dialog(dlg) and dlg.name.text().strip():
            name = dlg.name.text().strip()
            self.sidebar.wanted_key = f"search:{name}"
            self.ctx.write(alerts.save_search, self.ctx.lib, name, query, alert=dlg.alert.isChecked())
        dlg.deleteLater()

    def export(self) -> None:
        snap = self.sidebar.sidebar.snapshot
        tags = [t.name for t in snap.tags] if snap else []
        lists = [x.name for x in snap.lists] if snap else []
        dlg = ExportDialog(self.list.selected_ids(), tags, lists, str(Path.home()), self)
        if prompt.exec_dialog(dlg):
            run_export(self.ctx, dlg.request())
        dlg.deleteLater()

    def open_settings(self) -> None:
        snap = self.sidebar.sidebar.snapshot
        dlg = SettingsDialog(
            self.ctx,
            [t.name for t in snap.tags] if snap else [],
            [x.name for x in snap.lists] if snap else [],
            self,
        )
        dlg.switch_library.connect(self.switch_library)
        dlg.move_library.connect(self.move_library)
        if prompt.exec_dialog(dlg):
            dlg.apply()
            self.sync.apply_settings()
            self.apply_citation_server()
            apply_appearance(self.ctx.settings)
            self.actions_.refresh_icons()
        dlg.deleteLater()

    def move_library(self, dest: str) -> None:
        """Copy the library to ``dest`` in the background, then switch to the copy."""
        from readinglist.services.relocate import move_library

        old = self.ctx.lib.root

        def run(*, task):  # type: ignore[no-untyped-def]
            return move_library(self.ctx.lib, Path(dest), progress=task.progress, cancelled=task.cancelled)

        def done(new_root: Path) -> None:
            self.ctx.bus.info(
                f"The library now lives in {new_root}. The old folder {old} was kept; delete it when you like."
            )
            self.switch_library.emit(str(new_root))

        h = self.ctx.tasks.run(
            run, context=True, name="move library", on_done=done, on_error=self.ctx.report_error
        )
        self.jobs.track(h, "Moving the library")

    def show_shortcuts(self) -> None:
        ShortcutsWindow(self).show()

    def _about(self) -> None:
        from readinglist import __version__

        self.ctx.bus.info(
            f"readinglist {__version__} — a calm reading list for researchers. Library: {self.ctx.lib.root}"
        )

    def _show_downloads(self) -> None:
        self.downloads_panel.show()
        self.resizeDocks([self.downloads_panel], [200], Qt.Orientation.Vertical)
        self.downloads_panel.raise_()
        self.downloads_panel.table.setFocus()

    def add_by_id(self) -> None:
        """Add papers by arXiv id or URL (metadata from the arXiv API, in a worker)."""
        text = prompt.ask_text(self, "Add papers", "arXiv ids or URLs, separated by spaces:")
        idents = text.split() if text else []
        if not idents:
            return

        def done(ids: list[int]) -> None:
            self.ctx.bus.info(f"Added {plural(len(ids), 'paper')} to the library")
            self.sidebar.wanted_key = "library:library"
            self.sidebar.select_key("library:library")

        h = self.ctx.tasks.run(
            papers.add, self.ctx.lib, idents, name="add papers", on_done=done, on_error=self.ctx.report_error
        )
        self.jobs.track(h, "Adding papers from arXiv")

    def apply_citation_server(self) -> None:
        """Run the editor-plugin server when Settings say so (on the chosen port), else stop it."""
        s = self.ctx.settings
        if not s.get(keys.CITE_SERVER_ON):
            self.citeserver.stop()
            return
        port = s.get(keys.CITE_SERVER_PORT)
        server = self.citeserver.server
        if server is not None and server.port == port:
            return
        try:
            self.citeserver.start(port)
        except Exception as exc:  # a taken port must not stop the app; say how to fix it
            self.ctx.report_error(exc)

    def copy_citation(self) -> None:
        """Copy the selected papers' references in the citation style chosen in Settings."""
        from PySide6.QtGui import QGuiApplication

        from readinglist.services import exporting

        ids = self.list.selected_ids()
        if not ids:
            return
        style = self.ctx.settings.get(keys.CITATION_STYLE)

        def done(text: str) -> None:
            QGuiApplication.clipboard().setText(text.rstrip("\n"))
            self.ctx.bus.info(f"Copied {plural(len(ids), 'reference')} ({style.upper()})")

        self.ctx.tasks.run(exporting.formatted_citation, self.ctx.lib, ids, style, on_done=done,
                           on_error=self.ctx.report_error)  # fmt: skip

    def _import_zotero_dialog(self) -> None:
        from readinglist.errors import NotFoundError
        from readinglist.zotero.locate import find_data_dir

        try:
            start = str(find_data_dir())
        except NotFoundError:
            start = str(Path.home())
        folder = prompt.pick_folder(self, "The Zotero data folder (it holds zotero.sqlite)", start)
        if not folder:
            return
        copy = prompt.confirm(
            self, "Import from Zotero",
            "Copy linked PDFs (files kept outside Zotero's storage folder) into the library too?\n"
            "Cancel leaves them where they are; PDFs in Zotero's storage are always copied.",
            "Copy them",
        )  # fmt: skip
        self.importer.import_zotero(Path(folder), copy_linked=copy)

    def _import_dialog(self) -> None:
        paths = prompt.open_files(
            self,
            "Import references and PDFs",
            str(Path.home()),
            "BibTeX, CSL-JSON, RIS and PDF (*.bib *.json *.ris *.pdf)",
        )
        self.importer.import_paths([Path(p) for p in paths])

    # -- drops, state, closing ---------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and importable(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = importable(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.importer.import_paths(paths)

    def _restore_state(self) -> None:
        s = self.ctx.settings
        if not s.get(keys.GEOMETRY).isEmpty():
            self.restoreGeometry(s.get(keys.GEOMETRY))  # Qt moves it back onto a screen
        else:
            self.resize(first_size(self.screen().availableGeometry().size()))
        if not s.get(keys.WINDOW_STATE).isEmpty():
            self.restoreState(s.get(keys.WINDOW_STATE))
        if not s.get(keys.MAIN_SPLITTER).isEmpty():
            self.splitter.restoreState(s.get(keys.MAIN_SPLITTER))
            self.pane_fit.adopt()
        if not s.get(keys.DETAILS_SPLITTER).isEmpty():
            self.details.splitter.restoreState(s.get(keys.DETAILS_SPLITTER))
        if not s.get(keys.HEADER_STATE).isEmpty():
            self.list.horizontalHeader().restoreState(s.get(keys.HEADER_STATE))
            self.list.show_for_you_columns(False)  # the first load shows them if For you is open
        self.list.apply_header_sort()
        self.sidebar.wanted_key = s.get(keys.SIDEBAR_ITEM)

    def save_state(self) -> None:
        s = self.ctx.settings
        s.set(keys.GEOMETRY, self.saveGeometry())
        s.set(keys.WINDOW_STATE, self.saveState())
        s.set(keys.MAIN_SPLITTER, self.splitter.saveState())
        s.set(keys.DETAILS_SPLITTER, self.details.splitter.saveState())
        s.set(keys.HEADER_STATE, self.list.horizontalHeader().saveState())
        s.set(keys.SIDEBAR_ITEM, self.sidebar.wanted_key)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.details.notes.flush()  # the write is queued on the DB lane, which shutdown() drains
        self.save_state()
        self._closed = True
        self._sync_start.stop()
        self._deferred.stop()
        self.sync.shutdown()
        self.downloads.shutdown()
        self.citeserver.stop()
        self.ctx.tasks.shutdown()
        if self.autoexport is not None:
            self.autoexport.close()  # writes what a last change left pending
        self.ctx.bus.detach()
        self.ctx.bus.blockSignals(True)  # late notifications must not reach closed views
        super().closeEvent(event)

"""The sidebar view and its context menus (reading lists, tags, saved searches).

Emits :attr:`SidebarView.filter_selected` with the item's key, label and filter. Mutations go
through the write lane; the bus brings the refreshed counts back. Selecting an alert marks its
matches seen, so its count goes down once the matches are on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeView, QWidget

from readinglist.lazy import lazy_module
from readinglist.records import PaperFilter
from readinglist.textutil import plural
from ui.dialogs import prompt
from ui.models.context import AppContext
from ui.models.sidebar import KeyRole, Node, SidebarModel, Snapshot, load_snapshot
from ui.tasks import TaskHandle
from ui.views.delegates import SidebarDelegate

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import alerts as alerts_ops
    from readinglist.services import papers, reading_lists, tagging
else:
    alerts_ops = lazy_module("readinglist.services.alerts")
    papers = lazy_module("readinglist.services.papers")
    reading_lists = lazy_module("readinglist.services.reading_lists")
    tagging = lazy_module("readinglist.services.tagging")


class SidebarView(QTreeView):
    filter_selected = Signal(str, str, object)  # key, label, PaperFilter
    snapshot_applied = Signal(object)  # Snapshot
    alert_opened = Signal(str)  # the name of an alert the user opened

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.ctx = ctx
        self.sidebar = SidebarModel(self)
        self.setModel(self.sidebar)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setItemsExpandable(False)
        self.setExpandsOnDoubleClick(False)
        self.setUniformRowHeights(False)
        self.setItemDelegate(SidebarDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.selectionModel().currentChanged.connect(self._current_changed)
        self.sidebar.rowsInserted.connect(
            lambda parent, *_: self.expand(parent) if parent.isValid() else None
        )
        self.sidebar.lists_reordered.connect(
            lambda order: ctx.write(reading_lists.reorder_lists, ctx.lib, order)
        )
        self.sidebar.papers_dropped.connect(self._papers_dropped)
        ctx.bus.changed.connect(self._changed)
        self.wanted_key = "feed:latest"
        self.current_key = ""
        self.loaded = False
        self.detached = False  # True while a search shows instead of any item
        self._applying = False
        self._loading: TaskHandle | None = None
        self._early: Snapshot | None = None  # prefetched, shown at start()
        self.started = False  # nothing loads before the window starts (a sync's changes at launch)

    # -- data --------------------------------------------------------------------------------
    def _changed(self, _changes: object) -> None:
        if self.started:
            self.refresh()
        else:  # the prefetched snapshot may predate this change: start() reads again
            if self._loading is not None:
                self._loading.discard()
            self._loading = self._early = None

    def refresh(self) -> None:
        self.started = True
        if self._loading is not None:
            self._loading.discard()
        self._loading = self._load()

    def prefetch(self) -> None:
        """Read the first snapshot while the rest of the window is built (about 80 ms of SQL at
        100k papers, on a worker, beside 0.2 s of widgets on the GUI thread). It is shown at
        :meth:`start`, not before; a change seen before then drops it (start reads again)."""
        self._loading = self._load(self._prefetched)

    def _prefetched(self, snap: Snapshot) -> None:
        if self.started:
            self._apply(snap)
        else:
            self._loading, self._early = None, snap

    def start(self) -> None:
        """Show the first snapshot (read now, or the prefetched one); changes refresh from now on."""
        self.started = True
        early, self._early = self._early, None
        if early is not None:
            self._apply(early)
        elif self._loading is None:
            self.refresh()

    def _load(self, then: Callable[[Snapshot], None] | None = None) -> TaskHandle:
        return self.ctx.tasks.run(
            load_snapshot,
            self.ctx.lib,
            name="sidebar",
            on_done=then or self._apply,
            on_error=self.ctx.report_error,
            owner=self,
        )

    def _apply(self, snap: Snapshot) -> None:
        self._loading = None
        keep = self.wanted_key
        # Rebuilding a section moves Qt's current item to a neighbour: ignore that, then put
        # the selection back on the item the user had (or wanted, after a rename).
        self._applying = True
        try:
            self.sidebar.apply(snap)
        finally:
            self._applying = False
        node = self.current_node()
        if not self.loaded or (not self.detached and (node is None or node.key != keep)):
            self.loaded = True
            if not self.select_key(keep):
                self.wanted_key = keep  # not there yet (the first sync): take it once it appears
        self.snapshot_applied.emit(snap)

    def select_key(self, key: str) -> bool:
        """Select the item with ``key`` (falling back to the newest feed day, then Library)."""
        self.detached = False
        for k in (key, "feed:latest", "library:library"):
            idx = self.sidebar.index_of_key(k)
            if idx.isValid():
                self.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self.scrollTo(idx)
                return k == key
        return False

    def clear_current(self) -> None:
        """No item is current (a search shows): picking any item, the same one too, leaves it."""
        self._applying = True
        try:
            self.selectionModel().clear()
        finally:
            self._applying = False
        self.current_key = ""
        self.detached = True

    def current_node(self) -> Node | None:
        return self.sidebar.node(self.currentIndex())

    def _current_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        node = self.sidebar.node(current)
        if self._applying or node is None or node.filter is None:
            return
        self.detached = False
        if node.key != self.current_key:
            self.current_key = node.key
            self.wanted_key = node.key
            self.filter_selected.emit(node.key, node.label, node.filter)
        if node.is_alert:
            self.alert_opened.emit(node.label)

    def current_filter(self) -> PaperFilter | None:
        node = self.current_node()
        return node.filter if node else None

    # -- drag and drop -----------------------------------------------------------------------
    def startDrag(self, actions: Qt.DropAction) -> None:
        """Reorder reading lists; the model moves rows itself, so nothing is removed after."""
        indexes = [i for i in self.selectedIndexes() if str(i.data(KeyRole)).startswith("list:")]
        if not indexes:
            return
        drag = QDrag(self)
        drag.setMimeData(self.sidebar.mimeData(indexes))
        drag.exec(Qt.DropAction.MoveAction)

    def _papers_dropped(self, kind: str, name: str, ids: list[int]) -> None:
        if kind == "list":
            self.ctx.write(reading_lists.add, self.ctx.lib, name, ids)
            self.ctx.bus.info(f"Added {plural(len(ids), 'paper')} to “{name}”")
        elif kind == "tag":
            self.ctx.write(papers.tag, self.ctx.lib, ids, [name])
            self.ctx.bus.info(f"Tagged {plural(len(ids), 'paper')} “{name}”")

    # -- context menus -----------------------------------------------------------------------
    def _menu(self, pos: QPoint) -> None:
        node = self.sidebar.node(self.indexAt(pos))
        menu = QMenu(self)
        kind = node.kind if node else ""
        section = node.value if node and node.kind == "section" else kind
        if section == "list":
            menu.addAction("New reading list…", self.new_list)
        if kind == "list" and node:
            menu.addAction("Rename…", lambda: self._rename_list(node.value))
            menu.addAction("Delete", lambda: self._delete_list(node.value))
        if kind == "tag" and node:
            menu.addAction("Colour…", lambda: self._tag_color(node.value, node.color))
            menu.addAction(
                "Remove colour", lambda: self.ctx.write(tagging.set_color, self.ctx.lib, node.value, None)
            )
            menu.addAction("Rename…", lambda: self._rename_tag(node.value))
            menu.addAction("Delete", lambda: self._delete_tag(node.value, node.count or 0))
        if kind == "search" and node:
            menu.addAction("Delete saved search", lambda: self._delete_search(node.label))
        if not menu.isEmpty():
            menu.exec(self.viewport().mapToGlobal(pos))

    def new_list(self) -> None:
        name = prompt.ask_text(self, "New reading list", "Name:")
        if name:
            self.wanted_key = f"list:{name}"
            self.ctx.write(reading_lists.create, self.ctx.lib, name, on_done=lambda _c: None)

    def _rename_list(self, old: str) -> None:
        new = prompt.ask_text(self, "Rename reading list", "New name:", old)
        if new and new != old:
            if self.current_key == f"list:{old}":
                self.wanted_key = f"list:{new}"
            self.ctx.write(reading_lists.rename, self.ctx.lib, old, new)

    def _delete_list(self, name: str) -> None:
        if prompt.confirm(
            self,
            "Delete reading list",
            f"Delete the reading list “{name}”? Its papers stay in the library.",
            "Delete",
        ):
            self.ctx.write(reading_lists.delete, self.ctx.lib, name)

    def _tag_color(self, name: str, color: str | None) -> None:
        new = prompt.pick_color(self, color, f"Colour of “{name}”")
        if new:
            self.ctx.write(tagging.set_color, self.ctx.lib, name, new)

    def _rename_tag(self, old: str) -> None:
        new = prompt.ask_text(self, "Rename tag", "New name (an existing tag's name merges them):", old)
        if new and new != old:
            self.ctx.write(tagging.rename, self.ctx.lib, old, new)

    def _delete_tag(self, name: str, count: int) -> None:
        if prompt.confirm(self, "Delete tag", f"Remove the tag “{name}” from {count} papers?", "Delete"):
            self.ctx.write(tagging.delete, self.ctx.lib, name)

    def _delete_search(self, name: str) -> None:
        if prompt.confirm(self, "Delete saved search", f"Delete the saved search “{name}”?", "Delete"):
            self.ctx.write(alerts_ops.delete_search, self.ctx.lib, name)

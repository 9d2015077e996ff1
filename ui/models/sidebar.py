"""The sidebar: feed days, library views, reading lists, tags and saved searches, as a two-level tree.

Each item knows its :class:`PaperFilter`. A saved search, alert or not, lists every paper its
query matches; an alert's badge counts the matches of later syncs not seen yet, and opening it
marks those as new in the list. The counts come from one snapshot query run in a
worker (:func:`load_snapshot`); :meth:`SidebarModel.apply` updates sections in place when only
counts changed, so the selection and the view's scroll position survive a refresh.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from readinglist.lazy import lazy_module
from readinglist.records import FeedDayInfo, ListInfo, PaperFilter, SavedSearchInfo, TagInfo
from readinglist.services.library import Library
from readinglist.services.trending import Window

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import trending
else:
    trending = lazy_module("readinglist.services.trending")

PAPERS_MIME = "application/x-readinglist-papers"
LIST_MIME = "application/x-readinglist-list"
KeyRole = Qt.ItemDataRole.UserRole + 1
CountRole = Qt.ItemDataRole.UserRole + 2
ColorRole = Qt.ItemDataRole.UserRole + 3
KindRole = Qt.ItemDataRole.UserRole + 4
AlertRole = Qt.ItemDataRole.UserRole + 5
ModelIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # the invisible root: a module-level default (ruff B008)

SECTIONS = (
    ("feed", "Daily feed"),
    ("library", "Library"),
    ("list", "Reading lists"),
    ("tag", "Tags"),
    ("search", "Saved searches"),
)
LIBRARY_VIEWS = (
    ("library", "Library", PaperFilter(saved=True)),
    ("unread", "Unread", PaperFilter(saved=True, status="unread")),
    ("reading", "Reading", PaperFilter(saved=True, status="reading")),
    ("read", "Read", PaperFilter(saved=True, status="read")),
    ("starred", "Starred", PaperFilter(starred=True, dismissed=None)),
    ("dismissed", "Dismissed", PaperFilter(dismissed=True)),
)


@dataclass(frozen=True)
class Snapshot:
    days: tuple[FeedDayInfo, ...]
    counts: dict[str, int]
    lists: tuple[ListInfo, ...]
    tags: tuple[TagInfo, ...]
    searches: tuple[SavedSearchInfo, ...]
    today: dt.date = field(default_factory=dt.date.today)
    for_you: bool = False  # the recommend extra is installed: the newest day also For you
    trending: tuple[tuple[Window, int], ...] = ()  # this week and this month, with their counts


def load_snapshot(lib: Library) -> Snapshot:
    """Everything the sidebar shows (runs in a worker: these are aggregate queries)."""
    from readinglist.recommend import available

    days = tuple(lib.feed_days(60))
    today = dt.date.today()
    newest = next((d.date for d in days if d.date <= today), None)
    windows = [trending.window_of(span, newest) for span in trending.SPANS] if newest else []
    return Snapshot(
        days,
        lib.counts(),
        tuple(lib.reading_lists()),
        tuple(lib.tags()),
        tuple(lib.saved_searches()),
        today=today,
        for_you=available(),
        trending=tuple((w, lib.count(w.filter())) for w in windows),
    )


@dataclass
class Node:
    key: str
    label: str
    kind: str
    value: str = ""
    count: int | None = None
    color: str | None = None
    alert: int = 0  # unseen matches of an alert
    is_alert: bool = False
    filter: PaperFilter | None = None
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0


def day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return "Today"
    if day == today - dt.timedelta(days=1):
        return "Yesterday"
    if (today - day).days < 7:
        return day.strftime("%A")
    return f"{day:%a} {day.day} {day:%b}" + (f" {day.year}" if day.year != today.year else "")


def _children(section: str, snap: Snapshot) -> list[Node]:
    if section == "feed":
        out = []
        if snap.days and snap.for_you:
            d = snap.days[0]
            out.append(
                Node("feed:foryou", "For you", "feed", d.date.isoformat(), d.count,
                     filter=PaperFilter(feed_date=d.date))
            )  # fmt: skip
        for w, count in snap.trending:
            out.append(
                Node(f"feed:{w.span}", f"This {w.span}", "trending", w.label, count, filter=w.filter())
            )
        for n, d in enumerate(snap.days):
            key = "feed:latest" if n == 0 else f"feed:{d.date.isoformat()}"
            out.append(
                Node(key, day_label(d.date, snap.today), "feed", d.date.isoformat(), d.count,
                     filter=PaperFilter(feed_date=d.date))
            )  # fmt: skip
        return out
    if section == "library":
        return [
            Node(f"library:{k}", label, "library", k, snap.counts.get(k, 0), filter=f)
            for k, label, f in LIBRARY_VIEWS
        ]
    if section == "list":
        return [
            Node(f"list:{x.name}", x.name, "list", x.name, x.count,
                 filter=PaperFilter(list_name=x.name, dismissed=None))
            for x in snap.lists
        ]  # fmt: skip
    if section == "tag":
        return [
            Node(f"tag:{t.name}", t.name, "tag", t.name, t.count, t.color,
                 filter=PaperFilter(tags=(t.name,), dismissed=None))
            for t in snap.tags
        ]  # fmt: skip
    return [
        Node(f"search:{s.name}", s.name, "search", s.query, None, alert=s.unseen if s.is_alert else 0,
             is_alert=s.is_alert, filter=PaperFilter(query=s.query, dismissed=None))
        for s in snap.searches
    ]  # fmt: skip


class SidebarModel(QAbstractItemModel):
    lists_reordered = Signal(list)  # new order of reading-list names
    papers_dropped = Signal(str, str, list)  # kind ("list" | "tag"), name, paper ids

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.root = Node("", "", "root")
        for key, label in SECTIONS:
            self.root.children.append(Node(f"section:{key}", label, "section", key, parent=self.root))
        self.snapshot: Snapshot | None = None

    # -- the tree ----------------------------------------------------------------------------
    def _node(self, index: ModelIndex) -> Node:
        return index.internalPointer() if index.isValid() else self.root

    def index(self, row: int, column: int, parent: ModelIndex = ROOT) -> QModelIndex:
        node = self._node(parent)
        if column != 0 or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    def parent(self, index: ModelIndex = ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = self._node(index)
        if node.parent is None or node.parent is self.root:
            return QModelIndex()
        return self.createIndex(node.parent.row(), 0, node.parent)

    def rowCount(self, parent: ModelIndex = ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: ModelIndex = ROOT) -> int:
        return 1

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        n = self._node(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return n.label
        if role == Qt.ItemDataRole.ToolTipRole:
            if n.kind == "search" and n.is_alert:
                new = f" — {n.alert} new since you last looked" if n.alert else ""
                return f"Alert “{n.label}”: papers matching {n.value}; new feed papers are marked{new}"
            if n.kind == "search":
                return f"{n.label}: {n.value}"
            if n.kind == "feed":
                return f"Daily Papers of {n.value}"
            if n.kind == "trending" and n.filter and n.filter.feed_since and n.filter.feed_until:
                a, b = n.filter.feed_since, n.filter.feed_until
                return f"The feed of {n.value} ({a:%a %d %b} to {b:%a %d %b}), most upvoted first"
            return None
        if role == KeyRole:
            return n.key
        if role == CountRole:
            return n.count
        if role == ColorRole:
            return n.color
        if role == KindRole:
            return n.kind
        if role == AlertRole:
            return n.alert
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        n = self._node(index)
        if n.kind == "section":
            f = Qt.ItemFlag.ItemIsEnabled
            return f | Qt.ItemFlag.ItemIsDropEnabled if n.value == "list" else f
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if n.kind == "list":
            f |= Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
        if n.kind == "tag":
            f |= Qt.ItemFlag.ItemIsDropEnabled
        return f

    # -- lookups -----------------------------------------------------------------------------
    def section(self, key: str) -> Node:
        return next(s for s in self.root.children if s.value == key)

    def index_of_key(self, key: str) -> QModelIndex:
        for s in self.root.children:
            for n in s.children:
                if n.key == key:
                    return self.createIndex(n.row(), 0, n)
        return QModelIndex()

    def node(self, index: ModelIndex) -> Node | None:
        return self._node(index) if index.isValid() else None

    def section_index(self, key: str) -> QModelIndex:
        s = self.section(key)
        return self.createIndex(s.row(), 0, s)

    # -- refreshing --------------------------------------------------------------------------
    def apply(self, snap: Snapshot) -> None:
        """Show a new snapshot, touching only what changed."""
        self.snapshot = snap
        for section in self.root.children:
            new = _children(section.value, snap)
            parent = self.createIndex(section.row(), 0, section)
            if [n.key for n in new] == [n.key for n in section.children]:
                for old, fresh in zip(section.children, new, strict=True):
                    old.label, old.count, old.color, old.alert = (
                        fresh.label,
                        fresh.count,
                        fresh.color,
                        fresh.alert,
                    )
                    old.filter, old.value = fresh.filter, fresh.value
                if section.children:
                    top = self.index(0, 0, parent)
                    bottom = self.index(len(section.children) - 1, 0, parent)
                    self.dataChanged.emit(top, bottom)
                continue
            if section.children:
                self.beginRemoveRows(parent, 0, len(section.children) - 1)
                section.children = []
                self.endRemoveRows()
            if new:
                self.beginInsertRows(parent, 0, len(new) - 1)
                for n in new:
                    n.parent = section
                section.children = new
                self.endInsertRows()

    # -- drag and drop -----------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [LIST_MIME, PAPERS_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        names = [self._node(i).value for i in indexes if i.isValid() and self._node(i).kind == "list"]
        md = QMimeData()
        md.setData(LIST_MIME, QByteArray(json.dumps(names).encode()))
        return md

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: ModelIndex
    ) -> bool:
        target = self._node(parent)
        if data.hasFormat(LIST_MIME):
            return (target.kind == "section" and target.value == "list") or (
                target.kind == "list" and row == -1
            )
        if data.hasFormat(PAPERS_MIME):
            return target.kind in ("list", "tag") and row == -1
        return False

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: ModelIndex
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = self._node(parent)
        if data.hasFormat(PAPERS_MIME):
            ids = [int(i) for i in json.loads(bytes(data.data(PAPERS_MIME).data()).decode())]
            self.papers_dropped.emit(target.kind, target.value, ids)
            return True
        moving = json.loads(bytes(data.data(LIST_MIME).data()).decode())
        section = self.section("list")
        names = [n.value for n in section.children]
        if target.kind == "list":  # dropped onto a list: put the moved ones before it
            row = names.index(target.value)
        if row < 0:
            row = len(names)
        before = [n for n in names[:row] if n not in moving]
        after = [n for n in names[row:] if n not in moving]
        order = before + [n for n in moving if n in names] + after
        if order != names:
            self.reorder_section_lists(order)
            self.lists_reordered.emit(order)
        return True

    def reorder_section_lists(self, order: list[str]) -> None:
        """Show the reading lists in ``order`` at once (the database follows on the write lane)."""
        section = self.section("list")
        by_name = {n.value: n for n in section.children}
        self.layoutAboutToBeChanged.emit()
        old = {id(n): n.row() for n in section.children}
        section.children = [by_name[name] for name in order if name in by_name]
        for n in section.children:
            self.changePersistentIndex(self.createIndex(old[id(n)], 0, n), self.createIndex(n.row(), 0, n))
        self.layoutChanged.emit()

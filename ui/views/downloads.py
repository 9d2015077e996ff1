"""PDF downloads: the panel (a dock with per-file progress, rate, cancel, retry) and its controller.

``readinglist.services.downloads.Downloads`` calls back on its worker threads; a small bridge
QObject re-emits those as queued signals, so the model is only touched on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from readinglist.errors import Cancelled, NetworkError
from readinglist.records import Progress
from readinglist.recordtype import replace
from readinglist.textutil import plural
from ui.models.context import AppContext

if TYPE_CHECKING:
    from readinglist.services.downloads import Downloads

ModelIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # the invisible root: a module-level default (ruff B008)


@dataclass(frozen=True)
class Entry:
    paper_id: int
    title: str
    state: str = "queued"  # queued | downloading | done | failed | cancelled
    done: int = 0
    total: int | None = None
    rate: float | None = None
    error: str = ""
    path: str | None = None


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def _looks_offline(exc: BaseException) -> bool:
    """Only for a NetworkError, which only the HTTP stack raises: it is loaded by then (on the
    worker that failed), so this import never loads it on the GUI thread. A download that failed
    before any request (a paper without a PDF, say) must not load it here either."""
    from readinglist.sources.http import looks_offline

    return looks_offline(exc)


class DownloadsModel(QAbstractTableModel):
    HEADERS = ("Paper", "Progress", "Rate", "State")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[Entry] = []

    def rowCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: ModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < 4
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        e = self.entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return e.title
            if col == 1:
                return f"{human_bytes(e.done)} of {human_bytes(e.total)}" if e.total else human_bytes(e.done)
            if col == 2:
                return f"{human_bytes(e.rate)}/s" if e.rate and e.state == "downloading" else ""
            return e.error if e.state == "failed" else e.state.capitalize()
        if role == Qt.ItemDataRole.ToolTipRole:
            return e.error or e.path or e.title
        if role == Qt.ItemDataRole.UserRole:
            return e
        return None

    def row_of(self, paper_id: int) -> int:
        return next((n for n, e in enumerate(self.entries) if e.paper_id == paper_id), -1)

    def upsert(self, entry: Entry) -> None:
        r = self.row_of(entry.paper_id)
        if r < 0:
            self.beginInsertRows(QModelIndex(), len(self.entries), len(self.entries))
            self.entries.append(entry)
            self.endInsertRows()
        else:
            self.entries[r] = entry
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.HEADERS) - 1))

    def get(self, paper_id: int) -> Entry | None:
        r = self.row_of(paper_id)
        return self.entries[r] if r >= 0 else None

    def clear_finished(self) -> None:
        self.beginResetModel()
        self.entries = [e for e in self.entries if e.state in ("queued", "downloading")]
        self.endResetModel()


class ProgressDelegate(QStyledItemDelegate):
    def paint(self, painter, option, index) -> None:  # type: ignore[no-untyped-def]
        e: Entry = index.data(Qt.ItemDataRole.UserRole)
        opt = QStyleOptionProgressBar()
        opt.rect = option.rect.adjusted(2, 4, -2, -4)
        opt.minimum, opt.maximum = 0, 1000
        frac = 1.0 if e.state == "done" else (e.done / e.total if e.total else 0.0)
        opt.progress = int(frac * 1000)
        opt.text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        opt.textVisible = True
        opt.state = option.state
        opt.palette = option.palette
        style = option.widget.style() if option.widget else None
        if style:
            style.drawControl(QStyle.ControlElement.CE_ProgressBar, opt, painter, option.widget)


class _Bridge(QObject):
    progress = Signal(int, object)
    done = Signal(int, object, object)


class DownloadsPanel(QDockWidget):
    def __init__(self, model: DownloadsModel, parent: QWidget | None = None) -> None:
        super().__init__("Downloads", parent)
        self.setObjectName("downloadsDock")
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 6, 6, 6)
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(int(self.table.fontMetrics().height() * 2))
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setItemDelegateForColumn(1, ProgressDelegate(self.table))
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, w in ((1, 180), (2, 90), (3, 160)):
            hh.resizeSection(col, w)
        lay.addWidget(self.table)
        buttons = QHBoxLayout()
        self.cancel_btn = QPushButton("Cancel")
        self.retry_btn = QPushButton("Retry")
        self.open_btn = QPushButton("Open")
        self.clear_btn = QPushButton("Clear finished")
        for b in (self.cancel_btn, self.retry_btn, self.open_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.clear_btn)
        lay.addLayout(buttons)
        self.setWidget(body)
        self.clear_btn.clicked.connect(model.clear_finished)

    def selected(self) -> list[Entry]:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        model: DownloadsModel = self.table.model()  # type: ignore[assignment]
        return [model.entries[r] for r in sorted(rows) if r < len(model.entries)]


class DownloadsController(QObject):
    """Starts downloads on the core service and keeps the panel and the paper list current."""

    def __init__(
        self, ctx: AppContext, on_active: Callable[[set[int]], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = DownloadsModel(self)
        self.on_active = on_active
        self._service: Downloads | None = None
        self._then: dict[int, Callable[[str], None]] = {}
        self._bridge = _Bridge(self)
        self._bridge.progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        self._bridge.done.connect(self._done, Qt.ConnectionType.QueuedConnection)

    def service(self) -> Downloads:
        if self._service is None:
            from readinglist.services.downloads import Downloads

            self._service = Downloads(self.ctx.lib, concurrency=3)
        return self._service

    def active(self) -> set[int]:
        return {e.paper_id for e in self.model.entries if e.state in ("queued", "downloading")}

    def start(self, rows: list[tuple[int, str]], then: Callable[[str], None] | None = None) -> None:
        """Download the PDFs of (paper id, title) pairs; ``then(path)`` for the first when done."""
        ids = []
        for pid, title in rows:
            e = self.model.get(pid)
            if e is not None and e.state in ("queued", "downloading"):
                continue
            self.model.upsert(Entry(pid, title))
            ids.append(pid)
        if then is not None and rows:
            self._then[rows[0][0]] = then
        self.on_active(self.active())
        if ids:
            # start() looks up URLs and existing files: database work, so not on the GUI thread.
            self.ctx.tasks.run(
                self.service().start, ids, self._bridge.progress.emit, self._bridge.done.emit,
                name="start downloads", on_error=self.ctx.report_error,
            )  # fmt: skip

    def _progress(self, pid: int, p: Progress) -> None:
        e = self.model.get(pid)
        if e is not None and e.state in ("queued", "downloading"):
            self.model.upsert(replace(e, state="downloading", done=p.done, total=p.total, rate=p.rate))

    def _done(self, pid: int, path: str | None, exc: BaseException | None) -> None:
        e = self.model.get(pid) or Entry(pid, f"#{pid}")
        then = self._then.pop(pid, None)
        if exc is None:
            self.model.upsert(replace(e, state="done", path=path, done=e.total or e.done, rate=None))
            self.ctx.set_online(True)  # a download got through: "Offline" and its notes go
            if then and path:
                then(path)
        elif isinstance(exc, Cancelled):
            self.model.upsert(replace(e, state="cancelled", rate=None))
        else:
            self.model.upsert(replace(e, state="failed", error=str(exc), rate=None))
            if isinstance(exc, NetworkError) and ("offline" in str(exc) or _looks_offline(exc)):
                self.ctx.set_online(False)
        self._report_failures()
        self.on_active(self.active())

    def _report_failures(self) -> None:
        """One note for every failed download, updated as they fail; gone once none is left
        failed (retried successfully, or cancelled)."""
        failed = [e for e in self.model.entries if e.state == "failed"]
        if not failed:
            self.ctx.bus.resolve("download")
        elif len(failed) == 1:
            e = failed[0]
            self.ctx.bus.warning(f"Could not download “{e.title}”: {e.error}", topic="download")
        else:
            self.ctx.bus.warning(
                f"Could not download {plural(len(failed), 'PDF')}; View → Downloads lists them, with Retry.",
                "\n".join(f"{e.title}: {e.error}" for e in failed),
                topic="download",
            )

    def cancel(self, ids: list[int]) -> None:
        for pid in ids:
            if self._service is not None:
                self._service.cancel(pid)

    def cancel_all(self) -> None:
        if self._service is not None:
            self._service.cancel_all()

    def retry(self, entries: list[Entry]) -> None:
        self.start([(e.paper_id, e.title) for e in entries if e.state in ("failed", "cancelled")])

    def shutdown(self) -> None:
        if self._service is not None:
            self._service.shutdown()
            self._service = None

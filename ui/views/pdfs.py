"""Opening and downloading PDFs from the paper list: the reader when installed, else the system viewer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from readinglist.records import PaperRow
from ui import settings as keys
from ui.models.context import AppContext
from ui.views.downloads import DownloadsController, DownloadsPanel
from ui.views.paper_list import PaperListView


class PdfActions(QObject):
    def __init__(
        self,
        ctx: AppContext,
        view: PaperListView,
        downloads: DownloadsController,
        panel: DownloadsPanel,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.ctx, self.view, self.downloads, self.panel, self.window = ctx, view, downloads, panel, window

    def _selected_rows(self) -> list[PaperRow]:
        return [r for pid in self.view.selected_ids() if (r := self.view.papers.cached(pid))]

    def download_selected(self) -> None:
        rows = self._selected_rows()
        if rows:
            self.downloads.start([(r.id, r.title) for r in rows])
            if len(rows) > 1:
                self.panel.show()

    def maybe_autodownload(self, ids: list[int]) -> None:
        """After a save: fetch the PDFs too, when the user asked for that in Settings."""
        if self.ctx.settings.get(keys.AUTO_DOWNLOAD):
            rows = [r for i in ids if (r := self.view.papers.cached(i)) and not r.pdf]
            if rows:
                self.downloads.start([(r.id, r.title) for r in rows])

    def open_current(self) -> None:
        """``o``: open the current paper's PDF, downloading it first if needed."""
        pid = self.view.current_id()
        row = self.view.papers.cached(pid) if pid is not None else None
        if row is None:
            return
        if row.pdf and Path(row.pdf).is_file():
            self.open_path(row.id, row.pdf)
        else:
            self.ctx.bus.info(f"Downloading the PDF of “{row.title}”…")
            self.downloads.start([(row.id, row.title)], then=lambda path: self.open_path(row.id, path))

    def open_path(self, pid: int, path: str | None) -> None:
        """The built-in reader when it is installed, else the system's PDF viewer."""
        if not path:
            return
        from ui.reader import open_reader

        open_reader(self.window, self.ctx.lib, pid, path)

    def open_in_browser(self) -> None:
        for r in self._selected_rows()[:10]:
            if r.arxiv_id:
                QDesktopServices.openUrl(QUrl(f"{self.ctx.lib.endpoints.arxiv}/abs/{r.arxiv_id}"))

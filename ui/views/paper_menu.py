"""The paper list's context menu and the commands only it offers (Hugging Face page, folder,
links, rekey, delete). Every item acts on the whole selection and is an action of the registry,
so the menu, the menu bar and the shortcuts stay one thing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from readinglist.lazy import lazy_module
from readinglist.records import PaperRow
from readinglist.textutil import plural
from ui.actions import ActionId, Actions
from ui.dialogs import prompt
from ui.models.context import AppContext
from ui.models.papers import STATUS_LABELS
from ui.views.paper_list import PaperListView
from ui.views.triage import Triage

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import citations, reading_lists
else:
    citations = lazy_module("readinglist.services.citations")
    reading_lists = lazy_module("readinglist.services.reading_lists")

A = ActionId
OPEN: tuple[ActionId, ...] = (A.OPEN_PDF, A.DOWNLOAD_PDF, A.SHOW_IN_FOLDER)
TRIAGE = (A.SAVE, A.DISMISS, A.DISMISS_TOPIC, A.STAR)
CITE = (A.COPY_BIBTEX, A.COPY_CITEKEY, A.COPY_LINK, A.REKEY)
WEB = (A.OPEN_IN_BROWSER, A.OPEN_ON_HF)


class PaperMenu(QObject):
    """Builds the menu for the selection; owns the commands that exist only here."""

    def __init__(
        self,
        ctx: AppContext,
        view: PaperListView,
        actions: Actions,
        triage: Triage,
        list_names: Callable[[], list[str]],
        tag_names: Callable[[], list[str]],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.view, self.actions, self.triage = ctx, view, actions, triage
        self.list_names, self.tag_names = list_names, tag_names
        self.menu: QMenu | None = None

    def rows(self) -> list[PaperRow]:
        return [r for pid in self.view.selected_ids() if (r := self.view.papers.cached(pid)) is not None]

    # -- the menu ----------------------------------------------------------------------------
    def build(self) -> QMenu:
        """The menu for the current selection (also used by tests, which never exec it)."""
        rows = self.rows()
        menu = QMenu(self.view)
        menu.setObjectName("paperMenu")
        a = self.actions
        has_pdf = any(r.pdf for r in rows)
        a[A.SHOW_IN_FOLDER].setEnabled(has_pdf)
        a[A.OPEN_ON_HF].setEnabled(any(r.arxiv_id for r in rows))
        a[A.OPEN_IN_BROWSER].setEnabled(any(r.arxiv_id for r in rows))
        a[A.REKEY].setEnabled(len(rows) == 1)
        a[A.SAVE].setText("Remove from library" if rows and all(r.saved for r in rows) else "Save to library")
        a[A.DISMISS].setText("Restore to the feed" if rows and all(r.dismissed for r in rows) else "Dismiss")
        a[A.STAR].setText("Unstar" if rows and all(r.starred for r in rows) else "Star")
        for group in (OPEN, TRIAGE):
            for aid in group:
                menu.addAction(a[aid])
            menu.addSeparator()
        self._status_menu(menu, rows)
        self._lists_menu(menu, rows)
        self._tags_menu(menu, rows)
        menu.addSeparator()
        for group in (CITE, WEB):
            for aid in group:
                menu.addAction(a[aid])
            menu.addSeparator()
        menu.addAction(a[A.DELETE])
        self.menu = menu
        return menu

    def _status_menu(self, menu: QMenu, rows: list[PaperRow]) -> None:
        sub = menu.addMenu("Reading status")
        current = {r.status for r in rows if r.saved}
        for key, label in STATUS_LABELS.items():
            act = QAction(label, sub)
            act.setCheckable(True)
            act.setChecked(current == {key} and all(r.saved for r in rows))
            act.triggered.connect(lambda *_, k=key: self.triage.set_status(k))
            sub.addAction(act)

    def _lists_menu(self, menu: QMenu, rows: list[PaperRow]) -> None:
        sub = menu.addMenu("Add to reading list")
        names = self.list_names()
        for name in names:
            inside = bool(rows) and all(name in r.lists for r in rows)
            act = QAction(name, sub)
            act.setCheckable(True)
            act.setChecked(inside)
            act.triggered.connect(lambda on, n=name: self.triage.toggle_list(n, on))
            sub.addAction(act)
        if names:
            sub.addSeparator()
        sub.addAction("New reading list…", self._new_list)

    def _tags_menu(self, menu: QMenu, rows: list[PaperRow]) -> None:
        sub = menu.addMenu("Tags")
        sub.addAction(self.actions[A.TAG])
        names = self.tag_names()
        if names:
            sub.addSeparator()
        for name in names[:30]:
            act = QAction(name, sub)
            act.setCheckable(True)
            act.setChecked(bool(rows) and all(name in r.tags for r in rows))
            act.triggered.connect(
                lambda on, n=name: self.triage.add_tags([n]) if on else self.triage.remove_tag(n)
            )
            sub.addAction(act)

    def popup(self, pos: QPoint) -> None:
        """Right-click: a row outside the selection becomes the selection first (Zotero, JabRef)."""
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return
        if idx.row() not in {i.row() for i in self.view.selectionModel().selectedRows()}:
            self.view.select_row(idx.row())
        self.build().popup(self.view.viewport().mapToGlobal(pos))

    # -- commands ----------------------------------------------------------------------------
    def _new_list(self) -> None:
        ids = self.view.selected_ids()
        name = prompt.ask_text(self.view, "New reading list", "Name:")
        if name and ids:
            lib = self.ctx.lib
            self.ctx.write(
                lambda: reading_lists.create(lib, name) | reading_lists.add(lib, name, ids), name="new list"
            )

    def open_on_hf(self) -> None:
        for r in self.rows()[:10]:
            if r.arxiv_id:
                QDesktopServices.openUrl(QUrl(f"{self.ctx.lib.endpoints.hf}/papers/{r.arxiv_id}"))

    def show_in_folder(self) -> None:
        folders = list(dict.fromkeys(str(Path(r.pdf).parent) for r in self.rows() if r.pdf))
        for f in folders[:3]:
            QDesktopServices.openUrl(QUrl.fromLocalFile(f))
        if not folders:
            self.ctx.bus.info("None of the selected papers has a PDF yet.")

    def copy_link(self) -> None:
        arxiv = self.ctx.lib.endpoints.arxiv
        links = [
            f"{arxiv}/abs/{r.arxiv_id}" if r.arxiv_id else f"https://doi.org/{r.doi}"
            for r in self.rows()
            if r.arxiv_id or r.doi
        ]
        if links:
            QGuiApplication.clipboard().setText("\n".join(links))
            self.ctx.bus.info(f"Copied {plural(len(links), 'link')}")

    def rekey(self) -> None:
        rows = self.rows()
        if len(rows) != 1:
            return
        row = rows[0]
        new = prompt.ask_text(
            self.view,
            "Change citation key",
            "New citation key (leave as is and press OK to make one from the pattern):",
            row.citekey or "",
        )
        if new is None:
            return
        key = None if new == row.citekey else new

        def done(result: str) -> None:
            QGuiApplication.clipboard().setText(result)
            self.ctx.bus.info(f"The citation key is now {result} (copied)")

        self.ctx.write(citations.rekey, self.ctx.lib, row.id, key, name="rekey", on_done=done)

"""Keyboard triage on the selected papers: save, dismiss, status, star, tags, delete, and undo.

Every change goes through the serial write lane. Undo and redo are the library's own history
(the command line's ``readinglist undo`` undoes the same steps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from readinglist.lazy import lazy_module
from readinglist.records import PaperRow, UndoResult
from readinglist.texdisplay import tex_to_unicode
from readinglist.textutil import plural
from ui.dialogs import prompt
from ui.models.context import AppContext
from ui.views.paper_list import PaperListView

if TYPE_CHECKING:  # loaded on first use (the window starts without SQLAlchemy)
    from readinglist.services import history, papers, reading_lists
else:
    history = lazy_module("readinglist.services.history")
    papers = lazy_module("readinglist.services.papers")
    reading_lists = lazy_module("readinglist.services.reading_lists")

NEXT_STATUS = {"unread": "reading", "reading": "read", "read": "unread"}


class Triage(QObject):
    def __init__(self, ctx: AppContext, view: PaperListView, on_saved: Callable[[list[int]], None]) -> None:
        super().__init__(view)
        self.ctx = ctx
        self.view = view
        self.on_saved = on_saved

    # -- helpers -----------------------------------------------------------------------------
    def _rows(self) -> list[PaperRow]:
        return [r for pid in self.view.selected_ids() if (r := self.view.papers.cached(pid)) is not None]

    def _plural(self, rows: list[PaperRow]) -> str:
        if len(rows) != 1:
            return f"{len(rows)} papers"
        return f"“{' '.join(tex_to_unicode(rows[0].title).split())}”"  # the banner elides

    # -- the keys ----------------------------------------------------------------------------
    def save(self) -> None:
        rows = self._rows()
        if not rows:
            return
        ids = [r.id for r in rows]
        if all(r.saved for r in rows):
            self.ctx.write(papers.save, self.ctx.lib, ids, False, name="unsave")
            self.ctx.bus.info(f"Removed {self._plural(rows)} from the library (Ctrl+Z undoes)")
        else:
            self.ctx.write(papers.save, self.ctx.lib, ids, name="save")
            self.ctx.bus.info(f"Saved {self._plural(rows)}")
            self.on_saved(ids)

    def dismiss(self) -> None:
        rows = self._rows()
        if not rows:
            return
        ids = [r.id for r in rows]
        undismiss = all(r.dismissed for r in rows)
        if not undismiss:
            self.move_past(ids)
        self.ctx.write(papers.dismiss, self.ctx.lib, ids, not undismiss, name="dismiss")
        verb = "Restored" if undismiss else "Dismissed"
        where = " to the feed" if undismiss else ""
        self.ctx.bus.info(f"{verb} {self._plural(rows)}{where} — Ctrl+Z undoes")

    def move_past(self, ids: list[int]) -> None:
        """Select the paper after the last dismissed one (or before, at the end of the list)."""
        m = self.view.papers
        gone = set(ids)
        rows = [m.row_of(i) for i in ids if m.row_of(i) >= 0]
        if not rows:
            return
        for r in [*range(max(rows) + 1, m.rowCount()), *range(min(rows) - 1, -1, -1)]:
            if m.ids[r] not in gone:
                self.view.select_row(r)
                return

    def cycle_status(self) -> None:
        rows = self._rows()
        if not rows:
            return
        current = self.view.papers.cached(self.view.current_id() or -1) or rows[0]
        status = NEXT_STATUS.get(current.status, "unread") if current.saved else "reading"
        self.set_status(status, rows)

    def set_status(self, status: str, rows: list[PaperRow] | None = None) -> None:
        rows = rows if rows is not None else self._rows()
        if not rows:
            return
        ids = [r.id for r in rows]
        # Reading a paper keeps it: the core saves what it marks.
        self.ctx.write(papers.set_status, self.ctx.lib, ids, status, name="status")
        if not all(r.saved for r in rows):
            self.on_saved([r.id for r in rows if not r.saved])
        self.ctx.bus.info(f"Marked {self._plural(rows)} as {status}")

    def star(self, on: bool | None = None) -> None:
        rows = self._rows()
        if not rows:
            return
        value = (not all(r.starred for r in rows)) if on is None else on
        self.ctx.write(papers.star, self.ctx.lib, [r.id for r in rows], value, name="star")

    def set_saved(self, on: bool) -> None:
        rows = self._rows()
        if rows and any(r.saved != on for r in rows):
            self.ctx.write(papers.save, self.ctx.lib, [r.id for r in rows], on, name="save")
            if on:
                self.on_saved([r.id for r in rows])

    def undo(self) -> None:
        """Undo the newest step of the library's history (the CLI's too), then show its papers."""
        self.ctx.write(history.undo, self.ctx.lib, name="undo", on_done=lambda r: self._stepped("Undid", r))

    def redo(self) -> None:
        self.ctx.write(history.redo, self.ctx.lib, name="redo", on_done=lambda r: self._stepped("Redid", r))

    def _stepped(self, verb: str, result: UndoResult) -> None:
        self.ctx.bus.info(f"{verb} “{result.label}”")
        if result.conflicts:
            self.ctx.bus.info(f"{plural(len(result.conflicts), 'change')} made since were kept as they are")
        if result.papers:
            self.view.select_soon(result.papers[0])

    def delete(self) -> None:
        """Delete the selection from the library, after a confirmation that says Ctrl+Z undoes it."""
        rows = self._rows()
        if not rows:
            return
        notes = sum(1 for r in rows if r.note.strip())
        pdfs = sum(1 for r in rows if r.pdf)
        extra = [plural(notes, "note")] if notes else []
        if pdfs:
            extra.append(plural(pdfs, "PDF"))
        gone = "their tags, list places, annotations" + (" and " + ", ".join(extra) if extra else "")
        text = f"Delete {self._plural(rows)} from the library, with {gone}?\n\nCtrl+Z undoes it."
        if not prompt.confirm(self.view, "Delete papers", text, "Delete"):
            return
        ids = [r.id for r in rows]
        self.move_past(ids)
        self.ctx.write(papers.delete_papers, self.ctx.lib, ids, name="delete")
        self.ctx.bus.info(f"Deleted {self._plural(rows)} — Ctrl+Z undoes")

    # -- tags and lists ----------------------------------------------------------------------
    def add_tags(self, names: list[str]) -> None:
        ids = self.view.selected_ids()
        if ids:
            self.ctx.write(papers.tag, self.ctx.lib, ids, names, name="tag")

    def remove_tag(self, name: str) -> None:
        ids = self.view.selected_ids()
        if ids:
            self.ctx.write(papers.tag, self.ctx.lib, ids, [name], remove=True, name="untag")

    def confirm_tag(self, name: str) -> None:
        """An auto tag of the shown paper becomes the user's own (one click on its chip)."""
        from readinglist.services import autotag

        ids = self.view.selected_ids()
        if len(ids) == 1:
            self.ctx.write(autotag.confirm, self.ctx.lib, ids[0], [name], name="confirm tag")

    def toggle_list(self, name: str, on: bool) -> None:
        ids = self.view.selected_ids()
        if ids:
            fn = reading_lists.add if on else reading_lists.remove
            self.ctx.write(fn, self.ctx.lib, name, ids, name="list")

    # -- citations ---------------------------------------------------------------------------
    def copy_bibtex(self) -> None:
        ids = self.view.selected_ids()
        if not ids:
            return
        from readinglist.services import citations

        def done(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self.ctx.bus.info(f"Copied the BibTeX of {plural(len(ids), 'paper')}")

        self.ctx.tasks.run(
            citations.bibtex_for, self.ctx.lib, ids, on_done=done, on_error=self.ctx.report_error
        )

    def copy_citekey(self) -> None:
        keys = [r.citekey for r in self._rows() if r.citekey]
        if keys:
            QGuiApplication.clipboard().setText(",".join(keys))
            self.ctx.bus.info(f"Copied {', '.join(keys)}")

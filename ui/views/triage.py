"""Keyboard triage on the selected papers: save, dismiss, status, star, tags, and undo.

Every change goes through the serial write lane; the previous state is remembered (from the
rows the list already holds) so Ctrl+Z can put it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from readinglist.records import Changes, PaperRow
from readinglist.services.library import Library
from ui.models.context import AppContext
from ui.views.paper_list import PaperListView

NEXT_STATUS = {"unread": "reading", "reading": "read", "read": "unread"}


@dataclass(frozen=True)
class Before:
    """What a triage step changed, per paper, so it can be undone."""

    label: str
    rows: tuple[tuple[int, bool, bool, bool, str], ...]  # id, saved, dismissed, starred, status


def restore(lib: Library, before: Before) -> Changes:
    """Put papers back as they were (runs on the write lane)."""
    changes = Changes()
    for flag, fn in ((1, lib.save), (2, lib.dismiss), (3, lib.star)):
        for value in (True, False):
            ids = [r[0] for r in before.rows if r[flag] is value]
            if ids:
                changes |= fn(ids, value)
    for status in ("unread", "reading", "read"):
        ids = [r[0] for r in before.rows if r[4] == status]
        if ids:
            changes |= lib.set_status(ids, status)
    return changes


def save_with_status(lib: Library, ids: list[int], status: str) -> Changes:
    """``r`` on a paper not yet kept: reading it means keeping it."""
    return lib.save(ids) | lib.set_status(ids, status)


class Triage(QObject):
    def __init__(self, ctx: AppContext, view: PaperListView, on_saved: Callable[[list[int]], None]) -> None:
        super().__init__(view)
        self.ctx = ctx
        self.view = view
        self.on_saved = on_saved
        self.undo_stack: list[Before] = []

    # -- helpers -----------------------------------------------------------------------------
    def _rows(self) -> list[PaperRow]:
        return [r for pid in self.view.selected_ids() if (r := self.view.papers.cached(pid)) is not None]

    def _remember(self, label: str, rows: list[PaperRow]) -> None:
        self.undo_stack.append(
            Before(label, tuple((r.id, r.saved, r.dismissed, r.starred, r.status) for r in rows))
        )
        del self.undo_stack[:-50]

    def _plural(self, rows: list[PaperRow]) -> str:
        return f"{len(rows)} papers" if len(rows) != 1 else f"“{rows[0].title[:60]}”"

    # -- the keys ----------------------------------------------------------------------------
    def save(self) -> None:
        rows = self._rows()
        if not rows:
            return
        ids = [r.id for r in rows]
        self._remember("save", rows)
        if all(r.saved for r in rows):
            self.ctx.write(self.ctx.lib.save, ids, False, name="unsave")
            self.ctx.bus.info(f"Removed {self._plural(rows)} from the library (Ctrl+Z undoes)")
        else:
            self.ctx.write(self.ctx.lib.save, ids, name="save")
            self.ctx.bus.info(f"Saved {self._plural(rows)}")
            self.on_saved(ids)

    def dismiss(self) -> None:
        rows = self._rows()
        if not rows:
            return
        ids = [r.id for r in rows]
        self._remember("dismiss", rows)
        undismiss = all(r.dismissed for r in rows)
        if not undismiss:
            self._move_past(ids)
        self.ctx.write(self.ctx.lib.dismiss, ids, not undismiss, name="dismiss")

    def _move_past(self, ids: list[int]) -> None:
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
        self._remember("status", rows)
        ids = [r.id for r in rows]
        if all(r.saved for r in rows):
            self.ctx.write(self.ctx.lib.set_status, ids, status, name="status")
        else:
            self.ctx.write(save_with_status, self.ctx.lib, ids, status, name="status")
            self.on_saved([r.id for r in rows if not r.saved])
        self.ctx.bus.info(f"Marked {self._plural(rows)} as {status}")

    def star(self, on: bool | None = None) -> None:
        rows = self._rows()
        if not rows:
            return
        self._remember("star", rows)
        value = (not all(r.starred for r in rows)) if on is None else on
        self.ctx.write(self.ctx.lib.star, [r.id for r in rows], value, name="star")

    def set_saved(self, on: bool) -> None:
        rows = self._rows()
        if rows and any(r.saved != on for r in rows):
            self._remember("save", rows)
            self.ctx.write(self.ctx.lib.save, [r.id for r in rows], on, name="save")
            if on:
                self.on_saved([r.id for r in rows])

    def undo(self) -> None:
        if not self.undo_stack:
            self.ctx.bus.info("Nothing to undo")
            return
        before = self.undo_stack.pop()
        self.ctx.write(restore, self.ctx.lib, before, name="undo")
        self.ctx.bus.info(
            f"Undid {before.label} of {len(before.rows)} paper{'s' if len(before.rows) != 1 else ''}"
        )
        if len(before.rows) == 1:
            self.view.select_id(before.rows[0][0])

    # -- tags and lists ----------------------------------------------------------------------
    def add_tags(self, names: list[str]) -> None:
        ids = self.view.selected_ids()
        if ids:
            self.ctx.write(self.ctx.lib.tag, ids, names, name="tag")

    def remove_tag(self, name: str) -> None:
        ids = self.view.selected_ids()
        if ids:
            self.ctx.write(self.ctx.lib.tag, ids, [name], remove=True, name="untag")

    def toggle_list(self, name: str, on: bool) -> None:
        ids = self.view.selected_ids()
        if ids:
            fn = self.ctx.lib.add_to_list if on else self.ctx.lib.remove_from_list
            self.ctx.write(fn, name, ids, name="list")

    # -- citations ---------------------------------------------------------------------------
    def copy_bibtex(self) -> None:
        ids = self.view.selected_ids()
        if not ids:
            return
        from readinglist.services import citations

        def done(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self.ctx.bus.info(f"Copied the BibTeX of {len(ids)} paper{'s' if len(ids) != 1 else ''}")

        self.ctx.tasks.run(
            citations.bibtex_for, self.ctx.lib, ids, on_done=done, on_error=self.ctx.report_error
        )

    def copy_citekey(self) -> None:
        keys = [r.citekey for r in self._rows() if r.citekey]
        if keys:
            QGuiApplication.clipboard().setText(",".join(keys))
            self.ctx.bus.info(f"Copied {', '.join(keys)[:80]}")

"""The reader's annotations: a local copy edited instantly, written to the library on the worker.

Every edit changes the local copy at once (the overlay repaints in the same event) and queues
the service call on the reader's worker thread, which also owns PyMuPDF: with the library's
``write_annotations_to_pdf`` setting the service rewrites the PDF, so it must run there. Jobs run
in order, so an undo queued after an add always finds the id the add produced.

Undo and redo are the library's own history (shared with the main window and the command line):
each user edit is one step there (a highlight over a page break too), and undo runs on the
worker and then re-reads the paper's annotations. Annotations are addressed by a local *key*
(stable for the window's life); the database id is learnt on the worker (``_ids``); an undone
deletion comes back under its old id, so it gets its old key back.

While the user drags an annotation, :meth:`AnnotationModel.set_live` shows it at the pointer
(drawn and hit-tested there, not stored); the drop is one undoable edit.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from readinglist.errors import StaleWriteError
from readinglist.records import AnnotationRecord, Changes
from readinglist.recordtype import replace
from readinglist.services import annotations as service
from readinglist.services import history
from readinglist.services.library import Library
from ui.reader.worker import PRIORITY_WRITE, PdfWorker


def _order(rec: AnnotationRecord) -> tuple[int, float, float]:
    """Page, then top to bottom and left to right (as readinglist.annotations_md.reading_order)."""
    points = [rec.rects[0][:2]] if rec.rects else [p for stroke in rec.ink for p in stroke] or [(0.0, 0.0)]
    return (rec.page, min(p[1] for p in points), min(p[0] for p in points))


def _forget(lib: Library, listener: Callable[[Changes], None], *_: object) -> None:
    """A model is gone (even without its window's close): the library stops calling it."""
    if listener in lib.on_change:
        lib.on_change.remove(listener)


class AnnotationModel(QObject):
    changed = Signal()  # the set or content of annotations changed (locally)
    selectionChanged = Signal(object)  # key or None
    saved = Signal()  # a write reached the database
    failed = Signal(str)
    historyChanged = Signal(object, object)  # label undo would undo, label redo would redo (or None)
    _elsewhere = Signal(object)  # a committed change, from whichever thread committed it

    def __init__(self, lib: Library, paper_id: int, worker: PdfWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lib, self.paper_id, self.worker = lib, paper_id, worker
        self._records: dict[int, AnnotationRecord] = {}
        self._ids: dict[int, int] = {}  # key -> database id; written on the worker thread
        self._live: dict[int, AnnotationRecord] = {}  # key -> where it is being dragged
        self._keys = itertools.count(1)
        self._steps: dict[int, int] = {}  # key -> the history step that created it
        self.selected: int | None = None
        self.writes_pending = 0
        self.undo_label: str | None = None
        self.redo_label: str | None = None
        self._elsewhere.connect(self._changed_elsewhere, Qt.ConnectionType.QueuedConnection)
        # One listener object, kept, so detach() removes exactly it; it never touches the
        # model once the model is gone (the library may notify from any thread, at any time).
        self._listening = True
        self._listener = self._post
        lib.on_change.append(self._listener)
        self.destroyed.connect(functools.partial(_forget, lib, self._listener))

    def _post(self, changes: Changes) -> None:
        if self._listening:
            try:
                self._elsewhere.emit(changes)
            except RuntimeError:  # the C++ side went first (the window is being destroyed)
                self._listening = False

    def detach(self) -> None:
        """Stop following the library's changes (the window closes)."""
        self._listening = False
        if self._listener in self.lib.on_change:
            self.lib.on_change.remove(self._listener)

    def _changed_elsewhere(self, changes: Changes) -> None:
        """The main window (an undo there, say) changed this paper's annotations: re-read them.
        Our own writes notify too, but while one is pending the local copy is the newer one."""
        if not changes.history:
            return
        if self.paper_id in changes.annotations and self.writes_pending == 0:
            self.worker.submit(self._job_reload, priority=PRIORITY_WRITE, done=self._reloaded, owner=self)
        self.refresh_history()

    def _reloaded(self, records: list[AnnotationRecord]) -> None:
        if self.writes_pending == 0:
            self.merge(records)

    # -- reading -----------------------------------------------------------------------------
    def load(self, records: list[AnnotationRecord]) -> None:
        """Replace everything with what the database holds (after opening, or after a failure)."""
        self._records.clear()
        self._ids.clear()
        self._live.clear()
        for rec in records:
            key = next(self._keys)
            self._records[key] = rec
            if rec.id is not None:
                self._ids[key] = rec.id
        self.select(None)
        self.changed.emit()
        self.refresh_history()

    def merge(self, records: list[AnnotationRecord]) -> None:
        """Take what the database holds now (after an undo), keeping each annotation's key."""
        by_id = {i: k for k, i in self._ids.items()}
        fresh: dict[int, AnnotationRecord] = {}
        for rec in records:
            key = by_id.get(rec.id) if rec.id is not None else None
            if key is None:
                key = next(self._keys)
                if rec.id is not None:
                    self._ids[key] = rec.id
            fresh[key] = rec
        for key in set(self._ids) - set(fresh):
            del self._ids[key]
        self._records = fresh
        self._live = {k: v for k, v in self._live.items() if k in fresh}
        if self.selected not in fresh:
            self.select(None)
        self.changed.emit()

    def items(self) -> list[tuple[int, AnnotationRecord]]:
        """(key, record) in reading order."""
        return sorted(self._records.items(), key=lambda item: (_order(item[1]), item[0]))

    def on_page(self, page: int) -> list[tuple[int, AnnotationRecord]]:
        """(key, record) on a page, as shown: a dragged annotation where it is being dragged."""
        return [(k, self._live.get(k, r)) for k, r in self._records.items() if r.page == page]

    def set_live(self, key: int, record: AnnotationRecord | None) -> None:
        """Show ``record`` in place of annotation ``key`` until cleared with None (a drag's
        preview: neither stored nor undoable; the caller repaints)."""
        if record is None or key not in self._records:
            self._live.pop(key, None)
        else:
            self._live[key] = record

    def get(self, key: int) -> AnnotationRecord | None:
        return self._records.get(key)

    def __len__(self) -> int:
        return len(self._records)

    def select(self, key: int | None) -> None:
        if key is not None and key not in self._records:
            key = None
        if key != self.selected:
            self.selected = key
            self.selectionChanged.emit(key)

    # -- user edits (each one step of the library's history) ----------------------------------
    def create(self, record: AnnotationRecord) -> int:
        return self.create_many([record], f"Add {record.kind}")[0]

    def create_many(self, records: Sequence[AnnotationRecord], text: str) -> list[int]:
        """Several annotations as one undo step (a highlight over a page break: one per page)."""
        keys = []
        for record in records:
            key = next(self._keys)
            self._records[key] = replace(record, id=None)
            keys.append(key)
        self._queue(self._job_add, keys, list(records), text)
        self.changed.emit()
        return keys

    def delete(self, key: int) -> None:
        rec = self._records.pop(key, None)
        if rec is None:
            return
        self._live.pop(key, None)
        if self.selected == key:
            self.select(None)
        self._queue(self._job_delete, key, f"Delete {rec.kind}")
        self.changed.emit()

    def edit(self, key: int, label: str | None = None, **fields: Any) -> None:
        """Change fields of an annotation as one undo step (``label`` names it in the history)."""
        rec = self._records.get(key)
        if rec is None:
            return
        after = {f: v for f, v in fields.items() if getattr(rec, f) != v}
        if not after:
            return
        what = (
            "colour" if set(after) == {"color"} else "comment" if set(after) == {"comment"} else "annotation"
        )
        base = rec
        rec = replace(rec, **after)
        if {"comment", "text"} & set(after):  # whoever writes its text is its author
            rec = replace(rec, author=self.lib.member)
        self._records[key] = rec
        self._queue(self._job_update, key, {**after, "base": base}, label or f"Change {what}")
        self.changed.emit()

    def undo(self) -> None:
        self._queue(self._job_step, history.undo)

    def redo(self) -> None:
        self._queue(self._job_step, history.redo)

    def retract(self, keys: Sequence[int]) -> bool:
        """Take back annotations just made, if making them is still the newest step (a
        triple-click's line replaces the word its double-click marked). False if it is not."""
        steps = {self._steps.get(k) for k in keys}
        if not keys or None in steps or len(steps) != 1:
            return False
        for key in keys:
            self._records.pop(key, None)
            if self.selected == key:
                self.select(None)
        self._queue(self._job_retract, steps.pop())
        self.changed.emit()
        return True

    def refresh_history(self) -> None:
        """Ask (on the worker) what undo and redo would do now."""
        self.worker.submit(self._job_history, priority=PRIORITY_WRITE, done=self._history, owner=self)

    def _queue(self, fn: Any, *args: Any) -> None:
        self.writes_pending += 1
        self.worker.submit(
            fn, *args, priority=PRIORITY_WRITE, done=self._written, failed=self._failed, owner=self
        )

    # -- jobs: these run on the worker thread ------------------------------------------------
    def _labels(self) -> tuple[str | None, str | None]:
        return history.can_undo(self.lib), history.can_redo(self.lib)

    def _job_add(self, keys: list[int], records: list[AnnotationRecord], text: str) -> Any:
        with self.lib.change(text):
            outs = [service.add_annotation(self.lib, self.paper_id, r) for r in records]
        step = history.history(self.lib, 1)[0].id
        for key, out in zip(keys, outs, strict=True):
            self._ids[key] = out.id  # type: ignore[assignment]
            self._steps[key] = step
        return "written", list(zip(keys, outs, strict=True)), self._labels()

    def _job_delete(self, key: int, text: str) -> Any:
        with self.lib.change(text):
            service.delete_annotation(self.lib, self._ids[key])
        return "written", [], self._labels()

    def _job_update(self, key: int, fields: dict[str, Any], text: str) -> Any:
        try:
            with self.lib.change(text):
                out = service.update_annotation(self.lib, self._ids[key], **fields)
        except StaleWriteError as exc:  # a colleague's edit came first: keep what the user typed
            mine = fields.get("comment")
            raise StaleWriteError(f"{exc} Yours: “{mine}”." if mine else str(exc)) from exc
        return "written", [(key, out)], self._labels()

    def _job_step(self, step: Any) -> Any:
        step(self.lib)
        return "state", service.list_annotations(self.lib, self.paper_id), self._labels()

    def _job_retract(self, step_id: int) -> Any:
        top = history.history(self.lib, 1)
        if top and top[0].id == step_id and top[0].state == "done":
            history.undo(self.lib)
        return "state", service.list_annotations(self.lib, self.paper_id), self._labels()

    def _job_history(self) -> tuple[str | None, str | None]:
        return self._labels()

    def _job_reload(self) -> list[AnnotationRecord]:
        return service.list_annotations(self.lib, self.paper_id)

    # -- results (GUI thread) ----------------------------------------------------------------
    def _written(self, result: tuple[str, list[Any], tuple[str | None, str | None]]) -> None:
        self.writes_pending -= 1
        kind, outs, labels = result
        if kind == "state":  # after an undo or redo: what the database holds now
            self.merge(outs)
        else:
            for key, out in outs:
                local = self._records.get(key)
                if out is not None and local is not None:
                    # Keep local fields (a later edit may be queued); take what only the database knows.
                    self._records[key] = replace(
                        local, id=out.id, created=out.created, modified=out.modified, author=out.author,
                        version=out.version,
                    )  # fmt: skip
        self._history(labels)
        self.saved.emit()

    def _history(self, labels: tuple[str | None, str | None]) -> None:
        self.undo_label, self.redo_label = labels
        self.historyChanged.emit(*labels)

    def _failed(self, exc: BaseException) -> None:
        self.writes_pending -= 1
        self.failed.emit(f"could not save the annotation: {exc}")
        # The local copy may now differ from the database: start again from the database.
        self.worker.submit(self._job_reload, priority=PRIORITY_WRITE, done=self.load, owner=self)

"""The reader's annotations: a local copy edited instantly, written to the library on the worker.

Every edit changes the local copy at once (the overlay repaints in the same event) and queues
the service call on the reader's worker thread, which also owns PyMuPDF: with the library's
``write_annotations_to_pdf`` setting the service rewrites the PDF, so it must run there. Jobs run
in order, so an undo queued after an add always finds the id the add produced.

Annotations are addressed by a local *key* (stable for the window's life); the database id is
learnt on the worker (``_ids``) and may change when undo re-inserts a row.

While the user drags an annotation, :meth:`AnnotationModel.set_live` shows it at the pointer
(drawn and hit-tested there, not stored); the drop is one undoable edit.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from readinglist.records import AnnotationRecord
from readinglist.services import annotations as service
from readinglist.services.library import Library
from ui.reader.worker import PRIORITY_WRITE, PdfWorker


def _order(rec: AnnotationRecord) -> tuple[int, float, float]:
    """Page, then top to bottom and left to right (as readinglist.annotations_md.reading_order)."""
    points = [rec.rects[0][:2]] if rec.rects else [p for stroke in rec.ink for p in stroke] or [(0.0, 0.0)]
    return (rec.page, min(p[1] for p in points), min(p[0] for p in points))


class AnnotationModel(QObject):
    changed = Signal()  # the set or content of annotations changed (locally)
    selectionChanged = Signal(object)  # key or None
    saved = Signal()  # a write reached the database
    failed = Signal(str)

    def __init__(self, lib: Library, paper_id: int, worker: PdfWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lib, self.paper_id, self.worker = lib, paper_id, worker
        self.undo_stack = QUndoStack(self)
        self._records: dict[int, AnnotationRecord] = {}
        self._ids: dict[int, int] = {}  # key -> database id; written on the worker thread
        self._live: dict[int, AnnotationRecord] = {}  # key -> where it is being dragged
        self._keys = itertools.count(1)
        self.selected: int | None = None
        self.writes_pending = 0

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
        self.undo_stack.clear()
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

    # -- user edits (undoable) ---------------------------------------------------------------
    def create(self, record: AnnotationRecord) -> int:
        cmd = _Add(self, record)
        self.undo_stack.push(cmd)
        return cmd.key  # type: ignore[return-value]

    def create_many(self, records: Sequence[AnnotationRecord], text: str) -> list[int]:
        """Several annotations as one undo step (a highlight over a page break: one per page)."""
        if len(records) == 1:
            return [self.create(records[0])]
        self.undo_stack.beginMacro(text)
        keys = [self.create(r) for r in records]
        self.undo_stack.endMacro()
        return keys

    def delete(self, key: int) -> None:
        rec = self._records.get(key)
        if rec is not None:
            self.undo_stack.push(_Delete(self, key, rec.kind))

    def edit(self, key: int, label: str | None = None, **fields: Any) -> None:
        """Change fields of an annotation as one undo step (``label`` names it in the stack)."""
        rec = self._records.get(key)
        if rec is None:
            return
        after = {f: v for f, v in fields.items() if getattr(rec, f) != v}
        if after:
            before = {f: getattr(rec, f) for f in after}
            what = (
                "colour"
                if set(after) == {"color"}
                else "comment"
                if set(after) == {"comment"}
                else "annotation"
            )
            self.undo_stack.push(_Edit(self, key, before, after, label or f"Change {what}"))

    # -- primitives: local change now, database write queued -----------------------------------
    def _add(self, record: AnnotationRecord) -> int:
        key = next(self._keys)
        self._records[key] = replace(record, id=None)
        self._queue(self._job_add, key, record)
        self.changed.emit()
        return key

    def _restore(self, key: int, record: AnnotationRecord) -> None:
        self._records[key] = record
        self._queue(self._job_restore, key, record)
        self.changed.emit()

    def _remove(self, key: int) -> AnnotationRecord:
        rec = self._records.pop(key)
        self._live.pop(key, None)
        self._queue(self._job_delete, key)
        if self.selected == key:
            self.select(None)
        self.changed.emit()
        return rec

    def _update(self, key: int, fields: dict[str, Any]) -> None:
        self._records[key] = replace(self._records[key], **fields)
        self._queue(self._job_update, key, fields)
        self.changed.emit()

    def _queue(self, fn: Any, *args: Any) -> None:
        self.writes_pending += 1
        self.worker.submit(
            fn, *args, priority=PRIORITY_WRITE, done=self._written, failed=self._failed, owner=self
        )

    # -- jobs: these run on the worker thread ------------------------------------------------
    def _job_add(self, key: int, record: AnnotationRecord) -> tuple[int, AnnotationRecord]:
        out = service.add_annotation(self.lib, self.paper_id, record)
        self._ids[key] = out.id  # type: ignore[assignment]
        return key, out

    def _job_restore(self, key: int, record: AnnotationRecord) -> tuple[int, AnnotationRecord]:
        out = service.restore_annotation(self.lib, self.paper_id, replace(record, id=self._ids.get(key)))
        self._ids[key] = out.id  # type: ignore[assignment]
        return key, out

    def _job_delete(self, key: int) -> tuple[int, None]:
        service.delete_annotation(self.lib, self._ids[key])
        return key, None

    def _job_update(self, key: int, fields: dict[str, Any]) -> tuple[int, AnnotationRecord]:
        return key, service.update_annotation(self.lib, self._ids[key], **fields)

    def _job_reload(self) -> list[AnnotationRecord]:
        return service.list_annotations(self.lib, self.paper_id)

    # -- results (GUI thread) ----------------------------------------------------------------
    def _written(self, result: tuple[int, AnnotationRecord | None]) -> None:
        self.writes_pending -= 1
        key, out = result
        local = self._records.get(key)
        if out is not None and local is not None:
            # Keep local fields (a later edit may be queued); take what only the database knows.
            self._records[key] = replace(local, id=out.id, created=out.created, modified=out.modified)
        self.saved.emit()

    def _failed(self, exc: BaseException) -> None:
        self.writes_pending -= 1
        self.failed.emit(f"could not save the annotation: {exc}")
        # The local copy may now differ from the database: start again from the database.
        self.worker.submit(self._job_reload, priority=PRIORITY_WRITE, done=self.load, owner=self)


class _Add(QUndoCommand):
    def __init__(self, model: AnnotationModel, record: AnnotationRecord) -> None:
        super().__init__(f"Add {record.kind}")
        self.model, self.record = model, record
        self.key: int | None = None

    def redo(self) -> None:
        if self.key is None:
            self.key = self.model._add(self.record)
        else:
            self.model._restore(self.key, self.record)

    def undo(self) -> None:
        assert self.key is not None
        self.record = self.model._remove(self.key)


class _Delete(QUndoCommand):
    def __init__(self, model: AnnotationModel, key: int, kind: str) -> None:
        super().__init__(f"Delete {kind}")
        self.model, self.key = model, key
        self.record: AnnotationRecord | None = None

    def redo(self) -> None:
        self.record = self.model._remove(self.key)

    def undo(self) -> None:
        assert self.record is not None
        self.model._restore(self.key, self.record)


class _Edit(QUndoCommand):
    def __init__(
        self, model: AnnotationModel, key: int, before: dict[str, Any], after: dict[str, Any], text: str
    ) -> None:
        super().__init__(text)
        self.model, self.key, self.before, self.after = model, key, before, after

    def redo(self) -> None:
        self.model._update(self.key, self.after)

    def undo(self) -> None:
        self.model._update(self.key, self.before)

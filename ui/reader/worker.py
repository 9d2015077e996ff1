"""The reader's one PyMuPDF thread: a priority job queue whose results come back on the GUI thread.

PyMuPDF is not thread-safe (MuPDF's context is shared), so every reader call into it runs here,
one job at a time. PyMuPDF also holds the GIL inside a call: a 60 ms render freezes the GUI for
60 ms. Jobs are therefore kept short (pages render as tiles of at most ``TILE`` pixels square),
and a job that was queued but is no longer wanted (a page scrolled away) is cancelled unrun.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from readinglist.services.annotations import PYMUPDF_LOCK

log = logging.getLogger(__name__)

# Lower runs first; equal priorities run in submission order.
PRIORITY_WRITE = 0  # annotation writes: the user is waiting for them and undo depends on order
PRIORITY_TEXT = 1  # text selection, copy
PRIORITY_RENDER = 2  # what is on screen
PRIORITY_PREFETCH = 3  # pages just off screen, thumbnails
PRIORITY_SEARCH = 4  # one page of an in-document search


class Job:
    """A queued call. ``cancel()`` before it runs skips it; after, its result is dropped."""

    __slots__ = ("args", "cancelled", "done", "error", "failed", "fn", "owner", "result")

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        done: Callable[[Any], None] | None,
        failed: Callable[[BaseException], None] | None,
        owner: object,
    ) -> None:
        self.fn, self.args, self.done, self.failed, self.owner = fn, args, done, failed, owner
        self.cancelled = False
        self.result: Any = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        self.cancelled = True


class PdfWorker(QObject):
    """Runs jobs on one daemon thread; ``done``/``failed`` callbacks run on the GUI thread."""

    _finished = Signal(object)
    error = Signal(str)  # a job without a ``failed`` callback raised

    def __init__(self) -> None:
        super().__init__()
        self._heap: list[tuple[int, int, Job | None]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._busy: Job | None = None
        self._inflight: set[Job] = set()  # finished, on their way to the GUI thread
        # Emitted from the worker thread; this object lives on the GUI thread, so the
        # connection is queued and the slot runs there.
        self._finished.connect(self._deliver)
        self._thread = threading.Thread(target=self._run, name="readinglist-pdf", daemon=True)
        self._thread.start()
        self.thread_id = self._thread.ident

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        priority: int = PRIORITY_RENDER,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
        owner: object = None,
    ) -> Job:
        job = Job(fn, args, done, failed, owner)
        with self._cv:
            heapq.heappush(self._heap, (priority, next(self._seq), job))
            self._cv.notify()
        return job

    def cancel_owner(self, owner: object) -> None:
        """Cancel every queued (and the running) job of ``owner``, e.g. a closing window."""
        with self._cv:
            for _, _, job in self._heap:
                if job is not None and job.owner is owner:
                    job.cancel()
            if self._busy is not None and self._busy.owner is owner:
                self._busy.cancel()
            for job in self._inflight:  # done already, delivery queued: the owner must not get it
                if job.owner is owner:
                    job.cancel()

    def pending(self) -> int:
        with self._cv:
            return sum(1 for _, _, j in self._heap if j is not None and not j.cancelled)

    def idle(self) -> bool:
        with self._cv:
            return self._busy is None and not any(j is not None and not j.cancelled for _, _, j in self._heap)

    def stop(self, timeout: float = 5.0) -> None:
        with self._cv:
            heapq.heappush(self._heap, (-1, -1, None))
            self._cv.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._heap:
                    self._cv.wait()
                _, _, job = heapq.heappop(self._heap)
                if job is None:
                    return
                if job.cancelled:
                    continue
                self._busy = job
            try:
                with PYMUPDF_LOCK:  # core code on other threads (annotation imports) takes it too
                    job.result = job.fn(*job.args)
            except BaseException as exc:  # delivered to the GUI thread, never lost
                job.error = exc
            with self._cv:
                self._busy = None
                if job.cancelled:
                    continue
                self._inflight.add(job)
            try:
                self._finished.emit(job)
            except RuntimeError:  # the QApplication (and this QObject) is gone: shut down
                return

    @Slot(object)
    def _deliver(self, job: Job) -> None:
        with self._cv:
            self._inflight.discard(job)
        # A cancelled job, or one whose owner (a reader view) was deleted meanwhile, is dropped:
        # its callbacks would touch a destroyed object ("Signal source has been deleted").
        if job.cancelled or (isinstance(job.owner, QObject) and not shiboken6.isValid(job.owner)):
            return
        if job.error is None:
            if job.done is not None:
                job.done(job.result)
        elif job.failed is not None:
            job.failed(job.error)
        else:
            log.error("reader job %s failed", getattr(job.fn, "__name__", job.fn), exc_info=job.error)
            self.error.emit(str(job.error))


_worker: PdfWorker | None = None


def pdf_worker() -> PdfWorker:
    """The process-wide reader worker (created on first use, on the GUI thread)."""
    global _worker
    if _worker is None:
        _worker = PdfWorker()
    return _worker

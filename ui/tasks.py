"""Run work off the GUI thread and get the result, or the exception, back on the GUI thread.

One primitive, :meth:`Tasks.run`, in three lanes: a general pool for reads and network, a
single-thread lane for database writes (so they apply in order), and a single-thread lane for
PyMuPDF (it is not thread-safe). Workers never touch widgets; callbacks run on the GUI thread.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

from readinglist.errors import Cancelled
from readinglist.records import Progress


class Lane(enum.Enum):
    POOL = "pool"  # reads, network: a few threads
    DB = "db"  # writes: one thread, in submission order
    PDF = "pdf"  # PyMuPDF: one thread


class TaskContext:
    """Handed to a task function that asks for it: report progress, check for cancellation."""

    PROGRESS_INTERVAL = 0.05  # seconds between progress signals, so a chatty job cannot flood the GUI

    def __init__(self, handle: TaskHandle) -> None:
        self._handle = handle
        self._last = 0.0

    def cancelled(self) -> bool:
        # A handle whose Qt side is gone (the app is shutting down) has nobody to report to.
        return self._handle._cancel.is_set() or not shiboken6.isValid(self._handle)

    def check(self) -> None:
        """Raise :class:`Cancelled` if the user cancelled."""
        if self.cancelled():
            raise Cancelled()

    def progress(self, p: Progress) -> None:
        now = time.monotonic()
        final = p.total is not None and p.done >= p.total
        if final or now - self._last >= self.PROGRESS_INTERVAL:
            self._last = now
            if not _emit(self._handle._progress, self._handle, p):
                raise Cancelled()  # the app is closing: stop the work at this safe point


class TaskHandle(QObject):
    """One submitted task. Lives on the GUI thread; its public signals fire there."""

    finished = Signal(object)  # the result
    failed = Signal(object)  # the exception (Cancelled when the user cancelled)
    progressed = Signal(object)  # a Progress
    ended = Signal()  # after finished or failed

    _result = Signal(object)
    _error = Signal(object)
    _progress = Signal(object)

    def __init__(self, name: str, lane: Lane = Lane.POOL) -> None:
        super().__init__()
        self.name = name
        self.lane = lane
        self._cancel = threading.Event()
        self.done = False
        self.discarded = False
        self.thread_id: int | None = None
        # Emitted on a worker thread; queued explicitly so delivery is always on our (GUI) thread.
        self._result.connect(self._deliver_result, Qt.ConnectionType.QueuedConnection)
        self._error.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)
        self._progress.connect(self._deliver_progress, Qt.ConnectionType.QueuedConnection)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def discard(self) -> None:
        """Drop the outcome: no callback will run (a stale query, a closed window)."""
        self.discarded = True
        self._cancel.set()

    def _deliver_result(self, value: object) -> None:
        self.done = True
        if not self.discarded:
            self.finished.emit(value)
        self.ended.emit()

    def _deliver_error(self, exc: object) -> None:
        self.done = True
        if not self.discarded:
            self.failed.emit(exc)
        self.ended.emit()

    def _deliver_progress(self, p: object) -> None:
        if not self.discarded and not self.done:
            self.progressed.emit(p)


def _emit(signal: Any, handle: TaskHandle, value: object) -> bool:
    """Emit from a worker; False when the handle was destroyed meanwhile (at shutdown, a task
    that outlived the window's wait), which is not an error worth a traceback."""
    if not shiboken6.isValid(handle):
        return False
    try:
        signal.emit(value)
    except RuntimeError:  # destroyed between the check and the emit
        return False
    return True


class _Runnable(QRunnable):
    def __init__(self, handle: TaskHandle, fn: Callable[[], object]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._handle = handle
        self._fn = fn

    def run(self) -> None:
        h = self._handle
        h.thread_id = threading.get_ident()
        if h.discarded:
            _emit(h._error, h, Cancelled())
            return
        try:
            value = self._fn()
        except BaseException as exc:  # delivered to the GUI thread, never lost in a worker
            _emit(h._error, h, exc)
        else:
            _emit(h._result, h, value)


class Tasks(QObject):
    """The three lanes and the tasks in flight."""

    def __init__(self, pool_threads: int = 4) -> None:
        super().__init__()
        self._pools = {lane: QThreadPool(self) for lane in Lane}
        self._pools[Lane.POOL].setMaxThreadCount(pool_threads)
        self._pools[Lane.DB].setMaxThreadCount(1)
        self._pools[Lane.PDF].setMaxThreadCount(1)
        for pool in self._pools.values():
            pool.setExpiryTimeout(-1)  # keep the threads: no start-up cost per task
        self._active: set[TaskHandle] = set()

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        lane: Lane = Lane.POOL,
        name: str = "",
        on_done: Callable[[Any], object] | None = None,
        on_error: Callable[[BaseException], object] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        context: bool = False,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> TaskHandle:
        """Run ``fn(*args, **kwargs)`` in ``lane``. With ``context=True`` it also gets ``task=TaskContext``.

        With an ``owner``, the callbacks are dropped once the owner is destroyed.
        """
        handle = TaskHandle(name or getattr(fn, "__name__", "task"), lane)
        if owner is not None:
            owner.destroyed.connect(handle.discard)
        if on_done is not None:
            handle.finished.connect(on_done)
        if on_error is not None:
            handle.failed.connect(on_error)
        if on_progress is not None:
            handle.progressed.connect(on_progress)
        if context:
            kwargs["task"] = TaskContext(handle)
        self._active.add(handle)
        handle.ended.connect(lambda h=handle: self._active.discard(h))
        self._pools[lane].start(_Runnable(handle, lambda: fn(*args, **kwargs)))
        return handle

    def active(self) -> list[TaskHandle]:
        return [h for h in self._active if not h.done]

    def wait(self, lane: Lane | None = None, msecs: int = -1) -> bool:
        """Block until a lane (or every lane) is idle. For shutdown and tests only."""
        lanes = [lane] if lane else list(Lane)
        return all(self._pools[x].waitForDone(msecs) for x in lanes)

    def shutdown(self, msecs: int = 5000) -> None:
        """Cancel what can be cancelled, let the write lane finish its queue, then stop."""
        for h in list(self._active):
            if h.lane is not Lane.DB:  # queued writes still run: a typed note must not be lost
                h.discard()
        self.wait(None, msecs)

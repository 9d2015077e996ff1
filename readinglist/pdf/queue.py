"""A queue of PDF downloads: bounded concurrency, per-host limits, cancellation, one callback.

It pipelines the two stages of :mod:`readinglist.pdf.fetch`: a connection slot is freed as soon
as the bytes are in, and fsync plus verification (a few ms each, fixed per file) run on
separate threads.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from readinglist.errors import Cancelled
from readinglist.pdf.fetch import Downloaded, Transfer, fetch_part, finish
from readinglist.pdf.worker import verify_pdf_isolated
from readinglist.records import Progress
from readinglist.sources.http import Http

log = logging.getLogger(__name__)

FINISHERS = 2  # threads that fsync, verify and rename finished transfers


_OnDone = Callable[[str, Downloaded | None, BaseException | None], None] | None


@dataclass
class _Job:
    id: str
    url: str
    dest: Path
    on_progress: Callable[[str, Progress], None] | None
    on_done: _OnDone
    stop: threading.Event = field(default_factory=threading.Event)


class DownloadQueue:
    """Downloads with at most ``concurrency`` transfers at once, ``per_host`` to one host.

    ``on_done(job_id, result, error)`` is called exactly once per job, on a worker thread (a
    GUI marshals it to its own thread); ``on_progress`` too. ``shutdown`` cancels what is left.
    """

    def __init__(
        self,
        http: Http,
        *,
        concurrency: int = 3,
        per_host: int = 3,
        verify: Callable[[Path], int] = verify_pdf_isolated,
    ) -> None:
        self._http, self._verify, self._per_host = http, verify, per_host
        self._network = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="pdf-download")
        self._finishers = ThreadPoolExecutor(max_workers=FINISHERS, thread_name_prefix="pdf-verify")
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._jobs: dict[str, threading.Event] = {}  # job id -> its stop flag, until on_done returned
        self._hosts: dict[str, threading.Semaphore] = {}

    def submit(
        self,
        job_id: str,
        url: str,
        dest: Path,
        *,
        on_progress: Callable[[str, Progress], None] | None = None,
        on_done: _OnDone = None,
    ) -> None:
        job = _Job(job_id, url, Path(dest), on_progress, on_done)
        with self._lock:
            if job_id in self._jobs:
                raise ValueError(f"download {job_id!r} is already queued")
            self._jobs[job_id] = job.stop
        try:
            self._network.submit(self._transfer, job)
        except RuntimeError:  # shut down
            with self._lock:
                self._jobs.pop(job_id, None)
            raise

    def cancel(self, job_id: str) -> None:
        with self._lock:
            stop = self._jobs.get(job_id)
        if stop is not None:
            stop.set()

    def cancel_all(self) -> None:
        with self._lock:
            stops = list(self._jobs.values())
        for stop in stops:
            stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every job has finished (on_done returned); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._jobs, timeout)

    def shutdown(self, *, cancel: bool = True) -> None:
        """Cancel what is left (``cancel=False`` lets it finish) and join the threads."""
        if cancel:
            self.cancel_all()
        self._network.shutdown(wait=True)
        self._finishers.shutdown(wait=True)

    def __enter__(self) -> DownloadQueue:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown(cancel=exc_info[0] is not None)

    @contextlib.contextmanager
    def _host_slot(self, url: str, stop: threading.Event) -> Iterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            slot = self._hosts.setdefault(host, threading.Semaphore(self._per_host))
        while not slot.acquire(timeout=0.1):
            if stop.is_set():
                raise Cancelled()
        try:
            yield
        finally:
            slot.release()

    def _transfer(self, job: _Job) -> None:
        on_progress = job.on_progress
        progress = None if on_progress is None else (lambda p: on_progress(job.id, p))
        try:
            if job.stop.is_set():
                raise Cancelled()
            with self._host_slot(job.url, job.stop):
                transfer = fetch_part(self._http, job.url, job.dest, progress, job.stop.is_set)
        except BaseException as exc:  # every outcome goes to on_done; nothing dies in the executor
            self._done(job, None, exc)
            return
        self._finishers.submit(self._finish, job, transfer)

    def _finish(self, job: _Job, transfer: Transfer) -> None:
        try:
            if job.stop.is_set():
                transfer.discard()
                raise Cancelled()
            result = finish(transfer, self._verify)
        except BaseException as exc:
            self._done(job, None, exc)
        else:
            self._done(job, result, None)

    def _done(self, job: _Job, result: Downloaded | None, error: BaseException | None) -> None:
        try:
            if job.on_done is not None:
                job.on_done(job.id, result, error)
        except Exception:
            log.exception("on_done for download %s failed", job.id)
        finally:
            with self._idle:
                self._jobs.pop(job.id, None)
                self._idle.notify_all()

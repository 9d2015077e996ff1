"""Downloading arXiv PDFs for papers: bounded concurrency, progress, cancellation, verification.

The heavy lifting (streaming to ``.part``, resume, HTML rejection, verification) is in
:mod:`readinglist.pdf.fetch`; this module picks the URL and the file name, skips papers that
already have a verified PDF, and records the attachment with its text index.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from readinglist.db.schema import Paper
from readinglist.errors import Cancelled, NotFoundError, ReadingListError
from readinglist.records import Progress
from readinglist.services.attachments import current_attachment, pdf_destination, record_attachment
from readinglist.services.library import Library

if TYPE_CHECKING:
    from readinglist.pdf.fetch import Downloaded

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, Progress], None]
DoneFn = Callable[[int, str | None, BaseException | None], None]


@dataclass(frozen=True)
class DownloadResult:
    paper_id: int
    path: str | None
    error: str | None = None
    skipped: bool = False  # it already had a verified PDF
    cancelled: bool = False


def pdf_url_for(lib: Library, paper_id: int) -> str:
    from readinglist.sources.arxiv import pdf_url

    with lib.read() as s:
        row = s.execute(select(Paper.arxiv_id, Paper.version).where(Paper.id == paper_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no paper #{paper_id} in the library")
    if not row.arxiv_id:
        raise ReadingListError(
            "this paper has no arXiv id, so there is no PDF to download; import a PDF instead"
        )
    return pdf_url(lib.endpoints.arxiv, row.arxiv_id, row.version)


class Downloads:
    """A download manager for one library. Callbacks arrive on worker threads."""

    def __init__(self, lib: Library, concurrency: int = 3) -> None:
        from readinglist.pdf.queue import DownloadQueue

        self.lib = lib
        self._queue = DownloadQueue(lib.http, concurrency=concurrency)
        self._lock = threading.Lock()
        self._active: set[int] = set()

    def active(self) -> set[int]:
        with self._lock:
            return set(self._active)

    def start(
        self, paper_ids: Sequence[int], on_progress: ProgressFn | None = None, on_done: DoneFn | None = None
    ) -> None:
        """Queue downloads; papers with a verified PDF finish at once with their path."""
        for pid in paper_ids:
            with self._lock:
                if pid in self._active:
                    continue
            existing = current_attachment(self.lib, pid)
            if existing is not None:
                if on_done:
                    on_done(pid, str(existing.path), None)
                continue
            try:
                url = pdf_url_for(self.lib, pid)
                dest = pdf_destination(self.lib, pid, exclude=None)
            except ReadingListError as exc:
                if on_done:
                    on_done(pid, None, exc)
                continue
            with self._lock:
                self._active.add(pid)

            def done(job: str, got: Downloaded | None, exc: BaseException | None, url: str = url) -> None:
                self._finished(int(job), url, got, exc, on_done)

            self._queue.submit(
                str(pid), url, dest,
                on_progress=(lambda job, p: on_progress(int(job), p)) if on_progress else None,
                on_done=done,
            )  # fmt: skip

    def _finished(
        self, pid: int, url: str, got: Downloaded | None, exc: BaseException | None, on_done: DoneFn | None
    ) -> None:
        path: str | None = None
        try:
            if exc is None and got is not None:
                info = record_attachment(
                    self.lib,
                    pid,
                    got.path,
                    size=got.size,
                    sha256=got.sha256,
                    page_count=got.page_count,
                    source=url,
                    label="Download PDF",
                )
                path = str(info.path)
        except BaseException as e:  # recording failed: the file was removed again
            exc = e
        finally:
            with self._lock:
                self._active.discard(pid)
        if on_done:
            on_done(pid, path, exc)

    def cancel(self, paper_id: int) -> None:
        self._queue.cancel(str(paper_id))

    def cancel_all(self) -> None:
        self._queue.cancel_all()

    def wait(self, timeout: float | None = None) -> None:
        self._queue.wait(timeout)

    def shutdown(self) -> None:
        self._queue.cancel_all()
        self._queue.shutdown()


def download_papers(
    lib: Library,
    paper_ids: Sequence[int],
    *,
    progress: ProgressFn | None = None,
    cancelled: Callable[[], bool] | None = None,
    concurrency: int = 3,
) -> list[DownloadResult]:
    """Download and wait (the CLI's face). Results in the order of ``paper_ids``."""
    results: dict[int, DownloadResult] = {}
    done = threading.Event()
    lock = threading.Lock()
    pending = set(paper_ids)
    already = {pid for pid in paper_ids if current_attachment(lib, pid) is not None}

    def on_done(pid: int, path: str | None, exc: BaseException | None) -> None:
        with lock:
            if exc is None:
                results[pid] = DownloadResult(pid, path, skipped=pid in already)
            else:
                results[pid] = DownloadResult(pid, None, str(exc), cancelled=isinstance(exc, Cancelled))
            pending.discard(pid)
            if not pending:
                done.set()

    mgr = Downloads(lib, concurrency=concurrency)
    try:
        if not pending:
            done.set()
        mgr.start(list(paper_ids), progress, on_done)
        while not done.wait(0.2):
            if cancelled is not None and cancelled():
                mgr.cancel_all()
                cancelled = None
    finally:
        mgr.shutdown()
    return [results[p] for p in paper_ids if p in results]

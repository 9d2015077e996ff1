"""Download PDFs so that a file at its final name is always complete and verified.

Bytes stream into ``NAME.part`` beside the destination, hashed on the way; a finished download
is verified (header and page count, in the worker process), fsynced and renamed into place.
A ``.part`` left by an interrupted run is resumed with ``Range`` plus ``If-Range`` (the ETag or
Last-Modified kept in ``NAME.part.json``). Every failure removes the ``.part`` and its sidecar,
except one: the connection kept breaking until the retries ran out, after some bytes arrived from
a server that named a validator. Then they stay, and the next call for that file resumes.

The two stages are separate functions (:func:`fetch_part`, :func:`finish`) so that
:class:`readinglist.pdf.queue.DownloadQueue` can pipeline them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from readinglist.errors import Cancelled, NetworkError, PdfError
from readinglist.pdf.worker import verify_pdf_isolated
from readinglist.records import Progress
from readinglist.sources.http import Http

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
MAX_RESUMES = 3  # mid-body connection drops resumed within one call
MAX_PDF_BYTES = 1 << 30  # PDFs are exempt from Http's 32 MB API cap, not from every cap
PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 callbacks a second, plus a final one
HTML_MESSAGE = (
    "{host} sent a web page instead of the PDF (probably a captcha or an error page); nothing was attached"
)


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    sha256: str
    page_count: int


_OnProgress = Callable[[Progress], None] | None
_Cancelled = Callable[[], bool] | None


class _Dropped(Exception):
    """The connection broke off in the middle of the body."""


class _StartOver(Exception):
    """The server cannot continue the .part (416 or an unexpected range): start from byte 0."""


def sha256_file(path: Path) -> str:
    return _hash_file(Path(path)).hexdigest()


def _hash_file(path: Path) -> hashlib._Hash:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest


def _host_label(url: str) -> str:
    host = urlsplit(url).hostname or url
    return "arXiv" if host == "arxiv.org" or host.endswith(".arxiv.org") else host


def _sleep(delay: float, cancelled: _Cancelled) -> None:
    end = time.monotonic() + delay
    while (remaining := end - time.monotonic()) > 0:
        if cancelled is not None and cancelled():
            raise Cancelled()
        time.sleep(min(remaining, 0.1))


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform lets you open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class Transfer:
    """One download_pdf call: the .part file, its sidecar, the running hash and the progress."""

    def __init__(
        self, http: Http, url: str, dest: Path, progress: _OnProgress, cancelled: _Cancelled
    ) -> None:
        self.http, self.url, self.dest = http, url, dest
        self.part = dest.with_name(dest.name + ".part")
        self.sidecar = dest.with_name(dest.name + ".part.json")
        self.host = _host_label(url)
        self.progress, self.cancelled = progress, cancelled
        self.size = 0
        self.total: int | None = None
        self.validator: str | None = None
        self.digest = hashlib.sha256()
        self.interrupted = False  # a network failure, as opposed to a refusal or a bad file
        self.rate: float | None = None
        self._last_report = (time.monotonic(), 0)

    def load_part(self) -> None:
        """Adopt a .part from an earlier run if its sidecar says it is from this URL."""
        try:
            meta = json.loads(self.sidecar.read_text())
            if meta.get("url") == self.url and meta.get("validator") and self.part.is_file():
                self.validator, self.total = meta["validator"], meta.get("total")
                self.digest = _hash_file(self.part)
                self.size = self.part.stat().st_size
                return
        except (OSError, ValueError, AttributeError):
            pass
        self.discard()

    def discard(self) -> None:
        for path in (self.part, self.sidecar):
            path.unlink(missing_ok=True)
        self.size, self.digest = 0, hashlib.sha256()

    def keep_part(self) -> bool:
        return self.interrupted and self.size > 0 and self.validator is not None

    def run(self) -> None:
        """Fetch every byte into the .part, resuming after drops."""
        drops = restarts = 0
        while True:
            try:
                self._attempt()
                return
            except _Dropped as exc:
                drops += 1
                if drops > MAX_RESUMES:
                    self.interrupted = True
                    kept = "; what arrived is kept for the next try" if self.keep_part() else ""
                    raise NetworkError(
                        f"the connection to {self.host} kept breaking off ({exc}){kept}"
                    ) from exc
                if self.validator is None:
                    self.discard()  # nothing to make If-Range safe: start over
                log.info("%s: connection dropped at %d bytes (%s); resuming", self.host, self.size, exc)
                _sleep(self.http.policy.backoff * 2 ** (drops - 1), self.cancelled)
            except _StartOver:
                restarts += 1
                if restarts > 2:
                    raise NetworkError(f"{self.host} keeps refusing to resume the download") from None
                self.discard()
                self.validator = None

    def _attempt(self) -> None:
        headers = {"Accept-Encoding": "identity"}  # byte ranges of the file itself, not of a gzip stream
        resuming = self.size > 0 and self.validator is not None
        if resuming:
            headers["Range"] = f"bytes={self.size}-"
            headers["If-Range"] = str(self.validator)
        try:
            resp = self.http.request(
                self.url, headers=headers, stream=True, what=self.host, cancelled=self.cancelled
            )
        except NetworkError:
            self.interrupted = True
            raise
        with resp:
            status, (start, total) = resp.status_code, _content_range(resp)
            if status == 416 and resuming:
                if total == self.size:
                    return  # the .part is already complete; verification decides
                raise _StartOver()
            if status == 206 and resuming and start == self.size:
                append = True
            elif status == 200:
                append = False
            elif status == 206:
                raise _StartOver()
            else:
                raise NetworkError(f"{self.host} answered HTTP {status} {resp.reason or ''}".strip())
            if "html" in resp.headers.get("Content-Type", "").lower():
                raise PdfError(HTML_MESSAGE.format(host=self.host))
            length = resp.headers.get("Content-Length")
            body = int(length) if length and length.isdigit() else None
            if not append:
                self.discard()
                self.validator = resp.headers.get("ETag") or resp.headers.get("Last-Modified")
                self.total = body
                if self.validator:  # the sidecar makes the .part resumable by a later call
                    meta = {"url": self.url, "validator": self.validator, "total": body}
                    self.sidecar.write_text(json.dumps(meta))
            elif body is not None:
                self.total = self.size + body
            self._stream(resp, append)
        if self.total is not None and self.size < self.total:
            raise _Dropped(f"the body ended after {self.size} of {self.total} bytes")
        self._report(final=True)

    def _stream(self, resp: requests.Response, append: bool) -> None:
        update, cancelled, progress = self.digest.update, self.cancelled, self.progress
        sniff = not append
        with self.part.open("ab" if append else "wb") as f:
            write = f.write
            try:
                for chunk in _chunks(resp):
                    if sniff:
                        if chunk[:1024].lstrip()[:9].lower().startswith((b"<!doctype", b"<html")):
                            raise PdfError(HTML_MESSAGE.format(host=self.host))
                        sniff = False
                    write(chunk)
                    update(chunk)
                    self.size += len(chunk)
                    if cancelled is not None and cancelled():
                        raise Cancelled()
                    if progress is not None:
                        self._report()
                    if self.size > MAX_PDF_BYTES:
                        raise NetworkError(
                            f"{self.host} sent more than {MAX_PDF_BYTES >> 20} MB; is that a PDF?"
                        )
            except _NETWORK_ERRORS as exc:
                raise _Dropped(type(exc).__name__) from exc

    def _report(self, final: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        then, done_then = self._last_report
        if not final and now - then < PROGRESS_INTERVAL:
            return
        if now > then:
            instant = (self.size - done_then) / (now - then)
            self.rate = instant if self.rate is None else 0.3 * instant + 0.7 * self.rate
        self._last_report = (now, self.size)
        self.progress(Progress(done=self.size, total=self.total, rate=self.rate))


# What a broken connection raises while reading the body (urllib3's own, when read directly).
_NETWORK_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, ConnectionError, TimeoutError)


def _chunks(resp: requests.Response) -> Iterator[bytes]:
    """The body as it arrives. ``iter_content`` fills each chunk before yielding it, so a drop
    loses the bytes of the chunk in progress; ``read1`` (urllib3 2) hands over what is there."""
    read1 = getattr(resp.raw, "read1", None)
    if read1 is None:
        yield from resp.iter_content(CHUNK)
        return
    while chunk := read1(CHUNK):
        yield chunk


def _content_range(resp: requests.Response) -> tuple[int | None, int | None]:
    """(START, TOTAL) of ``Content-Range: bytes START-END/TOTAL`` or ``bytes */TOTAL``."""
    match = re.fullmatch(r"bytes (?:(\d+)-\d+|\*)/(\d+|\*)", resp.headers.get("Content-Range", "").strip())
    if match is None:
        return None, None
    start, total = match.groups()
    return (int(start) if start else None), (int(total) if total.isdigit() else None)


def download_pdf(
    http: Http,
    url: str,
    dest: Path,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    verify: Callable[[Path], int] = verify_pdf_isolated,
) -> Downloaded:
    """Download ``url`` to ``dest``: complete and verified, or not there at all."""
    return finish(fetch_part(http, url, Path(dest), progress, cancelled), verify)


def fetch_part(http: Http, url: str, dest: Path, progress: _OnProgress, cancelled: _Cancelled) -> Transfer:
    """Stage 1: every byte in the .part (or the .part gone, unless it is worth resuming)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    transfer = Transfer(http, url, dest, progress, cancelled)
    transfer.load_part()
    try:
        transfer.run()
    except BaseException:
        if not transfer.keep_part():
            transfer.discard()
        raise
    return transfer


def finish(transfer: Transfer, verify: Callable[[Path], int]) -> Downloaded:
    """Stage 2: fsync, verify, rename into place; on any failure nothing is left."""
    try:
        with transfer.part.open("rb") as f:
            os.fsync(f.fileno())
        try:
            pages = verify(transfer.part)
        except PdfError as exc:
            reason = exc.message.removeprefix(f"{transfer.part.name}: ")
            raise PdfError(
                f"the file from {transfer.host} is not a usable PDF: {reason}; nothing was attached"
            ) from exc
        os.replace(transfer.part, transfer.dest)
    except BaseException:
        transfer.discard()
        raise
    transfer.sidecar.unlink(missing_ok=True)
    _fsync_dir(transfer.dest.parent)
    return Downloaded(transfer.dest, transfer.size, transfer.digest.hexdigest(), pages)

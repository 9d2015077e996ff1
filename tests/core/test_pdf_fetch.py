"""readinglist.pdf.fetch and .queue against a flaky local server: resume, rejection, cancellation, queue.

pytest-httpserver cannot cut a connection halfway through a body, so this module has its own
small ThreadingHTTPServer whose behaviour is chosen per path (see :class:`Route`).
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from readinglist.errors import Cancelled, NetworkError, PdfError
from readinglist.pdf.fetch import Downloaded, download_pdf, sha256_file
from readinglist.pdf.queue import DownloadQueue
from readinglist.records import Progress
from readinglist.sources.http import Http, HttpPolicy
from tests.pdfgen import make_paper_pdf

LAST_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT"


@dataclass
class Route:
    """How the server answers one path."""

    body: bytes
    etag: str | None = '"v1"'
    last_modified: str | None = None
    content_type: str = "application/pdf"
    status: int = 200
    drop_after: int | None = None  # cut the connection after this many body bytes ...
    drops: int = 0  # ... on this many requests
    throttle_first: int = 0  # answer 429 with Retry-After: 1 to this many requests first
    chunk_delay: float = 0.0  # a slow server: pause between 16 KiB chunks
    send_length: bool = True
    seen: list[tuple[str | None, str | None]] = field(default_factory=list)  # (Range, If-Range)


class FlakyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.lock = threading.Lock()
        self.active = self.max_active = 0
        self.counter = 0

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that cancel or time out reset connections; that is the point of these tests

    def add(self, route: Route) -> str:
        with self.lock:
            self.counter += 1
            path = f"/pdf/{self.counter}.pdf"
        self.routes[path] = route
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            yield
        finally:
            with self.lock:
                self.active -= 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FlakyServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.counting(), contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer()

    def _answer(self) -> None:
        route = self.server.routes.get(self.path)
        if route is None:
            return self._empty(404)
        rng, if_range = self.headers.get("Range"), self.headers.get("If-Range")
        with self.server.lock:
            route.seen.append((rng, if_range))
            hit = len(route.seen)
        if hit <= route.throttle_first:
            return self._empty(429, {"Retry-After": "1"})
        if route.status != 200:
            return self._empty(route.status)
        body, start, status = route.body, 0, 200
        if rng and (if_range is None or if_range in (route.etag, route.last_modified)):
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                return self._empty(416, {"Content-Range": f"bytes */{len(body)}"})
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Accept-Ranges", "bytes")
        for name, value in (("ETag", route.etag), ("Last-Modified", route.last_modified)):
            if value:
                self.send_header(name, value)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        if route.send_length:
            self.send_header("Content-Length", str(len(body) - start))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        limit = route.drop_after if hit - route.throttle_first <= route.drops else None
        self._send(body[start:], limit, route.chunk_delay)
        if not route.send_length:
            self._cut()

    def _send(self, payload: bytes, limit: int | None, delay: float) -> None:
        step = 16 * 1024 if delay else 256 * 1024
        end = len(payload) if limit is None else min(limit, len(payload))
        for offset in range(0, end, step):
            if delay and offset:
                time.sleep(delay)
            self.wfile.write(payload[offset : min(offset + step, end)])
        if end < len(payload):
            self._cut()

    def _cut(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextlib.contextmanager
def running() -> Iterator[FlakyServer]:
    srv = FlakyServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[FlakyServer]:
    with running() as srv:
        yield srv


@pytest.fixture()
def own_server() -> Iterator[FlakyServer]:
    """A server of the test's own, when it counts connections."""
    with running() as srv:
        yield srv


@pytest.fixture(scope="module")
def pdf_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("src")
    return make_paper_pdf(
        folder / "a.pdf", title="Served Paper One", authors=["A"], min_size=600_000
    ).read_bytes()


@pytest.fixture(scope="module")
def other_pdf_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("src2")
    return make_paper_pdf(folder / "b.pdf", title="Served Paper Two", authors=["B"], pages=2).read_bytes()


@pytest.fixture()
def http() -> Http:
    return Http(HttpPolicy(backoff=0.01, read_timeout=10))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_download_is_verified_and_hashed(
    server: FlakyServer, http: Http, pdf_bytes: bytes, tmp_path: Path
) -> None:
    url = server.add(Route(pdf_bytes))
    reports: list[Progress] = []
    got = download_pdf(http, url, tmp_path / "p.pdf", progress=reports.append)
    assert got == Downloaded(tmp_path / "p.pdf", len(pdf_bytes), sha(pdf_bytes), 3)
    assert sha256_file(got.path) == sha(pdf_bytes)
    assert files(tmp_path) == {"p.pdf"}
    assert reports[-1].done == reports[-1].total == len(pdf_bytes)


def test_drop_midway_resumes_within_the_call(
    server: FlakyServer, http: Http, pdf_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(pdf_bytes, drop_after=200_000, drops=2)
    got = download_pdf(http, server.add(route), tmp_path / "p.pdf")
    assert got.sha256 == sha(pdf_bytes) and got.page_count == 3
    assert route.seen == [(None, None), ("bytes=200000-", '"v1"'), ("bytes=400000-", '"v1"')]
    assert files(tmp_path) == {"p.pdf"}


def test_resume_validator_can_be_last_modified(
    server: FlakyServer, http: Http, pdf_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(pdf_bytes, etag=None, last_modified=LAST_MODIFIED, drop_after=100_000, drops=1)
    assert download_pdf(http, server.add(route), tmp_path / "p.pdf").sha256 == sha(pdf_bytes)
    assert route.seen[1] == ("bytes=100000-", LAST_MODIFIED)


def test_exhausted_retries_keep_the_part_and_the_next_call_resumes(
    server: FlakyServer, http: Http, pdf_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(pdf_bytes, drop_after=50_000, drops=99)
    url, dest = server.add(route), tmp_path / "p.pdf"
    with pytest.raises(NetworkError, match=r"kept breaking off.*kept for the next try"):
        download_pdf(http, url, dest)
    assert files(tmp_path) == {"p.pdf.part", "p.pdf.part.json"}  # the one documented leftover
    kept = (tmp_path / "p.pdf.part").stat().st_size
    assert kept == 4 * 50_000  # the first request and three resumes

    route.drops = 0
    got = download_pdf(http, url, dest)
    assert route.seen[-1] == (f"bytes={kept}-", '"v1"')
    assert got.sha256 == sha(pdf_bytes)  # the hash continued over the bytes already on disk
    assert files(tmp_path) == {"p.pdf"}


def test_changed_file_starts_over(
    server: FlakyServer, http: Http, pdf_bytes: bytes, other_pdf_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(pdf_bytes, drop_after=50_000, drops=99)
    url, dest = server.add(route), tmp_path / "p.pdf"
    with pytest.raises(NetworkError):
        download_pdf(http, url, dest)
    route.body, route.etag, route.drops = other_pdf_bytes, '"v2"', 0
    got = download_pdf(http, url, dest)
    assert route.seen[-1] == ("bytes=200000-", '"v1"')  # If-Range mismatch: the server sent 200
    assert (got.sha256, got.page_count) == (sha(other_pdf_bytes), 2)
    assert files(tmp_path) == {"p.pdf"}


def test_part_longer_than_the_file_starts_over(
    server: FlakyServer, http: Http, other_pdf_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(other_pdf_bytes)
    url, dest = server.add(route), tmp_path / "p.pdf"
    (tmp_path / "p.pdf.part").write_bytes(b"x" * (len(other_pdf_bytes) + 10))
    (tmp_path / "p.pdf.part.json").write_text(f'{{"url": "{url}", "validator": "\\"v1\\"", "total": null}}')
    got = download_pdf(http, url, dest)
    assert [s[0] for s in route.seen] == [f"bytes={len(other_pdf_bytes) + 10}-", None]  # 416, then afresh
    assert got.sha256 == sha(other_pdf_bytes)
    assert files(tmp_path) == {"p.pdf"}


def test_stray_part_without_sidecar_is_ignored(
    server: FlakyServer, http: Http, other_pdf_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(other_pdf_bytes)
    (tmp_path / "p.pdf.part").write_bytes(b"junk from somewhere")
    got = download_pdf(http, server.add(route), tmp_path / "p.pdf")
    assert route.seen == [(None, None)] and got.sha256 == sha(other_pdf_bytes)


def test_throttled_then_served(
    server: FlakyServer, http: Http, other_pdf_bytes: bytes, tmp_path: Path
) -> None:
    route = Route(other_pdf_bytes, throttle_first=1)
    start = time.monotonic()
    got = download_pdf(http, server.add(route), tmp_path / "p.pdf")
    assert time.monotonic() - start >= 1.0  # Retry-After: 1 was honoured
    assert len(route.seen) == 2 and got.sha256 == sha(other_pdf_bytes)


HTML = b"<!DOCTYPE html>\n<html><body>Please verify you are a human</body></html>"


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/pdf"])
def test_web_page_instead_of_pdf(server: FlakyServer, http: Http, tmp_path: Path, content_type: str) -> None:
    url = server.add(Route(HTML, content_type=content_type))
    with pytest.raises(PdfError, match=r"sent a web page instead of the PDF .*nothing was attached"):
        download_pdf(http, url, tmp_path / "p.pdf")
    assert files(tmp_path) == set()


def test_cancel_midway(server: FlakyServer, http: Http, pdf_bytes: bytes, tmp_path: Path) -> None:
    stop = threading.Event()
    url = server.add(Route(pdf_bytes, chunk_delay=0.01))
    with pytest.raises(Cancelled):
        download_pdf(http, url, tmp_path / "p.pdf", progress=lambda p: stop.set(), cancelled=stop.is_set)
    assert files(tmp_path) == set()


# Every way a download can end, and what may be left in the folder afterwards.
SCENARIOS = {
    "ok": (dict(), None, {"p.pdf"}),
    "resumed": (dict(drop_after=100_000, drops=1), None, {"p.pdf"}),
    "exhausted": (dict(drop_after=100_000, drops=99), NetworkError, {"p.pdf.part", "p.pdf.part.json"}),
    "exhausted-no-validator": (dict(etag=None, drop_after=100_000, drops=99), NetworkError, set()),
    "not-found": (dict(status=404), NetworkError, set()),
    "forbidden": (dict(status=403), NetworkError, set()),
    "html": (dict(body=HTML, content_type="text/html"), PdfError, set()),
    "corrupt": (dict(body=b"%PDF-1.7\n" + bytes(range(256)) * 100), PdfError, set()),
    "truncated-no-length": (dict(send_length=False, drop_after=300_000, drops=1), PdfError, set()),
    "cancelled": (dict(chunk_delay=0.005), Cancelled, set()),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_folder_holds_only_a_verified_pdf_or_nothing(
    server: FlakyServer, http: Http, pdf_bytes: bytes, tmp_path: Path, name: str
) -> None:
    options, error, expected = SCENARIOS[name]
    stop = threading.Event()

    def progress(_: Progress) -> None:
        if name == "cancelled":
            stop.set()

    url = server.add(Route(**{"body": pdf_bytes, **options}))
    outcome: Exception | None = None
    try:
        download_pdf(http, url, tmp_path / "p.pdf", progress=progress, cancelled=stop.is_set)
    except Exception as exc:
        outcome = exc
    assert (type(outcome) if outcome else None) is error, outcome
    assert files(tmp_path) == expected
    if "p.pdf" in expected:
        assert sha256_file(tmp_path / "p.pdf") == sha(pdf_bytes)


# --- DownloadQueue ---------------------------------------------------------------------------


class Outcomes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.results: dict[str, Downloaded | None] = {}
        self.errors: dict[str, BaseException | None] = {}
        self.progress = threading.Event()

    def done(self, job: str, result: Downloaded | None, error: BaseException | None) -> None:
        with self.lock:
            self.calls[job] += 1
            self.results[job], self.errors[job] = result, error

    def on_progress(self, job: str, progress: Progress) -> None:
        self.progress.set()


@pytest.mark.parametrize(("per_host", "bound"), [(3, 3), (2, 2)])
def test_queue_bounds_concurrency(
    own_server: FlakyServer, http: Http, pdf_bytes: bytes, tmp_path: Path, per_host: int, bound: int
) -> None:
    out = Outcomes()
    slow = Route(pdf_bytes, chunk_delay=0.008)  # about 0.3 s per file
    with DownloadQueue(http, concurrency=3, per_host=per_host) as queue:
        for n in range(8):
            queue.submit(f"job{n}", own_server.add(slow), tmp_path / f"{n}.pdf", on_done=out.done)
        assert queue.wait(timeout=30)
    assert out.calls == Counter({f"job{n}": 1 for n in range(8)})
    assert all(out.errors[j] is None and out.results[j] is not None for j in out.calls)
    assert 2 <= own_server.max_active <= bound
    assert files(tmp_path) == {f"{n}.pdf" for n in range(8)}


def test_queue_cancel_all_and_one(server: FlakyServer, http: Http, pdf_bytes: bytes, tmp_path: Path) -> None:
    out = Outcomes()
    slow = Route(pdf_bytes, chunk_delay=0.02)  # about 0.8 s per file
    queue = DownloadQueue(http)
    for n in range(6):
        queue.submit(
            f"job{n}", server.add(slow), tmp_path / f"{n}.pdf", on_progress=out.on_progress, on_done=out.done
        )
    with pytest.raises(ValueError, match="already queued"):
        queue.submit("job0", server.add(slow), tmp_path / "x.pdf")
    queue.cancel("job5")  # still waiting for a thread
    assert out.progress.wait(10)
    queue.cancel_all()
    assert queue.wait(timeout=10)
    queue.shutdown()
    assert out.calls == Counter({f"job{n}": 1 for n in range(6)})
    assert all(isinstance(e, Cancelled) for e in out.errors.values())
    assert files(tmp_path) == set()


def test_queue_reports_failures(
    server: FlakyServer, http: Http, other_pdf_bytes: bytes, tmp_path: Path
) -> None:
    out = Outcomes()
    with DownloadQueue(http) as queue:
        queue.submit("good", server.add(Route(other_pdf_bytes)), tmp_path / "good.pdf", on_done=out.done)
        queue.submit("gone", server.add(Route(b"", status=404)), tmp_path / "gone.pdf", on_done=out.done)
        queue.submit(
            "bad", server.add(Route(b"%PDF-1.5\n" + bytes(9000))), tmp_path / "bad.pdf", on_done=out.done
        )
        queue.wait()
    assert out.results["good"] is not None and out.results["good"].page_count == 2
    assert isinstance(out.errors["gone"], NetworkError) and "404" in str(out.errors["gone"])
    assert isinstance(out.errors["bad"], PdfError) and "not a usable PDF" in str(out.errors["bad"])
    assert files(tmp_path) == {"good.pdf"}

"""Benchmark the PDF building blocks; prints JSON.

(a) 50 downloads of a 2 MB PDF from a local threaded HTTP server (its own process, so the
    clients do not fight the server for the GIL), concurrency 3: DownloadQueue (sha256 while
    streaming, fsync, verification in the worker, atomic rename) against a bare requests loop
    that only writes the file. Also measured, to show where the time goes: the bare loop plus
    sha256 and fsync, and the downloader without verification; and both main variants again
    against a server that paces each connection to a realistic rate (``--rate`` MB/s).
(b) Text extraction of a generated 500-page PDF through the worker process, warm (server
    running) and cold (server started by the call), plus in-process PyMuPDF for reference.

Usage: python bench/bench_pdf.py [--runs N] [--rate MB_PER_S]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILES = 50
SIZE = 2 * 1024 * 1024
CONCURRENCY = 3
PAGES = 500


def serve(pdf: Path, rate: float) -> None:
    """Server process: every /N.pdf path answers with the same PDF bytes (at ``rate`` bytes/s
    per connection when rate > 0)."""
    body = pdf.read_bytes()
    step = 64 * 1024

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", f'"{self.path}"')
            self.end_headers()
            if rate <= 0:
                self.wfile.write(body)
                return
            start = time.monotonic()
            for offset in range(0, len(body), step):
                self.wfile.write(body[offset : offset + step])
                ahead = (offset + step) / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


def bare_requests(urls: list[str], folder: Path, *, hash_and_fsync: bool = False) -> None:
    import requests

    local = threading.local()

    def fetch(n_url: tuple[int, str]) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        digest = hashlib.sha256()
        path = folder / f"{n_url[0]}.pdf"
        with session.get(n_url[1], stream=True, timeout=(10, 30)) as resp, path.open("wb") as f:
            resp.raise_for_status()
            for chunk in resp.iter_content(256 * 1024):
                f.write(chunk)
                if hash_and_fsync:
                    digest.update(chunk)
            if hash_and_fsync:
                f.flush()
                os.fsync(f.fileno())

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(fetch, enumerate(urls)))


def downloader(urls: list[str], folder: Path, expected_sha: str, *, verify: bool = True) -> None:
    from readinglist.pdf.queue import DownloadQueue
    from readinglist.pdf.worker import verify_pdf_isolated
    from readinglist.sources.http import Http

    errors: list[BaseException] = []

    def done(job: str, result: object, error: BaseException | None) -> None:
        if error is not None or getattr(result, "sha256", None) != expected_sha:
            errors.append(error or AssertionError(f"{job}: wrong hash"))

    check = verify_pdf_isolated if verify else (lambda path: 0)
    with DownloadQueue(Http(), concurrency=CONCURRENCY, verify=check) as queue:
        for n, url in enumerate(urls):
            queue.submit(str(n), url, folder / f"{n}.pdf", on_done=done)
        queue.wait()
    if errors:
        raise errors[0]


def _server(pdf: Path, rate: float) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(pdf), str(rate)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def _time_variants(
    work: Path, variants: dict[str, Callable[[Path], None]], runs: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(runs + 1):  # run 0 warms up connections, page cache and worker servers
        for name, fn in variants.items():
            folder = work / f"{name}-{run}"
            folder.mkdir()
            start = time.perf_counter()
            fn(folder)
            elapsed = time.perf_counter() - start
            assert len(list(folder.iterdir())) == FILES
            shutil.rmtree(folder)
            if run:
                times[name].append(elapsed)
    return times


def bench_downloads(work: Path, runs: int, rate_mb: float) -> dict[str, object]:
    from tests.pdfgen import make_paper_pdf

    pdf = make_paper_pdf(
        work / "served.pdf", title="Served Paper For Benchmarks", authors=["A"], min_size=SIZE
    )
    size = pdf.stat().st_size
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    mb = FILES * size / 1e6
    result: dict[str, object] = {"files": FILES, "file_bytes": size, "concurrency": CONCURRENCY, "runs": runs}
    for label, rate, n_runs, with_ablation in (
        ("loopback", 0.0, runs, True),
        ("paced", rate_mb * 1e6, 3, False),
    ):
        proc, port = _server(pdf, rate)
        try:
            urls = [f"http://127.0.0.1:{port}/{n}.pdf" for n in range(FILES)]
            variants: dict[str, Callable[[Path], None]] = {
                "bare_requests": lambda d, u=urls: bare_requests(u, d),
                "downloader": lambda d, u=urls: downloader(u, d, sha),
            }
            if with_ablation:
                variants["bare_requests_sha256_fsync"] = lambda d, u=urls: bare_requests(
                    u, d, hash_and_fsync=True
                )
                variants["downloader_without_verify"] = lambda d, u=urls: downloader(u, d, sha, verify=False)
            times = _time_variants(work, variants, n_runs)
        finally:
            proc.terminate()
            proc.wait()
        speeds = {name: round(mb / statistics.median(ts), 1) for name, ts in times.items()}
        result[label] = {
            "server_rate_mb_per_s_per_connection": rate_mb if rate else None,
            "mb_per_s": speeds,
            "ratio": round(speeds["downloader"] / speeds["bare_requests"], 3),
            "seconds": {name: [round(t, 3) for t in ts] for name, ts in times.items()},
        }
    return result


def bench_extraction(work: Path, runs: int) -> dict[str, object]:
    from readinglist.pdf import worker
    from readinglist.pdf.document import read_pdf_text
    from tests.pdfgen import make_paper_pdf

    pdf = make_paper_pdf(work / "long.pdf", title="A Long Technical Report", authors=["A"], pages=PAGES)

    def timed(fn: object) -> float:
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        assert result.page_count == PAGES
        return time.perf_counter() - start

    worker.extract_text(pdf)  # warm-up: server started, file in the page cache
    warm = [timed(lambda: worker.extract_text(pdf)) for _ in range(runs)]
    cold = []
    for _ in range(runs):
        worker.shutdown_servers()
        cold.append(timed(lambda: worker.extract_text(pdf)))
    local = [timed(lambda: read_pdf_text(pdf)) for _ in range(runs)]
    verify_ms = []
    for _ in range(runs * 5):
        start = time.perf_counter()
        worker.verify_pdf_isolated(pdf)
        verify_ms.append((time.perf_counter() - start) * 1000)
    return {
        "pages": PAGES,
        "runs": runs,
        "warm_pages_per_s": round(PAGES / statistics.median(warm)),
        "cold_pages_per_s": round(PAGES / statistics.median(cold)),
        "in_process_pages_per_s": round(PAGES / statistics.median(local)),
        "verify_isolated_ms": round(statistics.median(verify_ms), 1),
        "seconds": {"warm": [round(t, 3) for t in warm], "cold": [round(t, 3) for t in cold]},
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), float(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rate", type=float, default=20.0, help="paced server, MB/s per connection")
    args = parser.parse_args()
    import pymupdf

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        work = Path(tmp)
        result = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "pymupdf": pymupdf.VersionBind,
            },
            # extraction first: the downloads leave the disk busy writing back gigabytes
            "extraction": bench_extraction(work, args.runs),
            "download": bench_downloads(work, args.runs, args.rate),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

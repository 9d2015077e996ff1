"""Core benchmarks (issue 2): sync ingest rate, and search latency over 100,000 papers.

Prints JSON. Run: python bench/bench_core.py [--days 200] [--papers 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import multiprocessing.process
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from readinglist.config import Endpoints
from readinglist.records import FeedItem, PaperMeta
from readinglist.services import ingest, sync
from readinglist.services.library import Library

WORDS = [
    "contrastive",
    "retrieval",
    "transformer",
    "diffusion",
    "agent",
    "reasoning",
    "sparse",
    "attention",
    "mixture",
    "experts",
    "vision",
    "language",
    "model",
    "scaling",
    "benchmark",
    "alignment",
    "reward",
    "policy",
    "graph",
    "token",
    "efficient",
    "robust",
    "multimodal",
    "video",
    "speech",
    "protein",
    "molecule",
    "planning",
    "memory",
    "latent",
    "quantization",
    "distillation",
    "synthetic",
    "data",
    "evaluation",
]
NAMES = [
    "Jörg Günther",
    "Ana Martínez",
    "Wei Zhang",
    "Priya Natarajan",
    "Lù Chen",
    "Tomasz Cłapa",
    "Sam Okafor",
]
START = dt.date(2024, 1, 1)


def day_json(day_index: int, per_day: int, rng: random.Random) -> bytes:
    day = START + dt.timedelta(days=day_index)
    items = []
    for j in range(per_day):
        n = day_index * per_day + j
        title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
        items.append({
            "paper": {
                "id": f"{day:%y%m}.{10000 + n % 90000:05d}",
                "authors": [{"_id": f"a{n}{k}", "name": rng.choice(NAMES), "hidden": False} for k in range(4)],
                "publishedAt": f"{day.isoformat()}T00:00:00.000Z",
                "title": title,
                "summary": " ".join(rng.choice(WORDS) for _ in range(150)),
                "upvotes": rng.randint(0, 200),
                "discussionId": "0" * 24,
            },
            "publishedAt": f"{day.isoformat()}T04:00:00.000Z",
            "title": title,
            "numComments": rng.randint(0, 9),
        })  # fmt: skip
    return json.dumps(items).encode()


def serve(days: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real host

        def do_GET(self) -> None:
            date = parse_qs(urlsplit(self.path).query).get("date", [""])[0]
            body = days.get(date, b"[]")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _serve_in_child(days: dict[str, bytes], port: Connection) -> None:
    server = serve(days)
    port.send(server.server_address[1])
    threading.Event().wait()


def serve_elsewhere(days: dict[str, bytes]) -> tuple[str, multiprocessing.process.BaseProcess]:
    """The feed host in a process of its own, as a real host is: a server thread in this
    process would take the interpreter lock from the sync it serves."""
    ctx = multiprocessing.get_context("fork")
    mine, theirs = ctx.Pipe()
    child = ctx.Process(target=_serve_in_child, args=(days, theirs), daemon=True)
    child.start()
    return f"http://127.0.0.1:{mine.recv()}", child


def bench_sync(n_days: int, per_day: int, runs: int) -> dict[str, object]:
    rng = random.Random(1)
    days = {(START + dt.timedelta(days=i)).isoformat(): day_json(i, per_day, rng) for i in range(n_days)}
    base, server = serve_elsewhere(days)
    rates = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            lib = Library.open(Path(tmp), Endpoints(hf=base, arxiv=base, arxiv_api=base, arxiv_delay=0))
            t0 = time.perf_counter()
            report = sync.sync_days(lib, [START + dt.timedelta(days=i) for i in range(n_days)])
            elapsed = time.perf_counter() - t0
            assert report.ok and report.new == n_days * per_day, report.new
            rates.append(n_days * per_day / elapsed)
            lib.close()
    server.terminate()
    return {"days": n_days, "papers_per_day": per_day, "papers_per_s_runs": [round(r) for r in rates],
            "papers_per_s_median": round(statistics.median(rates)), "target": 10_000}  # fmt: skip


def bench_ingest(n_days: int, per_day: int, runs: int) -> dict[str, object]:
    """The write side alone: parsed days written as a sync groups them (sync.WINDOW days per
    transaction when they are all fetched), no HTTP and no parsing."""
    from readinglist.sources.huggingface import parse_daily

    rng = random.Random(1)
    feeds = [parse_daily(day_json(i, per_day, rng), START + dt.timedelta(days=i)) for i in range(n_days)]
    rates = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            lib = Library.open(Path(tmp), Endpoints(arxiv_delay=0))
            t0 = time.perf_counter()
            for i in range(0, n_days, sync.WINDOW):
                sync.ingest_days(lib, feeds[i : i + sync.WINDOW])
            rates.append(n_days * per_day / (time.perf_counter() - t0))
            lib.close()
    return {"days": n_days, "papers_per_day": per_day, "papers_per_s_runs": [round(r) for r in rates],
            "papers_per_s_median": round(statistics.median(rates)), "target": 10_000}  # fmt: skip


def build_big_library(root: Path, n: int) -> Library:
    lib = Library.open(root, Endpoints(arxiv_delay=0))
    rng = random.Random(2)
    batch = 2000
    for b in range(0, n, batch):
        day = START + dt.timedelta(days=b // batch)
        items = []
        for j in range(b, min(n, b + batch)):
            title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
            meta = PaperMeta(
                title=title, authors=tuple(rng.choice(NAMES) for _ in range(4)),
                arxiv_id=f"{2300 + j // 90000:04d}.{10000 + j % 90000:05d}", version=1,
                abstract=" ".join(rng.choice(WORDS) for _ in range(150)), published=day,
            )  # fmt: skip
            items.append(FeedItem(meta, day, rng.randint(0, 300), 0))
        with lib.change("Bench sync", undoable=False) as tx:
            ingest.ingest_feed_items(tx, day, items, make_key=lib.make_citekey)
    return lib


def bench_search(n: int, runs: int) -> dict[str, object]:
    queries = ["contrastive retrieval", '"sparse attention"', "transf*", "protein", "author:günther diffusion",
               "retrieval year:2024", "quantization distillation video", "zzzunmatched", "mod*", "model"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        lib = build_big_library(Path(tmp), n)
        build_s = time.perf_counter() - t0
        per_query: dict[str, float] = {}
        all_times = []
        for q in queries:
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                lib.search(q, limit=50)
                times.append((time.perf_counter() - t) * 1000)
            per_query[q] = round(statistics.median(times), 2)
            all_times += times
        lib.close()
    return {"papers": n, "build_s": round(build_s, 1), "median_ms_per_query": per_query,
            "median_ms_all": round(statistics.median(all_times), 2),
            "max_ms": round(max(all_times), 2), "target_median_ms": 50}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=200)
    ap.add_argument("--per-day", type=int, default=50)
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", choices=["sync", "ingest", "search"], nargs="+")
    args = ap.parse_args()
    only = set(args.only or ["sync", "ingest", "search"])
    out: dict[str, object] = {
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}"
    }
    if "sync" in only:
        out["sync"] = bench_sync(args.days, args.per_day, args.runs)
    if "ingest" in only:
        out["ingest"] = bench_ingest(args.days, args.per_day, args.runs)
    if "search" in only:
        out["search"] = bench_search(args.papers, args.runs)
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""GUI responsiveness: event-loop stalls during a sync, start-up and search at 100,000 papers.

(a) The worst lateness of a 10 ms QTimer while a worker syncs 40 days x 50 papers (2,000) from a
    local server into the open window (target < 100 ms).
(b) A 100,000-paper library (bulk SQL inserts, about 10 s): time from process start to the first
    rows shown in a fresh process, and its resident memory then (issue 16: 0.6 s, 200 MB); and
    search results shown after the last keystroke of a typed query (target < 100 ms).
Medians over --runs. Prints JSON. Run: QT_QPA_PLATFORM=offscreen python bench/bench_gui.py
(``--only startup`` for (b)'s start-up alone).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WORDS = [
    "attention",
    "transformer",
    "diffusion",
    "scaling",
    "sparse",
    "mixture",
    "experts",
    "retrieval",
    "reasoning",
    "agents",
    "policy",
    "reward",
    "vision",
    "language",
    "model",
    "token",
    "memory",
    "kernel",
    "latency",
    "dataset",
    "benchmark",
    "alignment",
    "robust",
    "efficient",
    "graph",
    "neural",
    "field",
    "video",
    "speech",
    "protein",
    "code",
    "theorem",
    "robot",
    "planning",
    "world",
]
NAMES = ("Zhang", "Müller", "Martínez", "Nguyễn", "Tanaka", "Okafor", "Dubois", "Kim", "Patel", "Novák")


# -- (a) sync stall --------------------------------------------------------------------------
def _feed(day: dt.date, n: int) -> bytes:
    rng = random.Random(day.toordinal())
    return json.dumps(
        [
            {
                "paper": {
                    "id": f"{day:%y%m}.{day.day:02d}{i:03d}",
                    "title": " ".join(rng.sample(WORDS, 7)).capitalize(),
                    "authors": [{"name": f"A. {rng.choice(NAMES)}"} for _ in range(rng.randint(1, 6))],
                    "summary": " ".join(rng.choices(WORDS, k=120)),
                    "publishedAt": f"{day.isoformat()}T00:00:00.000Z",
                    "upvotes": rng.randint(0, 200),
                },
                "numComments": rng.randint(0, 9),
            }
            for i in range(n)
        ]
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    per_day = 50

    def do_GET(self) -> None:
        q = parse_qs(urlsplit(self.path).query)
        body = _feed(dt.date.fromisoformat(q["date"][0]), self.per_day)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _app():  # type: ignore[no-untyped-def]
    from ui.app import apply_appearance, make_app
    from ui.settings import Settings

    app = make_app()
    settings = Settings(Path(tempfile.mkdtemp()) / "ui.ini")
    apply_appearance(settings, "light")
    return app, settings


def _wait(app, cond, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("benchmark step timed out")
        app.processEvents()
        time.sleep(0.001)


def sync_stall(days: int, per_day: int) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QTimer

    from readinglist.config import Endpoints
    from readinglist.services import sync as syncsvc
    from readinglist.services.library import Library
    from ui.app import build_context, open_window, tune_gc

    app, settings = _app()
    _Handler.per_day = per_day
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    lib = Library.open(
        Path(tempfile.mkdtemp()) / "lib", Endpoints(hf=url, arxiv=url, arxiv_api=url, arxiv_delay=0)
    )
    ctx = build_context(lib, settings)
    win = open_window(ctx, sync=False)
    win.resize(1400, 900)
    _wait(app, lambda: win.is_ready)
    tune_gc()  # as ui.app.main does once the window is up
    today = dt.date(2025, 3, 31)
    day_list = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    gaps: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: (gaps.append(clock.restart()),))
    clock.start()
    timer.start()

    def job() -> object:
        return syncsvc.sync_days(lib, day_list, after_day=lambda _f, ch: ctx.bus.post(ch))

    t0 = time.perf_counter()
    handle = ctx.tasks.run(job)
    _wait(app, lambda: handle.done, timeout=600)
    elapsed = time.perf_counter() - t0
    for _ in range(30):  # let the last refreshes land while still measuring
        app.processEvents()
        time.sleep(0.01)
    timer.stop()
    n = lib.count(__import__("readinglist.db.queries", fromlist=["PaperFilter"]).PaperFilter(dismissed=None))
    win.close()
    lib.close()
    server.shutdown()
    late = sorted(max(0.0, g - 10) for g in gaps[1:])
    return {
        "papers": n,
        "sync_seconds": round(elapsed, 2),
        "max_stall_ms": round(late[-1], 1),
        "p99_stall_ms": round(late[int(len(late) * 0.99)], 1),
        "ticks": len(late),
    }


# -- (b) 100k library ------------------------------------------------------------------------
def make_big_library(root: Path, n: int) -> Path:
    """Bulk-insert ``n`` papers with feed days, tags and the FTS index (about 10 s for 100k)."""
    from sqlalchemy import insert, text

    from readinglist.db.schema import FeedAppearance, Paper, PaperTag, Tag
    from readinglist.services.library import Library

    if (root / "library.sqlite3").exists():
        return root
    rng = random.Random(1)
    lib = Library.open(root)
    end = dt.date(2025, 3, 31)
    now = dt.datetime(2025, 3, 31, 12)
    papers, feed, tagged = [], [], []
    for i in range(1, n + 1):
        day = end - dt.timedelta(days=(i - 1) // 50)
        title = " ".join(rng.sample(WORDS, 8)).capitalize()
        papers.append({
            "id": i, "arxiv_id": f"{day:%y%m}.{i:06d}", "title": title, "title_norm": title.lower(),
            "authors": json.dumps([f"{rng.choice('ABCDEFG')}. {rng.choice(NAMES)}" for _ in range(rng.randint(1, 6))], ensure_ascii=False),
            "abstract": " ".join(rng.choices(WORDS, k=60)), "published": day, "categories": "cs.LG",
            "ai_keywords": "[]", "upvotes": rng.randint(0, 300), "num_comments": 0, "last_feed_date": day,
            "saved": i % 9 == 0, "dismissed": False, "starred": i % 50 == 0, "status": "unread", "rating": 0,
            "note": "", "citekey": f"key{i}", "needs_review": False, "added_at": now, "modified_at": now,
        })  # fmt: skip
        feed.append({"paper_id": i, "feed_date": day, "upvotes": papers[-1]["upvotes"], "num_comments": 0,
                     "first_seen": now, "last_seen": now})  # fmt: skip
        if i % 4 == 0:
            tagged.append({"paper_id": i, "tag_id": 1 + i % 5})
    with lib.change("Bench data", undoable=False) as tx:
        s = tx.session
        s.execute(
            insert(Tag),
            [
                {"id": k, "name": name}
                for k, name in enumerate(("agents", "vision", "rl", "nlp", "theory"), 1)
            ],
        )
        for chunk in range(0, n, 20_000):
            s.execute(insert(Paper), papers[chunk : chunk + 20_000])
        s.execute(insert(FeedAppearance), feed)
        s.execute(insert(PaperTag), tagged)
        tx.rebuild_index()
        s.execute(text("ANALYZE"))
    lib.close()
    return root


_CHILD = """
import sys, time
t0 = float(sys.argv[1])
sys.path.insert(0, sys.argv[3])
from ui.app import make_app, apply_appearance, build_context, open_window
from ui.settings import Settings
from readinglist.services.library import Library
app = make_app()
settings = Settings(sys.argv[4])
apply_appearance(settings, "light")
ctx = build_context(Library.open(sys.argv[2]), settings)
win = open_window(ctx, sync=False)
win.resize(1400, 900)
def done():
    win.list.viewport().repaint()
    took = time.time() - t0
    rss_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
    print(took, rss_kb / 1024, flush=True)
    app.exit(0)
win.ready.connect(done)
app.exec()
"""


def startup(root: Path, runs: int) -> list[tuple[float, float]]:
    """(seconds from process start to the first rows painted, resident MB then) per run.

    The project's bytecode is compiled first into a private PYTHONPYCACHEPREFIX, as an
    installed program has it (these machines set PYTHONDONTWRITEBYTECODE=1: without this, each
    start compiled every changed module from source)."""
    prefix = Path(tempfile.mkdtemp(prefix="bench-gui-pyc-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=str(prefix))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for package in ("readinglist", "ui"):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / package)], check=True, env=env)
    out = []
    for _ in range(runs):
        ini = Path(tempfile.mkdtemp()) / "ui.ini"
        res = subprocess.run(
            [sys.executable, "-c", _CHILD, repr(time.time()), str(root), str(ROOT), str(ini)],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
        took, rss = res.stdout.strip().splitlines()[-1].split()
        out.append((float(took), float(rss)))
    return out


def search_latency(root: Path, queries: list[str]) -> dict[str, object]:
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from readinglist.records import PaperFilter
    from readinglist.services.library import Library
    from ui.app import build_context, open_window

    app, settings = _app()
    lib = Library.open(root)
    ctx = build_context(lib, settings)
    win = open_window(ctx, sync=False)
    win.resize(1400, 900)
    _wait(app, lambda: win.is_ready)
    page = lib.paper_ids(PaperFilter(dismissed=None), limit=400)[200:400]
    t0 = time.perf_counter()
    rows = lib.get_many(page)
    page_ms = (time.perf_counter() - t0) * 1000
    results: dict[str, float] = {}
    issued: dict[str, float] = {}
    after_issue: dict[str, float] = {}
    win.search.query_changed.connect(lambda text: issued.__setitem__(text, time.perf_counter()))
    for q in queries:
        win.search.clear()
        _wait(app, lambda: not win.papers.query.filter.query)
        win.search.setFocus()
        for n, ch in enumerate(q):  # a quick typist: 60 ms between keys
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):  # QTest is ASCII-only
                QApplication.sendEvent(win.search, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
            last_key = time.perf_counter()
            end = time.monotonic() + (0.06 if n < len(q) - 1 else 0)
            while time.monotonic() < end:
                app.processEvents()
        _wait(app, lambda q=q: win.papers.query.filter.query == q and win.papers._reload is None)
        win.list.viewport().repaint()
        shown = time.perf_counter()
        results[q] = round((shown - last_key) * 1000, 1)
        after_issue[q] = round((shown - issued[q]) * 1000, 1)
    win.search.clear()
    del rows
    win.close()
    lib.close()
    return {
        "page_of_200_rows_ms": round(page_ms, 1),
        "per_query_ms": results,
        "after_debounce_ms": after_issue,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=40)
    ap.add_argument("--per-day", type=int, default=50)
    ap.add_argument("--big", type=Path, default=Path(tempfile.gettempdir()) / "readinglist-bench-100k")
    ap.add_argument("--only", choices=["startup"], help="only the cold start of the big library")
    args = ap.parse_args()
    if args.only == "startup":
        big = make_big_library(args.big, args.papers)
        runs = startup(big, max(3, args.runs))
        print(json.dumps({
            "papers": args.papers,
            "median_start_to_first_rows_s": round(statistics.median(t for t, _ in runs), 3),
            "median_rss_at_first_rows_mb": round(statistics.median(m for _, m in runs), 1),
            "runs": [[round(t, 3), round(m, 1)] for t, m in runs],
            "target_start_s": 0.6,
            "target_rss_mb": 200,
        }, indent=2))  # fmt: skip
        return
    stalls = [sync_stall(args.days, args.per_day) for _ in range(args.runs)]
    t0 = time.perf_counter()
    big = make_big_library(args.big, args.papers)
    gen_s = time.perf_counter() - t0
    started = startup(big, max(3, args.runs))
    starts = [t for t, _ in started]
    queries = ["attention", "diffusion models", "tag:agents", "author:müller", "reward policy"]
    searches = [search_latency(big, queries) for _ in range(args.runs)]
    per_query = [v for s in searches for v in s["per_query_ms"].values()]  # type: ignore[union-attr]
    after = [v for s in searches for v in s["after_debounce_ms"].values()]  # type: ignore[union-attr]
    from ui.views.search import DEBOUNCE_MS

    print(json.dumps({
        "sync_stall": {
            "papers_synced": stalls[0]["papers"],
            "median_max_stall_ms": statistics.median(s["max_stall_ms"] for s in stalls),
            "median_p99_stall_ms": statistics.median(s["p99_stall_ms"] for s in stalls),
            "median_sync_seconds": statistics.median(s["sync_seconds"] for s in stalls),
            "target_ms": 100,
            "runs": stalls,
        },
        "library_100k": {
            "papers": args.papers,
            "generate_seconds": round(gen_s, 1),
            "median_start_to_first_rows_s": round(statistics.median(starts), 3),
            "start_runs_s": [round(s, 3) for s in starts],
            "median_rss_at_first_rows_mb": round(statistics.median(m for _, m in started), 1),
            "target_start_s": 0.6,
            "median_search_after_last_key_ms": statistics.median(per_query),
            "max_search_after_last_key_ms": max(per_query),
            "debounce_ms": DEBOUNCE_MS,
            "median_search_after_debounce_ms": statistics.median(after),
            "max_search_after_debounce_ms": max(after),
            "target_search_ms": 100,
            "median_page_of_200_rows_ms": statistics.median(s["page_of_200_rows_ms"] for s in searches),
            "runs": searches,
        },
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()

"""Issue 16 in-process figures at 100k papers: search p95 over varied queries, the prefix ``m*``,
every sort order (all ids, as the list view asks), export of the whole library (time and peak
memory in a child process) and sync ingest.

Prints JSON. Run: python bench/bench_speed.py [--big DIR] [--runs 5]
The 100k library is made once by bench_gui.make_big_library in ``--big`` and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

QUERIES = [
    "agent", "diffusion model", '"language model"', "trans*", "m*", "reward policy", "author:müller",
    "vision year:2024", "zzzunmatched", "graph*", "sparse attention experts", "tag:agents reasoning",
]  # fmt: skip


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def bench_search(lib: object, runs: int) -> dict[str, object]:
    times: dict[str, list[float]] = {q: [] for q in QUERIES}
    for _ in range(runs):
        for q in QUERIES:
            t = time.perf_counter()
            lib.search(q, limit=200)  # type: ignore[attr-defined]
            times[q].append((time.perf_counter() - t) * 1000)
    every = [x for v in times.values() for x in v]
    return {
        "p95_ms_all": round(p95(every), 1),
        "median_ms_all": round(statistics.median(every), 1),
        "median_ms_prefix_m*": round(statistics.median(times["m*"]), 1),
        "median_ms_per_query": {q: round(statistics.median(v), 1) for q, v in times.items()},
        "targets": {"p95_ms": 30, "prefix_m*_ms": 100},
    }


def bench_sort(lib: object, runs: int) -> dict[str, object]:
    from readinglist.records import SORT_KEYS, PaperFilter

    out: dict[str, float] = {}
    f = PaperFilter(dismissed=False)
    for key in SORT_KEYS:
        ts = []
        for _ in range(runs):
            t = time.perf_counter()
            lib.paper_ids(f, sort=key, descending=True)  # type: ignore[attr-defined]
            ts.append((time.perf_counter() - t) * 1000)
        out[key] = round(statistics.median(ts), 1)
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        lib.paper_ids(PaperFilter(query="model"), sort="title")  # type: ignore[attr-defined]
        ts.append((time.perf_counter() - t) * 1000)
    out["title, on a search result"] = round(statistics.median(ts), 1)
    return {"median_ms_all_ids": out, "max_ms": max(out.values())}


_EXPORT_CHILD = """
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from readinglist.services.library import Library
from readinglist.services import citations
lib = Library.open(sys.argv[2])
t = time.perf_counter()
ids = lib.paper_ids(__import__("readinglist.records").records.PaperFilter(dismissed=None))
text = citations.export_text(lib, ids, "bibtex")
open(sys.argv[3], "w", encoding="utf-8").write(text)
print(time.perf_counter() - t, len(ids), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def bench_export(big: Path, runs: int) -> dict[str, object]:
    ts, rss = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            res = subprocess.run([sys.executable, "-c", _EXPORT_CHILD, str(ROOT), str(big), f"{tmp}/x.bib"],
                                 capture_output=True, text=True, check=True)  # fmt: skip
            s, n, mb = res.stdout.split()
            ts.append(float(s))
            rss.append(float(mb))
    return {"papers": int(n), "median_s": round(statistics.median(ts), 2),
            "median_peak_rss_mb": round(statistics.median(rss)), "targets": {"s": 1.5, "rss_mb": 150}}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", type=Path, default=Path(tempfile.gettempdir()) / "readinglist-bench-speed-100k")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="search,sort,export,sync")
    args = ap.parse_args()
    import bench_gui

    from readinglist.services.library import Library

    bench_gui.make_big_library(args.big, 100_000)
    only = set(args.only.split(","))
    out: dict[str, object] = {"load": os.getloadavg()}
    lib = Library.open(args.big)
    if "search" in only:
        out["search"] = bench_search(lib, args.runs)
    if "sort" in only:
        out["sort"] = bench_sort(lib, args.runs)
    lib.close()
    if "export" in only:
        out["export_100k"] = bench_export(args.big, args.runs)
    if "sync" in only:
        import bench_core

        out["sync"] = bench_core.bench_sync(200, 50, args.runs)
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

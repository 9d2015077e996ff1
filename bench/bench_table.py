"""Sorting the paper table by a header click, click to painted, at 100k papers (issue 16).

Opens the real main window on a generated library (``bench_gui.make_big_library``), clicks
each sortable column's header section with a real mouse event (``QTest.mouseClick`` on the
header), then waits until the model has the new order (its worker query back, the reset
done) and repaints the list's viewport synchronously: the time from the click to the end of
that paint is what a user waits for. Each column is clicked twice (both orders), ``--runs``
times, on the whole library and on a search result (``--query``). Figures as JSON: median and
max per column, and the share of the wait spent in the core's query (``paper_ids``), which
the same run times on its own. Target: at most 100 ms per click.

Run: python bench/bench_table.py [--big DIR] [--papers 100000] [--runs 3] [--query model]
     (QT_QPA_PLATFORM=offscreen unless a display is wanted)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_MS = 100.0


def click_to_painted(big: Path, runs: int, query: str | None) -> dict[str, object]:
    import bench_gui
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from readinglist.records import PaperFilter
    from readinglist.services.library import Library
    from ui.app import build_context, open_window
    from ui.models.papers import COLUMNS, SEARCH_LIMIT

    app, settings = bench_gui._app()
    lib = Library.open(big)
    ctx = build_context(lib, settings)
    win = open_window(ctx, sync=False)
    win.resize(1400, 900)
    win.show()
    bench_gui._wait(app, lambda: win.is_ready)
    model, view = win.papers, win.list
    if query:
        model.set_query(PaperFilter(query=query))
        bench_gui._wait(app, lambda: model._reload is None and model.query.filter.query == query)
    header = view.horizontalHeader()
    per_column: dict[str, list[float]] = {}
    core: dict[str, list[float]] = {}
    for _ in range(runs):
        for n, col in enumerate(COLUMNS):
            if col.sort is None or header.isSectionHidden(n):
                continue
            for _order in range(2):
                before = model.query
                x = header.sectionViewportPosition(n) + header.sectionSize(n) // 2
                t0 = time.perf_counter()
                QTest.mouseClick(
                    header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
                )
                bench_gui._wait(app, lambda before=before: model.query != before and model._reload is None)
                view.viewport().repaint()
                per_column.setdefault(col.key, []).append((time.perf_counter() - t0) * 1000)
                q = model.query
                t1 = time.perf_counter()
                limit = SEARCH_LIMIT if q.filter.query else None
                lib.paper_ids(q.filter, sort=q.sort, descending=q.descending, limit=limit)
                core.setdefault(col.key, []).append((time.perf_counter() - t1) * 1000)
    win.close()
    lib.close()
    worst = max(max(v) for v in per_column.values())
    medians = {k: round(statistics.median(v), 1) for k, v in per_column.items()}
    return {
        "query": query,
        "median_ms": medians,
        "max_ms": {k: round(max(v), 1) for k, v in per_column.items()},
        "core_paper_ids_median_ms": {k: round(statistics.median(v), 1) for k, v in core.items()},
        "worst_median_ms": max(medians.values()),
        "worst_ms": round(worst, 1),
        "clicks": sum(len(v) for v in per_column.values()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", type=Path, default=Path(tempfile.gettempdir()) / "readinglist-bench-100k")
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--query", default="model")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import bench_gui

    big = bench_gui.make_big_library(args.big, args.papers)
    out = {
        "papers": args.papers,
        "load_before": os.getloadavg(),
        "target_ms": TARGET_MS,
        "library": click_to_painted(big, args.runs, None),
        "search": click_to_painted(big, args.runs, args.query),
        "load_after": os.getloadavg(),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

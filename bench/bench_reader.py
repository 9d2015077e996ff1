"""Benchmark the built-in reader on a generated 500-page PDF; prints JSON (medians of several runs).

(a) open: from ``open_reader()`` to the first page's tiles on screen (target < 300 ms).
(b) render: one page at 150 dpi, all its tiles, fresh page (display list built) (target < 50 ms).
(c) scroll: 100 pages scrolled programmatically, one step every 16 ms; the worst lateness of a
    10 ms timer on the GUI thread while it happens (target < 50 ms), and how often the pages on
    screen were already rendered when painted.

Runs offscreen. Usage: python bench/bench_reader.py [--runs N] [--scale-factor 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from readinglist.services import papers

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = 500
WORDS = [
    "model",
    "training",
    "data",
    "attention",
    "layer",
    "token",
    "language",
    "vision",
    "learning",
    "network",
    "sparse",
    "dense",
    "gradient",
    "loss",
    "benchmark",
    "evaluation",
    "transformer",
    "encoder",
    "decoder",
    "retrieval",
    "reasoning",
    "agent",
    "policy",
    "reward",
    "the",
    "a",
    "of",
]


def make_pdf(path: Path, pages: int = PAGES) -> None:
    """One insert_textbox per page (13x faster than a call per line), two columns of text."""
    import random

    import pymupdf

    rng = random.Random(7)
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page(width=612, height=792)
        for x0 in (54, 315):
            # insert_textbox writes nothing at all when the text overflows: stay under the box.
            text = f"Section {n + 1}.{x0 // 300}\n" + " ".join(rng.choice(WORDS) for _ in range(420))
            rc = page.insert_textbox(pymupdf.Rect(x0, 54, x0 + 243, 738), text, fontname="tiro", fontsize=9)
            assert rc >= 0, "bench text overflowed its box"
    doc.save(path, garbage=1, deflate=True)
    doc.close()


def make_library(root: Path) -> tuple[object, int, Path]:
    from readinglist.db.schema import Attachment
    from readinglist.records import PaperMeta
    from readinglist.services.library import Library

    lib = Library.open(root / "library")
    ids, _ = papers.upsert(lib, [PaperMeta(title="Bench", arxiv_id="2401.00001")], save=True)
    pdf = lib.pdf_dir / "bench.pdf"
    make_pdf(pdf)
    data = pdf.read_bytes()
    with lib.change("Attach a bench PDF", undoable=False) as tx:
        tx.session.add(
            Attachment(
                paper_id=ids[0],
                path="pdfs/bench.pdf",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                page_count=PAGES,
            )
        )
    return lib, ids[0], pdf


def wait(app: object, predicate: object, timeout: float = 20.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError(
                f"the reader did not get there in time ({getattr(predicate, '__qualname__', '')})"
            )
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.0005)


def bench_open(app: object, lib: object, pid: int, pdf: Path) -> float:
    from ui.reader import open_reader
    from ui.reader.worker import pdf_worker

    t0 = time.perf_counter()
    w = open_reader(None, lib, pid, str(pdf))  # type: ignore[arg-type]
    w.resize(1000, 900)
    wait(app, lambda: w.info is not None and w.view.is_rendered(0))
    app.processEvents()  # type: ignore[attr-defined]  # the paint that shows it
    elapsed = time.perf_counter() - t0
    w.close()
    wait(app, pdf_worker().idle)
    return elapsed


def bench_render(app: object, pdf: Path, runs: int) -> list[float]:
    """Times measured on the worker thread (where the reader renders), each page fresh."""
    from ui.reader.pdfdoc import PdfDocument, tile_grid
    from ui.reader.worker import pdf_worker

    def job() -> list[float]:
        doc = PdfDocument(pdf)
        info = doc.open()
        scale = 150 / 72
        times = []
        for n in range(10, 10 + runs * 5):
            t = time.perf_counter()
            _, _, cols, rows = tile_grid(info.pages[n], scale)
            for r in range(rows):
                for c in range(cols):
                    doc.render_tile(n, scale, c, r)
            times.append(time.perf_counter() - t)
        doc.close()
        return times

    out: list[list[float]] = []
    pdf_worker().submit(job, done=out.append)
    wait(app, lambda: bool(out))
    return out[0]


def bench_scroll(app: object, lib: object, pid: int, pdf: Path, pages: int = 100) -> dict[str, float]:
    from PySide6.QtCore import Qt, QTimer

    from ui.reader import open_reader
    from ui.reader.worker import pdf_worker

    w = open_reader(None, lib, pid, str(pdf))  # type: ignore[arg-type]
    w.resize(1200, 900)
    wait(app, lambda: w.info is not None and w.view.is_rendered(w.view.current_page()))
    view, bar = w.view, w.view.verticalScrollBar()
    start_page = 20
    view.go_to_page(start_page)
    wait(app, lambda: view.is_rendered(start_page))
    target = view.layout_.page_rect(start_page + pages).y()
    step = view.layout_.page_rect(start_page).height() / 4  # a quarter page every 16 ms

    late: list[float] = []
    frames = {"painted": 0, "ready": 0}
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        late.append(now - last[0] - 0.010)
        last[0] = now

    def scroll() -> None:
        bar.setValue(round(bar.value() + step))
        frames["painted"] += 1
        frames["ready"] += all(
            view.is_rendered(n)
            for n in view.layout_.visible(bar.value(), bar.value() + view.viewport().height())
        )

    probe = QTimer(interval=10, timerType=Qt.TimerType.PreciseTimer, timeout=tick)
    driver = QTimer(interval=16, timerType=Qt.TimerType.PreciseTimer, timeout=scroll)
    probe.start()
    driver.start()
    t0 = time.perf_counter()
    wait(app, lambda: bar.value() >= target or bar.value() >= bar.maximum(), timeout=60)
    elapsed = time.perf_counter() - t0
    driver.stop()
    probe.stop()
    w.close()
    wait(app, pdf_worker().idle)
    late = late[1:]
    return {
        "pages": pages,
        "seconds": round(elapsed, 2),
        "worst_timer_lateness_ms": round(max(late) * 1000, 1),
        "p99_timer_lateness_ms": round(sorted(late)[int(len(late) * 0.99)] * 1000, 1),
        "frames_with_pages_already_rendered": round(frames["ready"] / max(1, frames["painted"]), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale-factor", default="1", help="QT_SCALE_FACTOR, e.g. 2 for a high-DPI screen")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QT_SCALE_FACTOR"] = args.scale_factor

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ui.reader import prefs

    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        ini = Path(tmp) / "settings.ini"
        prefs.settings = lambda: QSettings(str(ini), QSettings.Format.IniFormat)  # leave the user's alone
        t = time.perf_counter()
        lib, pid, pdf = make_library(Path(tmp))
        made = time.perf_counter() - t
        opens = [bench_open(app, lib, pid, pdf) for _ in range(args.runs)]
        renders = bench_render(app, pdf, args.runs)
        scrolls = [bench_scroll(app, lib, pid, pdf) for _ in range(args.runs)]
        lib.close()  # type: ignore[attr-defined]
    worst = max(scrolls, key=lambda s: s["worst_timer_lateness_ms"])
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "qpa": os.environ["QT_QPA_PLATFORM"],
        },
        "device_pixel_ratio": float(args.scale_factor),
        "pdf_pages": PAGES,
        "pdf_generation_s": round(made, 2),
        "open_to_first_page_ms": {
            "median": round(statistics.median(opens) * 1000, 1),
            "max": round(max(opens) * 1000, 1),
            "target": 300,
        },
        "render_page_150dpi_ms": {
            "median": round(statistics.median(renders) * 1000, 1),
            "max": round(max(renders) * 1000, 1),
            "target": 50,
        },
        "scroll_100_pages": {
            "median_worst_timer_lateness_ms": statistics.median(
                s["worst_timer_lateness_ms"] for s in scrolls
            ),
            "worst_run": worst,
            "target_ms": 50,
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Interop figures: export of 10,000 papers in every format, CSL-JSON/RIS import, formatted
references, and a Zotero import of generated items. Medians, figures as JSON.

Run: python bench/bench_interop.py [--papers N] [--zotero-items N] [--runs R]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_bibtex import keyed, median_times, papers

from readinglist.formats import render
from readinglist.formats.cite import format_references
from readinglist.formats.csl import parse_csl_json
from readinglist.formats.ris import parse_ris


def zotero_import(n: int, runs: int) -> dict[str, float]:
    from readinglist.config import Endpoints
    from readinglist.services.library import Library
    from readinglist.services.zotero_import import import_zotero
    from tests.zotero_fixture import build_many

    dead = "http://127.0.0.1:9"
    walls, again = [], []
    with tempfile.TemporaryDirectory() as tmp:
        source = build_many(Path(tmp) / "src", n)
        for r in range(runs):
            lib = Library.open(
                Path(tmp) / f"lib{r}", Endpoints(hf=dead, arxiv=dead, arxiv_api=dead, arxiv_delay=0)
            )
            start = time.perf_counter()
            report = import_zotero(lib, source)
            walls.append(time.perf_counter() - start)
            assert len(report.added) == n, report.summary_lines()
            start = time.perf_counter()
            import_zotero(lib, source)
            again.append(time.perf_counter() - start)
            lib.close()
    wall = statistics.median(walls)
    return {"items": n, "import_s": round(wall, 3), "items_per_s": round(n / wall),
            "second_import_s": round(statistics.median(again), 3)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--zotero-items", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    entries = keyed(papers(args.papers))
    figures: dict[str, object] = {"papers": args.papers, "runs": args.runs, "cpus": os.cpu_count(),
                                  "load_average_1min": round(os.getloadavg()[0], 2)}  # fmt: skip
    for fmt in ("bibtex", "biblatex", "csl-json", "ris"):
        figures[f"export_{fmt}_s"] = median_times(lambda f=fmt: render(f, entries), args.runs)[0]
    csl, ris = render("csl-json", entries), render("ris", entries)
    figures["import_csl_json_s"] = median_times(lambda: parse_csl_json(csl), args.runs)[0]
    figures["import_ris_s"] = median_times(lambda: parse_ris(ris), args.runs)[0]
    figures["apa_100_references_s"] = median_times(
        lambda: format_references(entries[:100], "apa"), args.runs
    )[0]
    figures["zotero"] = zotero_import(args.zotero_items, args.runs)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

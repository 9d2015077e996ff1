"""The demo generator: plausible, deterministic, through the real code paths, no Qt."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from readinglist.demo import populate_demo
from readinglist.records import PaperFilter

TODAY = dt.date(2025, 6, 18)


def test_demo_fills_every_part_of_the_library(lib) -> None:
    populate_demo(lib, papers=60, days=5, pdfs=2, today=TODAY)
    days = lib.feed_days()
    assert [d.date for d in days] == [TODAY - dt.timedelta(days=n) for n in range(5)]
    assert lib.count(PaperFilter(dismissed=None)) == 60
    counts = lib.counts()
    assert counts["library"] > 0 and counts["starred"] > 0 and counts["dismissed"] > 0
    assert {t.name for t in lib.tags()} >= {"transformers", "to-cite"}
    assert any(t.color for t in lib.tags())
    assert [x.name for x in lib.reading_lists()] == ["Thesis background", "Reading group"]
    assert lib.saved_searches()[0].unseen > 0
    rows = lib.list_papers(PaperFilter(dismissed=None))
    assert any(any(ord(c) > 127 for c in " ".join(r.authors)) for r in rows)
    assert any("$O(n^2)$" in r.abstract for r in rows)
    assert any(r.note for r in rows)
    assert all(r.citekey for r in rows)
    pdfs = [r for r in rows if r.pdf]
    assert len(pdfs) == 2 and all(Path(r.pdf).is_file() for r in pdfs)
    assert lib.search("Section")  # the PDFs' text is indexed


def test_demo_is_deterministic(tmp_path) -> None:
    from readinglist.config import Endpoints
    from readinglist.services.library import Library

    titles = []
    for n in range(2):
        with Library.open(tmp_path / str(n), Endpoints(arxiv_delay=0)) as lib:
            populate_demo(lib, papers=30, days=3, pdfs=0, today=TODAY, seed=3)
            titles.append([r.title for r in lib.list_papers(PaperFilter(dismissed=None), sort="title")])
    assert titles[0] == titles[1]


def test_demo_does_not_load_qt() -> None:
    code = "import sys, readinglist.demo; sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2]).returncode == 0

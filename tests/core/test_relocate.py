"""Moving a library folder keeps everything and leaves the old folder alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.errors import Cancelled, StorageError
from readinglist.records import PaperFilter
from readinglist.services import papers
from readinglist.services.check import run_check
from readinglist.services.importer import import_files
from readinglist.services.library import Library
from readinglist.services.relocate import move_library
from tests.pdfgen import make_paper_pdf


def test_move_copies_database_and_pdfs_and_verifies(lib: Library, tmp_path: Path) -> None:
    pdf = make_paper_pdf(
        tmp_path / "p.pdf", title="A Paper That Travels To A New Disk", authors=["Ana Martínez"]
    )
    pid = import_files(lib, [pdf]).added[0]
    papers.tag(lib, [pid], ["keep"])
    dest = move_library(lib, tmp_path / "new home")
    moved = Library.open(dest, lib.endpoints)
    try:
        row = moved.get(pid)
        assert row.tags == ("keep",) and row.pdf and Path(row.pdf).parent == dest / "pdfs"
        assert moved.count(PaperFilter(dismissed=None)) == 1 and run_check(moved).ok
    finally:
        moved.close()
    assert lib.get(pid).pdf and Path(lib.get(pid).pdf or "").is_file()  # the old folder is untouched


def test_move_refuses_non_empty_or_nested_targets(lib: Library, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("mine")
    with pytest.raises(StorageError, match="not empty"):
        move_library(lib, busy)
    with pytest.raises(StorageError, match="outside"):
        move_library(lib, lib.root / "inner")
    assert (busy / "x.txt").read_text() == "mine"


def test_cancelled_move_leaves_nothing_behind(lib: Library, tmp_path: Path) -> None:
    pdf = make_paper_pdf(tmp_path / "p.pdf", title="A Paper That Never Moves Anywhere", authors=["Wei Zhang"])
    import_files(lib, [pdf])
    with pytest.raises(Cancelled):
        move_library(lib, tmp_path / "dest", cancelled=lambda: True)
    assert not (tmp_path / "dest").exists()

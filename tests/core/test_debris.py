"""What a killed process leaves behind is cleared at the next open, never someone's live work."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from readinglist.config import Endpoints
from readinglist.services import citations
from readinglist.services.check import run_check
from readinglist.services.importer import import_pdf
from readinglist.services.library import Library
from tests.pdfgen import make_paper_pdf


def _leave_debris(lib: Library, tmp_path: Path) -> dict[str, Path]:
    import_pdf(lib, make_paper_pdf(tmp_path / "in.pdf", title="Sparse Gated Mixtures", authors=["Ada Byron"]))
    target = tmp_path / "refs.bib"
    citations.add_autoexport(lib, target, "saved")
    kept = next(lib.pdf_dir.glob("*.pdf"))
    orphan = lib.pdf_dir / "killed-before-commit.pdf"
    orphan.write_bytes(kept.read_bytes())
    files = {
        "part": lib.pdf_dir / "half.pdf.part",
        "sidecar": lib.pdf_dir / "half.pdf.part.json",
        "tmp": tmp_path / ".refs.bib.k3j2x.tmp",
        "orphan": orphan,
        "kept": kept,
        "notes": lib.pdf_dir / "notes.txt",
    }
    files["part"].write_bytes(b"%PDF-1.7 half")
    files["sidecar"].write_text("{}")
    files["tmp"].write_text("@misc{")
    files["notes"].write_text("mine")
    return files


def test_debris_is_reported_then_cleared_at_the_next_open(lib: Library, tmp_path: Path) -> None:
    files = _leave_debris(lib, tmp_path)
    report = run_check(lib)
    assert not report.ok
    assert {Path(p).name for p in report.debris} == {
        "half.pdf.part",
        "half.pdf.part.json",
        ".refs.bib.k3j2x.tmp",
    }
    root = lib.root
    lib.close()
    again = Library.open(root, Endpoints(arxiv_delay=0))
    try:
        assert not files["part"].exists() and not files["sidecar"].exists() and not files["tmp"].exists()
        assert not files["orphan"].exists()
        assert (root / "recovered" / "killed-before-commit.pdf").read_bytes() == files["kept"].read_bytes()
        assert files["kept"].exists() and files["notes"].read_text() == "mine"  # referenced / not ours
        assert any("recovered" in n for n in again.notices)
        assert run_check(again).ok
    finally:
        again.close()


def test_nothing_is_touched_while_another_process_has_the_library_open(lib: Library, tmp_path: Path) -> None:
    files = _leave_debris(lib, tmp_path)
    second = Library.open(lib.root, Endpoints(arxiv_delay=0))  # lib is still open: its files may be live
    try:
        assert all(p.exists() for p in files.values())
        assert second.notices == []
    finally:
        second.close()


@pytest.mark.sqlite_file
def test_a_pdf_attached_by_another_spelling_of_its_path_is_not_an_orphan(
    lib: Library, tmp_path: Path
) -> None:
    """The open's quick match is by ``pdfs/NAME``; an attachment recorded as an absolute path
    (or through a link to the folder) is still found by its resolved path."""
    from readinglist.services.debris import find_debris

    import_pdf(lib, make_paper_pdf(tmp_path / "in.pdf", title="Sparse Gated Mixtures", authors=["Ada Byron"]))
    kept = next(lib.pdf_dir.glob("*.pdf"))
    link = tmp_path / "linked-pdfs"
    link.symlink_to(lib.pdf_dir, target_is_directory=True)
    con = sqlite3.connect(lib.db_path)
    with con:
        con.execute("UPDATE attachments SET path = ?", (str(link / kept.name),))
    con.close()
    stray = lib.pdf_dir / "stray.pdf"
    stray.write_bytes(kept.read_bytes())
    found = find_debris(lib)
    assert found.orphans == [stray]  # the check can fail: the stray one is found, the kept one not

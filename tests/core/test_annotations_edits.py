"""Service and PDF-layer pieces behind the reader's editing gestures: moving geometry (rects and
ink), deleted imports that stay deleted, and text selections that run over a page break or
widen to whole lines."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest
from test_annotations_service import _paper

from readinglist.errors import ReadingListError
from readinglist.pdf.textsel import quote_text, text_rects
from readinglist.records import AnnotationRecord
from readinglist.services import annotations as svc


def test_update_moves_rects_and_ink_and_keeps_search(lib) -> None:
    pid = _paper(lib, pdf=False)
    ink = svc.add_annotation(
        lib,
        pid,
        AnnotationRecord(
            None, 0, "ink", rects=((10, 10, 30, 20),), ink=(((10, 10), (30, 20)),), comment="zebra"
        ),
    )
    moved = svc.update_annotation(lib, ink.id, rects=((15, 30, 35, 40),), ink=(((15, 30), (35, 40)),))
    (stored,) = svc.list_annotations(lib, pid)
    assert stored.rects == moved.rects == ((15.0, 30.0, 35.0, 40.0),)
    assert stored.ink == (((15.0, 30.0), (35.0, 40.0)),) and stored.comment == "zebra"
    assert stored.modified >= ink.modified
    assert [h.paper_id for h in lib.search("zebra")] == [pid]
    with pytest.raises(ReadingListError):
        svc.update_annotation(lib, ink.id, ink=(((1, 2, 3),),))
    with pytest.raises(ReadingListError, match="position"):
        svc.update_annotation(lib, ink.id, rects=(), ink=())
    assert svc.list_annotations(lib, pid) == [stored]  # refused changes leave it as it was


def test_deleted_imports_stay_deleted_until_restored(lib) -> None:
    pid = _paper(lib, foreign=True)
    pdf = Path(lib.get(pid).pdf)
    assert svc.import_pdf_annotations(lib, pid, pdf) == 1
    (imported,) = svc.list_annotations(lib, pid)
    own = svc.add_annotation(lib, pid, AnnotationRecord(None, 0, "rectangle", rects=((40, 40, 90, 90),)))

    gone = svc.delete_annotation(lib, imported.id)
    svc.delete_annotation(lib, own.id)  # not imported: nothing to remember
    assert svc.dismissed_fingerprints(lib, pid) == {imported.fingerprint}
    assert svc.import_pdf_annotations(lib, pid, pdf) == 0
    assert svc.list_annotations(lib, pid) == []
    assert [h.paper_id for h in lib.search("Acrobat")] == []

    back = svc.restore_annotation(lib, pid, gone)  # undo
    assert back.fingerprint == imported.fingerprint
    assert svc.dismissed_fingerprints(lib, pid) == frozenset()
    assert svc.import_pdf_annotations(lib, pid, pdf) == 0  # already there
    assert [h.paper_id for h in lib.search("Acrobat")] == [pid]

    # Each paper keeps its own list.
    other = _paper(lib, "2401.00002", foreign=True)
    svc.delete_annotation(lib, back.id)
    assert svc.dismissed_fingerprints(lib, other) == frozenset()
    assert svc.import_pdf_annotations(lib, other, Path(lib.get(other).pdf)) == 1


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    doc = pymupdf.open()
    for text in ("One two three.\nFour five six.", "Seven eight nine.\nTen eleven twelve."):
        page = doc.new_page(width=300, height=300)
        page.insert_textbox(pymupdf.Rect(30, 30, 280, 280), text, fontsize=12)
    path = tmp_path / "pages.pdf"
    doc.save(path)
    doc.close()
    return path


def _centre(page: pymupdf.Page, word: str) -> tuple[float, float]:
    r = page.search_for(word)[0]
    return ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2)


def test_text_rects_open_ends_and_whole_lines(pages: Path) -> None:
    with pymupdf.open(pages) as doc:
        p0, p1 = doc[0], doc[1]
        to_end = text_rects(p0, _centre(p0, "five"), None)
        assert quote_text(p0, to_end) == "five six."
        from_start = text_rects(p1, None, _centre(p1, "eight"))
        assert quote_text(p1, from_start) == "Seven eight"
        assert quote_text(p1, text_rects(p1, None, None)) == "Seven eight nine. Ten eleven twelve."
        word = text_rects(p0, _centre(p0, "two"), _centre(p0, "two"))
        assert quote_text(p0, word) == "two"
        line = text_rects(p0, _centre(p0, "two"), _centre(p0, "two"), whole_lines=True)
        assert len(line) == 1 and quote_text(p0, line) == "One two three."
        lines = text_rects(p0, _centre(p0, "three"), _centre(p0, "Four"), whole_lines=True)
        assert quote_text(p0, lines) == "One two three. Four five six."


def test_annotated_copy_follows_the_library_for_imported_annotations(lib, tmp_path: Path) -> None:
    from readinglist.pdf.annotations import read_annotations

    pid = _paper(lib, foreign=True)
    pdf = Path(lib.get(pid).pdf)
    original = pdf.read_bytes()
    svc.import_pdf_annotations(lib, pid, pdf)
    (imported,) = svc.list_annotations(lib, pid)
    assert imported.color != "#2ea8e5"
    svc.update_annotation(lib, imported.id, color="#2ea8e5", comment="from Acrobat, checked")

    dst = tmp_path / "copy.pdf"
    svc.export_annotated_pdf(lib, pid, dst)
    (only,) = read_annotations(dst, include_own=True)  # the user's version, not both
    assert (only.kind, only.page, only.color, only.comment) == (
        "highlight",
        1,
        "#2ea8e5",
        "from Acrobat, checked",
    )

    svc.delete_annotation(lib, imported.id)
    svc.export_annotated_pdf(lib, pid, dst)
    assert read_annotations(dst, include_own=True) == []  # deleted in the library: gone from the copy
    assert pdf.read_bytes() == original  # the stored PDF keeps its author's annotation
    assert len(read_annotations(pdf)) == 1

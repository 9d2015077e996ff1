"""The annotation service: CRUD, search, PDF round trips (PyMuPDF and pypdf), import, CLI."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pymupdf
import pypdf
import pytest

from readinglist.cli.main import main
from readinglist.db.schema import Attachment
from readinglist.errors import NotFoundError, PdfError, ReadingListError
from readinglist.pdf.annotations import read_annotations
from readinglist.pdf.textsel import text_rects
from readinglist.records import AnnotationRecord, PaperMeta
from readinglist.services import annotations as svc
from readinglist.services import library_settings, papers

PAGES = [
    "Attention is all you need.\nThe encoder maps the input sequence.\nA final line closes the page.",
    "Second page opens here.\nThe decoder attends to the encoder.\nNothing else to see.",
]
SUBTYPES = {
    "highlight": "/Highlight",
    "underline": "/Underline",
    "strikeout": "/StrikeOut",
    "note": "/Text",
    "ink": "/Ink",
    "rectangle": "/Square",
}


def _make_pdf(path: Path, foreign_highlight: bool = False) -> Path:
    doc = pymupdf.open()
    for text in PAGES:
        page = doc.new_page(width=300, height=400)
        page.insert_textbox(pymupdf.Rect(36, 36, 290, 380), text, fontsize=12)
    if foreign_highlight:  # as another viewer would leave it
        page = doc[1]
        annot = page.add_highlight_annot(page.search_for("decoder attends")[0])
        annot.set_info(content="from Acrobat")
        annot.update()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


def _paper(lib, arxiv_id: str = "2401.00001", *, foreign: bool = False, pdf: bool = True) -> int:
    ids, _ = papers.upsert(
        lib, [PaperMeta(title="Attention Test", authors=("Ann Author",), arxiv_id=arxiv_id)], save=True
    )
    pid = ids[0]
    if pdf:
        path = _make_pdf(lib.pdf_dir / f"{arxiv_id}.pdf", foreign_highlight=foreign)
        data = path.read_bytes()
        with lib.change("Attach a test PDF", undoable=False) as tx:
            tx.session.add(
                Attachment(
                    paper_id=pid,
                    path=str(path.relative_to(lib.root)),
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    page_count=len(PAGES),
                )
            )
    return pid


def _selection(pdf: str, page: int, phrase: str) -> tuple[tuple[float, float, float, float], ...]:
    with pymupdf.open(pdf) as doc:
        hit = doc[page].search_for(phrase)[0]
        return tuple(text_rects(doc[page], (hit.x0 + 1, hit.y0 + 2), (hit.x1 - 1, hit.y1 - 2)))


def _all_kinds(lib, pid: int) -> list[AnnotationRecord]:
    pdf = lib.get(pid).pdf
    wanted = [
        AnnotationRecord(None, 0, "highlight", "#ffd400", _selection(pdf, 0, "encoder maps"), text="encoder maps"),
        AnnotationRecord(None, 0, "underline", "#2ea8e5", _selection(pdf, 0, "final line")),
        AnnotationRecord(None, 1, "strikeout", "#ff6666", _selection(pdf, 1, "Nothing else")),
        AnnotationRecord(None, 1, "note", "#5fb236", ((200.0, 40.0, 200.0, 40.0),), comment="Ask: why zebras?"),
        AnnotationRecord(None, 1, "ink", "#a28ae5", ((50.0, 300.0, 120.0, 340.0),), ink=(((50.0, 300.0), (80.0, 340.0), (120.0, 310.0)),)),
        AnnotationRecord(None, 0, "rectangle", "#f19837", ((40.0, 200.0, 150.0, 260.0),), comment="a figure"),
    ]  # fmt: skip
    return [svc.add_annotation(lib, pid, r) for r in wanted]


def test_add_list_update_delete_restore(lib) -> None:
    pid = _paper(lib)
    seen = []
    lib.on_change.append(seen.append)
    added = _all_kinds(lib, pid)
    assert all(a.id and a.created and a.modified for a in added)
    listed = svc.list_annotations(lib, pid)
    assert [(a.page, a.kind) for a in listed] == [
        (0, "highlight"), (0, "underline"), (0, "rectangle"), (1, "note"), (1, "strikeout"), (1, "ink"),
    ]  # fmt: skip
    assert seen and all(c.papers == {pid} for c in seen)

    hl = added[0]
    changed = svc.update_annotation(lib, hl.id, color="#5FB236", comment="key idea")
    assert (changed.color, changed.comment, changed.text) == ("#5fb236", "key idea", "encoder maps")
    assert changed.modified >= hl.modified

    gone = svc.delete_annotation(lib, hl.id)
    assert gone.comment == "key idea" and hl.id not in {a.id for a in svc.list_annotations(lib, pid)}
    back = svc.restore_annotation(lib, pid, gone)
    assert back.id == hl.id and back.comment == "key idea" and back.created == gone.created
    with pytest.raises(NotFoundError):
        svc.update_annotation(lib, 99999, comment="x")
    with pytest.raises(NotFoundError):
        svc.delete_annotation(lib, 99999)


@pytest.mark.parametrize(
    "bad",
    [
        AnnotationRecord(None, 0, "scribble", rects=((1, 1, 2, 2),)),
        AnnotationRecord(None, 0, "highlight", "yellow", rects=((1, 1, 2, 2),)),
        AnnotationRecord(None, -1, "highlight", rects=((1, 1, 2, 2),)),
        AnnotationRecord(None, 0, "highlight"),
    ],
)
def test_invalid_records_are_refused(lib, bad: AnnotationRecord) -> None:
    pid = _paper(lib, pdf=False)
    with pytest.raises(ReadingListError):
        svc.add_annotation(lib, pid, bad)
    assert svc.list_annotations(lib, pid) == []


def test_search_finds_annotation_text_and_comments(lib) -> None:
    pid = _paper(lib)
    _all_kinds(lib, pid)
    assert [h.paper_id for h in lib.search("zebras")] == [pid]
    note = next(a for a in svc.list_annotations(lib, pid) if a.kind == "note")
    svc.update_annotation(lib, note.id, comment="giraffes instead")
    assert lib.search("zebras") == [] and [h.paper_id for h in lib.search("giraffes")] == [pid]
    svc.delete_annotation(lib, note.id)
    assert lib.search("giraffes") == []


def _close(a: tuple[float, ...], b: tuple[float, ...], tol: float = 1.5) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def test_export_round_trip_pymupdf_and_pypdf(lib, tmp_path: Path) -> None:
    pid = _paper(lib)
    original = Path(lib.get(pid).pdf).read_bytes()
    added = {a.kind: a for a in _all_kinds(lib, pid)}
    dst = tmp_path / "out" / "annotated.pdf"
    dst.parent.mkdir()
    assert svc.export_annotated_pdf(lib, pid, dst) == 6
    assert Path(lib.get(pid).pdf).read_bytes() == original  # the stored PDF is untouched

    back = {r.kind: r for r in read_annotations(dst, include_own=True)}
    assert set(back) == set(added)
    for kind, want in added.items():
        got = back[kind]
        assert (got.page, got.color, got.comment) == (want.page, want.color, want.comment), kind
        if kind == "note":  # anchored at its top-left; the icon has a size
            assert _close(got.rects[0][:2], want.rects[0][:2])
        elif kind == "ink":
            assert all(_close(p, q) for p, q in zip(got.ink[0], want.ink[0], strict=True))
        else:
            assert len(got.rects) == len(want.rects)
            assert all(_close(g, w) for g, w in zip(got.rects, want.rects, strict=True)), kind
    assert back["highlight"].text == "encoder maps"

    reader = pypdf.PdfReader(dst)
    subtypes = {
        p: sorted(str(a.get_object()["/Subtype"]) for a in page.get("/Annots", []))
        for p, page in enumerate(reader.pages)
    }
    assert set(subtypes[0]) == {"/Highlight", "/Underline", "/Square"}
    assert {SUBTYPES[k] for k in ("strikeout", "note", "ink")} <= set(subtypes[1])
    colors = {
        str(a.get_object()["/Subtype"]): [round(float(c) * 255) for c in a.get_object()["/C"]]
        for a in reader.pages[0]["/Annots"]
    }
    assert colors["/Highlight"] == [0xFF, 0xD4, 0x00]

    svc.export_annotated_pdf(lib, pid, dst)  # a second export replaces, never duplicates
    assert len(read_annotations(dst, include_own=True)) == 6


def test_export_errors_are_clear(lib, tmp_path: Path) -> None:
    no_pdf = _paper(lib, "2401.00002", pdf=False)
    with pytest.raises(NotFoundError, match="has no PDF"):
        svc.export_annotated_pdf(lib, no_pdf, tmp_path / "x.pdf")
    pid = _paper(lib)
    with pytest.raises(PdfError, match="does not exist"):
        svc.export_annotated_pdf(lib, pid, tmp_path / "missing" / "x.pdf")
    with pytest.raises(PdfError, match="folder"):
        svc.export_annotated_pdf(lib, pid, tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root writes anywhere it may chmod; /proc refuses even root
        locked = Path("/proc")
    with pytest.raises(PdfError, match="cannot write"):
        svc.export_annotated_pdf(lib, pid, locked / "x.pdf")
    Path(lib.get(pid).pdf).unlink()
    with pytest.raises(PdfError, match="missing"):
        svc.export_annotated_pdf(lib, pid, tmp_path / "x.pdf")


def test_import_foreign_annotations_once(lib, tmp_path: Path) -> None:
    pid = _paper(lib, foreign=True)
    pdf = Path(lib.get(pid).pdf)
    assert svc.import_pdf_annotations(lib, pid, pdf) == 1
    assert svc.import_pdf_annotations(lib, pid, pdf) == 0
    (rec,) = svc.list_annotations(lib, pid)
    assert (rec.kind, rec.page, rec.comment, rec.text) == ("highlight", 1, "from Acrobat", "decoder attends")
    assert rec.fingerprint
    assert [h.paper_id for h in lib.search("Acrobat")] == [pid]
    # The export keeps the foreign highlight as it is and does not write it a second time.
    svc.add_annotation(lib, pid, AnnotationRecord(None, 0, "rectangle", rects=((40, 40, 90, 90),)))
    dst = tmp_path / "a.pdf"
    svc.export_annotated_pdf(lib, pid, dst)
    kinds = sorted(r.kind for r in read_annotations(dst, include_own=True))
    assert kinds == ["highlight", "rectangle"]


def test_write_annotations_to_pdf_setting(lib) -> None:
    pid = _paper(lib)
    pdf = Path(lib.get(pid).pdf)
    rec = svc.add_annotation(lib, pid, AnnotationRecord(None, 0, "rectangle", rects=((40, 40, 90, 90),)))
    assert read_annotations(pdf, include_own=True) == []  # off by default
    library_settings.set_setting(lib, "write_annotations_to_pdf", True)
    svc.update_annotation(lib, rec.id, comment="now in the file")
    (written,) = read_annotations(pdf, include_own=True)
    assert (written.id, written.comment) == (rec.id, "now in the file")
    svc.delete_annotation(lib, rec.id)
    assert read_annotations(pdf, include_own=True) == []


def test_markdown_and_note(lib) -> None:
    pid = _paper(lib)
    _all_kinds(lib, pid)
    md = svc.annotations_markdown_for(lib, pid)
    assert md.startswith("# Annotations: Attention Test") and "> encoder maps" in md and "## p. 2" in md
    svc.append_annotations_to_note(lib, pid)
    assert "> encoder maps" in lib.get(pid).note


def test_cli_annotations_json_and_export_pdf(lib, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pid = _paper(lib)
    _all_kinds(lib, pid)
    key = lib.get(pid).citekey
    assert main(["--library", str(lib.root), "annotations", key, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(a["page"], a["kind"]) for a in out][:2] == [(1, "highlight"), (1, "underline")]
    first = out[0]
    assert set(first) >= {"id", "page", "kind", "color", "text", "comment", "rects", "created", "modified"}
    assert first["text"] == "encoder maps" and len(first["rects"][0]) == 4

    assert main(["--library", str(lib.root), "annotations", "2401.00001"]) == 0
    assert "> encoder maps" in capsys.readouterr().out

    dst = tmp_path / "cli.pdf"
    assert main(["--library", str(lib.root), "export-pdf", key, "-o", str(dst)]) == 0
    assert "6 annotation" in capsys.readouterr().err
    assert len(read_annotations(dst, include_own=True)) == 6

    assert main(["--library", str(lib.root), "export-pdf", key, "-o", str(tmp_path / "no" / "x.pdf")]) == 1
    assert "error:" in capsys.readouterr().err

"""PDF annotations: round trips checked by PyMuPDF, pypdf and poppler; selections and quotes."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pymupdf
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist.errors import PdfError
from readinglist.pdf.annotations import (
    has_own_annotations,
    parse_pdf_date,
    read_annotations,
    write_annotations,
)
from readinglist.pdf.textsel import quote_text, text_rects
from readinglist.records import AnnotationRecord, Rect

PAGE_TEXT = [
    "Line one of the first page.\n"
    "The model learns a repre-\n"
    "sentation of the input data.\n"
    "We compare with state-of-the-art methods.\n"
    "A final line closes the paragraph.",
    "Second page opens here.\nOur state-of-the-\nart baseline is strong.\nNothing else to see.",
    "Rotated page words here.\nSecond line of text.",
]
SUBTYPES = {
    "highlight": "/Highlight",
    "underline": "/Underline",
    "strikeout": "/StrikeOut",
    "note": "/Text",
    "ink": "/Ink",
    "rectangle": "/Square",
}
WHEN = dt.datetime(2024, 5, 31, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """Three pages; page 3 has /Rotate 90 with its text set upright for the reader."""
    doc = pymupdf.open()
    for i, text in enumerate(PAGE_TEXT):
        page = doc.new_page(width=300, height=400)
        if i == 2:
            page.set_rotation(90)
            page.insert_textbox(pymupdf.Rect(36, 36, 264, 364), text, fontsize=12, rotate=90)
        else:
            page.insert_textbox(pymupdf.Rect(36, 36, 290, 380), text, fontsize=12)
    path = tmp_path / "paper.pdf"
    doc.save(path)
    doc.close()
    return path


def line_rect(page: pymupdf.Page, first: str, last: str) -> Rect:
    """Box of the words from ``first`` to ``last`` on the line that holds ``first``."""
    words = page.get_text("words")
    start = next(w for w in words if w[4] == first)
    line = [w for w in words if w[5:7] == start[5:7] and w[7] >= start[7]]
    stop = next(w for w in line if w[4] == last)
    span = [w for w in line if w[7] <= stop[7]]
    return (span[0][0], min(w[1] for w in span), stop[2], max(w[3] for w in span))


def close(a: Rect, b: Rect, tol: float = 1.0) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def every_kind(path: Path) -> list[AnnotationRecord]:
    with pymupdf.open(path) as doc:
        p0, p1 = doc[0], doc[1]
        hl = (line_rect(p0, "learns", "repre-"), line_rect(p0, "sentation", "input"))
        ul = (line_rect(p0, "state-of-the-art", "methods."),)
        so = (line_rect(p1, "Nothing", "see."),)
    return [
        AnnotationRecord(1, 0, "highlight", "#ffd400", hl, comment="key idea", created=WHEN),
        AnnotationRecord(2, 0, "underline", "#2ea8e5", ul, comment="compare", created=WHEN),
        AnnotationRecord(3, 1, "strikeout", "#ff6666", so, created=WHEN, modified=WHEN),
        AnnotationRecord(4, 1, "note", "#5fb236", ((200.0, 40.0, 200.0, 40.0),), comment="Ask: why?"),
        AnnotationRecord(
            5,
            1,
            "ink",
            "#a28ae5",
            ((40.0, 200.0, 120.0, 260.0),),
            ink=(((40.0, 200.0), (80.0, 260.0), (120.0, 230.0)),),
        ),
        AnnotationRecord(6, 0, "rectangle", "#f19837", ((40.0, 300.0, 200.0, 360.0),), comment="figure"),
    ]


def test_round_trip_every_kind(sample: Path, tmp_path: Path) -> None:
    records = every_kind(sample)
    out = tmp_path / "out.pdf"
    assert write_annotations(sample, out, records) == 6

    back = {r.id: r for r in read_annotations(out, include_own=True)}
    assert sorted(back) == [1, 2, 3, 4, 5, 6]
    for rec in records:
        got = back[rec.id]
        assert (got.kind, got.page, got.color, got.comment) == (rec.kind, rec.page, rec.color, rec.comment)
        if rec.kind == "note":  # a note is anchored at its top-left corner; the icon has a size
            assert close(got.rects[0][:2], rec.rects[0][:2])
        else:
            assert len(got.rects) == len(rec.rects)
            assert all(close(a, b) for a, b in zip(got.rects, rec.rects, strict=True))
        assert got.fingerprint and got.created and got.created.tzinfo is not None
    assert back[1].text == "learns a representation of the input"
    assert back[2].text == "state-of-the-art methods."
    assert back[3].text == "Nothing else to see."
    assert back[1].created == WHEN and back[3].modified == WHEN
    assert all(close(a, b) for a, b in zip(back[5].ink[0], records[4].ink[0], strict=True))
    assert read_annotations(out) == []  # ours are skipped unless asked for
    assert has_own_annotations(out) and not has_own_annotations(sample)

    # Plain PyMuPDF sees the same annotations, named by our /NM prefix.
    with pymupdf.open(out) as doc:
        for rec in records:
            page = doc[rec.page]
            annot = page.load_annot(f"readinglist-{rec.id}")
            assert annot.type[1] == SUBTYPES[rec.kind][1:] and annot.info["content"] == rec.comment
            rgb = [int(rec.color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
            assert annot.colors["stroke"] == pytest.approx(rgb, abs=0.01)
            if rec.kind in ("highlight", "underline", "strikeout"):
                quads = [
                    pymupdf.Quad(annot.vertices[i : i + 4]).rect for i in range(0, len(annot.vertices), 4)
                ]
                assert all(close(tuple(q), r) for q, r in zip(quads, rec.rects, strict=True))
            elif rec.kind == "rectangle":  # /Rect includes the border, /RD says by how much
                assert close(tuple(annot.rect + annot.rect_delta), rec.rects[0])
            elif rec.kind == "note":
                assert close(tuple(annot.rect.tl), rec.rects[0][:2])
            else:
                assert all(close(a, b) for a, b in zip(annot.vertices[0], rec.ink[0], strict=True))


def test_second_reader_pypdf_and_poppler(sample: Path, tmp_path: Path) -> None:
    records = every_kind(sample)
    out = tmp_path / "out.pdf"
    write_annotations(sample, out, records)

    reader = pypdf.PdfReader(out)
    for number, page in enumerate(reader.pages):
        annots = [a.get_object() for a in page.get("/Annots", [])]
        expected = Counter(SUBTYPES[r.kind] for r in records if r.page == number)
        expected["/Popup"] = expected["/Text"]  # MuPDF pairs each sticky note with its popup
        expected = +expected  # drop zero counts
        assert Counter(a["/Subtype"] for a in annots) == expected
        for a in annots:
            if a["/Subtype"] != "/Popup":
                assert str(a["/NM"]).startswith("readinglist-")
    first = {str(a.get_object()["/NM"]): a.get_object() for a in reader.pages[0]["/Annots"]}
    # QuadPoints are in PDF space (origin bottom-left): y flips against PyMuPDF's top-left.
    quad = [float(v) for v in first["readinglist-1"]["/QuadPoints"][:8]]
    x0, y0, x1, y1 = records[0].rects[0]
    assert quad[0] == pytest.approx(x0, abs=1) and quad[1] == pytest.approx(400 - y0, abs=1)
    assert quad[6] == pytest.approx(x1, abs=1) and quad[7] == pytest.approx(400 - y1, abs=1)
    assert str(first["readinglist-1"]["/Contents"]) == "key idea"

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    # (poppler joins hyphenated lines itself, so match the part before the break)
    assert "The model learns a repre" in text and "Rotated page words here." in text


def test_write_twice_replaces_own_and_keeps_foreign(sample: Path, tmp_path: Path) -> None:
    with pymupdf.open(sample) as doc:  # another viewer's annotations, with dates and offsets
        page = doc[0]
        foreign = page.add_highlight_annot(pymupdf.Rect(line_rect(page, "Line", "page.")))
        foreign.set_colors(stroke=(0.0, 0.5, 0.0))
        foreign.set_info(content="from Okular", creationDate="D:20240531140000+02'00'")
        foreign.update()
        squiggle = page.add_squiggly_annot(pymupdf.Rect(line_rect(page, "A", "paragraph.")))
        squiggle.update()
        doc.xref_set_key(squiggle.xref, "C", "[0.5]")  # a gray colour, as some viewers write
        doc[1].add_freetext_annot(pymupdf.Rect(150, 300, 280, 340), "typed box")
        doc[1].insert_link(
            {"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(0, 0, 20, 20), "uri": "https://x.org"}
        )
        doc.saveIncr()

    first = read_annotations(sample)
    assert [(r.page, r.kind) for r in first] == [(0, "highlight"), (0, "underline"), (1, "note")]
    okular = first[0]
    assert okular.id is None and okular.text == "Line one of the first page."
    assert okular.color == "#008000" and okular.comment == "from Okular"
    assert okular.created == dt.datetime(2024, 5, 31, 12, 0, tzinfo=dt.UTC)
    assert first[1].color == "#808080" and first[1].created is None
    assert first[2].comment == "typed box" and close(first[2].rects[0], (150, 300, 280, 340))

    out = tmp_path / "out.pdf"
    records = every_kind(sample)
    write_annotations(sample, out, records)
    write_annotations(out, out, records)  # exporting again must not duplicate
    assert len(read_annotations(out, include_own=True)) == len(records) + 3
    subtypes = Counter(
        a.get_object()["/Subtype"] for p in pypdf.PdfReader(out).pages for a in p.get("/Annots", [])
    )
    assert subtypes["/Popup"] == 1 and subtypes["/Text"] == 1  # the old note went with its popup
    again = read_annotations(out)
    assert [r.fingerprint for r in again] == [r.fingerprint for r in first]
    assert len({r.fingerprint for r in again}) == 3

    write_annotations(out, out, records[:1], replace_own=False)
    assert len(read_annotations(out, include_own=True)) == len(records) + 4


def test_in_place_update(sample: Path) -> None:
    before = sample.stat().st_mode
    write_annotations(sample, sample, every_kind(sample)[:2])
    assert len(read_annotations(sample, include_own=True)) == 2
    assert sample.stat().st_mode == before
    assert sorted(p.name for p in sample.parent.iterdir()) == ["paper.pdf"]  # no temp file left


def test_errors_leave_destination_untouched(sample: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst.pdf"
    dst.write_bytes(b"previous export")
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\nthis is not really a PDF at all\n")
    with pytest.raises(PdfError, match="not a readable PDF"):
        write_annotations(corrupt, dst, every_kind(sample))
    with pytest.raises(PdfError, match="not found"):
        write_annotations(tmp_path / "missing.pdf", dst, [])
    bad_page = AnnotationRecord(9, 7, "highlight", rects=((1, 1, 2, 2),))
    with pytest.raises(PdfError, match="page 8"):
        write_annotations(sample, dst, [bad_page])
    with pytest.raises(PdfError, match="#rrggbb"):
        write_annotations(sample, dst, [AnnotationRecord(9, 0, "highlight", "yellow", ((1, 1, 2, 2),))])
    with pytest.raises(PdfError, match="cannot write"):
        write_annotations(sample, tmp_path / "no" / "such" / "dir.pdf", every_kind(sample))
    with pytest.raises(PdfError):
        read_annotations(corrupt)
    assert dst.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.pdf", "dst.pdf", "paper.pdf"]


def test_rotated_page_highlight_sits_on_the_same_words(sample: Path, tmp_path: Path) -> None:
    with pymupdf.open(sample) as doc:
        page = doc[2]
        assert page.rotation == 90
        # The GUI maps a click on the rotated view back to unrotated space with derotation_matrix.
        to_page = page.derotation_matrix
        words = {w[4]: pymupdf.Rect(w[:4]) * page.rotation_matrix for w in page.get_text("words")}
        start = pymupdf.Point(words["page"].x0 + 1, words["page"].y0 + 2) * to_page
        end = pymupdf.Point(words["words"].x1 - 1, words["words"].y1 - 2) * to_page
        rects = text_rects(page, tuple(start), tuple(end))
        assert len(rects) == 1 and quote_text(page, rects) == "page words"
    out = tmp_path / "out.pdf"
    records = [
        AnnotationRecord(1, 2, "highlight", rects=tuple(rects)),
        AnnotationRecord(2, 2, "underline", "#2ea8e5", rects=tuple(rects)),
    ]
    write_annotations(sample, out, records)
    back = read_annotations(out, include_own=True)
    assert [r.text for r in back] == ["page words", "page words"]
    assert close(back[0].rects[0], rects[0])

    # Independent check: poppler reports words in the rotated (viewing) space; the highlight,
    # taken to that space, covers the centres of exactly "page" and "words".
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "3", "-l", "3", str(out), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with pymupdf.open(out) as doc:
        shown = pymupdf.Rect(rects[0]) * doc[2].rotation_matrix
        page = doc[2]
        quad = pymupdf.Quad(page.load_annot("readinglist-2").vertices[:4]) * page.rotation_matrix
    covered = []
    for line in html.splitlines():
        if "<word " in line:
            attrs = dict(part.split("=") for part in line.split(">")[0].split()[1:])
            x0, y0, x1, y1 = (float(attrs[k].strip('"')) for k in ("xMin", "yMin", "xMax", "yMax"))
            if shown.contains(pymupdf.Point((x0 + x1) / 2, (y0 + y1) / 2)):
                covered.append(line.split(">")[1].split("<")[0])
    assert covered == ["page", "words"]
    # The underline's quad is oriented as read: its lower edge is the bottom of the shown text.
    assert quad.ll.y == pytest.approx(shown.y1, abs=0.5) and quad.ul.y == pytest.approx(shown.y0, abs=0.5)


def test_quote_text_joins_hyphenation_and_follows_reading_order(sample: Path) -> None:
    with pymupdf.open(sample) as doc:
        p0, p1 = doc[0], doc[1]
        rects = [line_rect(p0, "The", "repre-"), line_rect(p0, "sentation", "data.")]
        assert quote_text(p0, rects) == "The model learns a representation of the input data."
        # One box over several lines still reads line by line; real hyphens inside a line stay.
        box = (30.0, 50.0, 290.0, 105.0)
        assert quote_text(p0, [box]) == (
            "The model learns a representation of the input data. We compare with state-of-the-art methods."
        )
        # A compound split at its own hyphen keeps it.
        split = [line_rect(p1, "Our", "state-of-the-"), line_rect(p1, "art", "strong.")]
        assert quote_text(p1, split) == "Our state-of-the-art baseline is strong."
        # Rects are read in the order given (line by line as the markup goes).
        assert quote_text(p0, rects[::-1]).startswith("sentation of the input data. The model")
        assert quote_text(p0, [(0.0, 0.0, 5.0, 5.0)]) == ""


def test_text_rects_spanning_three_lines(sample: Path) -> None:
    with pymupdf.open(sample) as doc:
        page = doc[0]
        learns = line_rect(page, "learns", "learns")
        with_ = line_rect(page, "with", "with")
        start = ((learns[0] + learns[2]) / 2, (learns[1] + learns[3]) / 2)
        end = ((with_[0] + with_[2]) / 2, (with_[1] + with_[3]) / 2)
        rects = text_rects(page, start, end)
        assert len(rects) == 3
        assert quote_text(page, rects) == "learns a representation of the input data. We compare with"
        assert close(rects[0], line_rect(page, "learns", "repre-"), 0.01)
        assert close(rects[1], line_rect(page, "sentation", "data."), 0.01)
        assert close(rects[2], line_rect(page, "We", "with"), 0.01)
        assert text_rects(page, end, start) == rects  # dragging upwards selects the same
        # A point in the right margin of a line snaps to that line's last word.
        margin = text_rects(page, start, (295.0, end[1]))
        assert quote_text(page, margin).endswith("state-of-the-art methods.")
        blank = doc.new_page()  # last: a new page invalidates the Page objects taken before
        assert text_rects(blank, (10.0, 10.0), (50.0, 50.0)) == []


@given(
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.integers(min_value=-14 * 4, max_value=14 * 4),
)
def test_parse_pdf_date_with_any_offset(moment: dt.datetime, quarters: int) -> None:
    zone = dt.timezone(dt.timedelta(minutes=15 * quarters))
    local = moment.replace(microsecond=0, tzinfo=zone)
    sign, minutes = ("-" if quarters < 0 else "+"), abs(quarters) * 15
    text = f"D:{local:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"
    assert parse_pdf_date(text) == local.astimezone(dt.UTC)


def test_parse_pdf_date() -> None:
    utc = dt.UTC
    assert parse_pdf_date("D:20240531120000Z") == dt.datetime(2024, 5, 31, 12, tzinfo=utc)
    assert parse_pdf_date("D:20240531140000+02'00'") == dt.datetime(2024, 5, 31, 12, tzinfo=utc)
    assert parse_pdf_date("D:20240531070000-05'00") == dt.datetime(2024, 5, 31, 12, tzinfo=utc)
    assert parse_pdf_date("D:2024") == dt.datetime(2024, 1, 1, tzinfo=utc)
    assert parse_pdf_date("20240531120000") == dt.datetime(2024, 5, 31, 12, tzinfo=utc)
    assert parse_pdf_date("") is None and parse_pdf_date("yesterday") is None
    assert parse_pdf_date("D:20241399000000Z") is None

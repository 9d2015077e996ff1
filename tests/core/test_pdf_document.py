"""readinglist.pdf.document: text in reading order, verification, title guess (in-process)."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from readinglist.errors import PdfError
from readinglist.pdf.document import first_page_title, read_pdf_text, verify_pdf
from tests.pdfgen import make_corrupt_pdf, make_paper_pdf

TITLE = "Sparse Attention at Scale for Long Context Language Models"


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_paper_pdf(
        tmp_path_factory.mktemp("doc") / "paper.pdf",
        title=TITLE,
        authors=["Ana Günther", "Bo Martínez"],
        pages=3,
        arxiv_stamp="arXiv:2405.20204v1  [cs.CL]  31 May 2024",
        body_words=["marker-zebra", "see", "arXiv:2401.00001"],
        metadata={"author": "Ana Günther, Bo Martínez"},
    )


def test_reads_every_page_with_metadata(paper: Path) -> None:
    text = read_pdf_text(paper)
    assert text.page_count == 3 and len(text.pages) == 3
    assert text.has_text
    assert TITLE in text.pages[0]
    assert "marker-zebra" in text.pages[0]
    assert text.metadata["author"] == "Ana Günther, Bo Martínez"
    assert "title" not in text.metadata  # empty Info fields are dropped


def test_two_column_pages_read_left_column_first(paper: Path) -> None:
    text = read_pdf_text(paper)
    # pdfgen numbers sections in reading order: left column of page 1 is section 1, right is 2, ...
    for page, (left, right) in zip(text.pages, [(1, 2), (3, 4), (5, 6)], strict=True):
        lines = page.split("\n")
        heads = [n for n, line in enumerate(lines) if line.startswith((f"{left} ", f"{right} "))]
        assert [lines[n].split()[0] for n in heads] == [str(left), str(right)]
        assert heads[1] - heads[0] > 20  # the whole left column first, not interleaved line by line


def test_reading_order_when_content_stream_has_right_column_first(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    for label, x0 in (("RIGHT", 315), ("LEFT", 54)):  # content stream: right column first
        for k in range(3):
            rect = pymupdf.Rect(x0, 100 + 150 * k, x0 + 240, 220 + 150 * k)
            page.insert_textbox(rect, f"{label}{k} " + "lorem ipsum dolor sit amet " * 12, fontsize=9)
    page.insert_textbox(pymupdf.Rect(54, 40, 556, 80), "A Full Width Heading", fontsize=14, align=1)
    doc.save(tmp_path / "cols.pdf")
    text = read_pdf_text(tmp_path / "cols.pdf").pages[0]
    order = [text.index(s) for s in ("A Full Width", "LEFT0", "LEFT1", "LEFT2", "RIGHT0", "RIGHT1", "RIGHT2")]
    assert order == sorted(order)


def test_arxiv_stamp_is_kept_as_one_line_at_the_end(paper: Path) -> None:
    first = read_pdf_text(paper).pages[0]
    assert first.rstrip().endswith("arXiv:2405.20204v1  [cs.CL]  31 May 2024")


def test_title_guess_from_font_size(paper: Path) -> None:
    assert read_pdf_text(paper).title_guess == TITLE
    assert first_page_title(paper) == TITLE


def test_title_guess_joins_a_title_set_on_two_lines(tmp_path: Path) -> None:
    title = "A Very Long Title That Certainly Needs Two Lines When It Is Typeset at Seventeen Points"
    path = make_paper_pdf(tmp_path / "long.pdf", title=title, authors=["A. Author"], pages=1)
    assert first_page_title(path) == title


def test_scan_has_no_text(tmp_path: Path) -> None:
    path = make_paper_pdf(tmp_path / "scan.pdf", title="Scanned", authors=[], pages=2, text_layer=False)
    text = read_pdf_text(path)
    assert text.page_count == 2
    assert not text.has_text
    assert text.title_guess is None
    assert verify_pdf(path) == 2


def test_max_pages(paper: Path) -> None:
    text = read_pdf_text(paper, max_pages=1)
    assert text.page_count == 3 and len(text.pages) == 1


def test_verify_returns_page_count(paper: Path) -> None:
    assert verify_pdf(paper) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<!DOCTYPE html><html><body>Please solve the captcha</body></html>", "looks like an HTML page"),
        (b"", "the file is empty"),
        (b"PK\x03\x04 a zip file", "no %PDF- header"),
    ],
)
def test_not_a_pdf(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    for call in (verify_pdf, read_pdf_text):
        with pytest.raises(PdfError, match=message):
            call(path)


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = make_corrupt_pdf(tmp_path / "bad.pdf")
    with pytest.raises(PdfError, match="damaged PDF"):
        verify_pdf(path)
    with pytest.raises(PdfError, match="damaged PDF"):
        read_pdf_text(path)


def test_truncated_pdf_is_damaged(paper: Path, tmp_path: Path) -> None:
    data = paper.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(PdfError, match="truncated"):
        verify_pdf(cut)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match="file not found"):
        verify_pdf(tmp_path / "nope.pdf")


def test_password_protected(paper: Path, tmp_path: Path) -> None:
    with pymupdf.open(paper) as doc:
        doc.save(tmp_path / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    with pytest.raises(PdfError, match="password-protected"):
        read_pdf_text(tmp_path / "locked.pdf")

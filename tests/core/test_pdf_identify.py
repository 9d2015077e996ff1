"""readinglist.pdf.identify: arXiv id, DOI, title and authors from extracted PDF text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist.pdf.document import PdfText, read_pdf_text
from readinglist.pdf.identify import identify
from tests.pdfgen import make_paper_pdf


def _text(
    pages: tuple[str, ...] = ("",), metadata: dict[str, str] | None = None, title: str | None = None
) -> PdfText:
    return PdfText(len(pages), pages, metadata or {}, True, title)


def test_stamp_in_a_real_pdf(tmp_path: Path) -> None:
    """The stamp made as arXiv makes it: rotated 90 degrees in the left margin of page 1."""
    path = make_paper_pdf(
        tmp_path / "p.pdf",
        title="Sparse Attention at Scale",
        authors=["Ana Günther", "Bo Martínez"],
        arxiv_stamp="arXiv:2405.20204v2  [cs.CL]  31 May 2024",
        body_words=["as", "shown", "in", "arXiv:2301.00001"],  # a cited paper, not this one
        metadata={"author": "Ana Günther; Bo Martínez and Chen Li"},
    )
    found = identify(read_pdf_text(path))
    assert (found.arxiv_id, found.version) == ("2405.20204", 2)
    assert found.title == "Sparse Attention at Scale"  # metadata has none: the largest font on page 1
    assert found.authors == ("Ana Günther", "Bo Martínez", "Chen Li")


def test_metadata_carries_the_id(tmp_path: Path) -> None:
    path = make_paper_pdf(
        tmp_path / "m.pdf",
        title="Some Paper",
        authors=["X"],
        metadata={"subject": "arXiv:2310.01234v3", "title": "Some Paper About Things That Matter"},
    )
    found = identify(read_pdf_text(path))
    assert (found.arxiv_id, found.version) == ("2310.01234", 3)
    assert found.title == "Some Paper About Things That Matter"


def test_mention_in_the_text(tmp_path: Path) -> None:
    path = make_paper_pdf(
        tmp_path / "t.pdf",
        title="Some Paper",
        authors=["X"],
        body_words=["Preprint:", "https://arxiv.org/abs/1706.03762."],
    )
    found = identify(read_pdf_text(path))
    assert (found.arxiv_id, found.version) == ("1706.03762", None)


@pytest.mark.parametrize(
    "page",
    [
        "arXiv:2405.20204v1  [cs.CL]  31 May 2024\nbody",
        "a\nr\nX\ni\nv\n:\n2\n4\n0\n5\n.\n2\n0\n2\n0\n4\nv\n1\n[\nc\ns\n.\nC\nL\n]\n3\n1\nM\na\ny\n2\n0\n2\n4",
        "4202 yaM 13  ]LC.sc[  1v40202.5042:viXra",  # extracted back to front
    ],
)
def test_stamp_in_odd_orders(page: str) -> None:
    found = identify(_text((page,)))
    assert (found.arxiv_id, found.version) == ("2405.20204", 1)


def test_stamp_beats_metadata_and_mentions() -> None:
    page = "See arXiv:2101.00001 for details.\narXiv:2405.20204v1 [cs.LG] 1 Jun 2024"
    found = identify(_text((page,), {"keywords": "arXiv:2202.00002"}))
    assert found.arxiv_id == "2405.20204"


def test_old_style_ids() -> None:
    found = identify(_text(("arXiv:hep-th/9901001v2  3 Feb 1999",)))
    assert (found.arxiv_id, found.version) == ("hep-th/9901001", 2)
    found = identify(_text(("cf. arXiv:math.AG/0601001",)))
    assert (found.arxiv_id, found.version) == ("math/0601001", None)


@pytest.mark.parametrize(
    "page",
    [
        "version 2405.2020 of the tool",  # not an id
        "arXiv:2413.12345",  # month 13
        "arXiv:1501.1234",  # four digits after 1412
        "arXiv:1203.12345",  # five digits before 1501
        "foo/9901001",  # unknown archive
    ],
)
def test_no_false_ids(page: str) -> None:
    assert identify(_text((page,))).arxiv_id is None


def test_mentions_only_on_the_first_two_pages() -> None:
    pages = ("intro", "method", "references: arXiv:2101.00001")
    assert identify(_text(pages)).arxiv_id is None


def test_doi_from_first_page_and_metadata() -> None:
    found = identify(_text(("Published in Nature (doi: 10.1038/s41586-021-03819-2).",)))
    assert found.doi == "10.1038/s41586-021-03819-2"
    found = identify(_text(("https://doi.org/10.1016/S0140-6736(20)30183-5, accessed",)))
    assert found.doi == "10.1016/S0140-6736(20)30183-5"
    found = identify(_text(("nothing",), {"subject": "doi:10.1145/3442188.3445922"}))
    assert found.doi == "10.1145/3442188.3445922"
    assert identify(_text(("nothing here",))).doi is None


def test_arxiv_doi_gives_the_id() -> None:
    found = identify(_text(("DOI 10.48550/arXiv.2405.20204",)))
    assert found.doi == "10.48550/arXiv.2405.20204"
    assert found.arxiv_id == "2405.20204"


@pytest.mark.parametrize(
    "meta_title",
    ["", "Microsoft Word - draft7.docx", "paper_final.pdf", "untitled", "Two Words", "/home/me/x.tex"],
)
def test_poor_metadata_title_falls_back_to_the_font_guess(meta_title: str) -> None:
    found = identify(_text(("x",), {"title": meta_title}, title="The Real Title Of It"))
    assert found.title == "The Real Title Of It"


def test_no_authors_without_metadata() -> None:
    assert identify(_text(("Ana Günther",))).authors == ()


@given(
    yymm=st.sampled_from(["1501", "1912", "2405", "2512"]),
    number=st.integers(0, 99999),
    version=st.one_of(st.none(), st.integers(1, 30)),
)
def test_new_style_ids_round_trip(yymm: str, number: int, version: int | None) -> None:
    ident = f"{yymm}.{number:05d}"
    suffix = f"v{version}" if version else ""
    found = identify(_text((f"Available at arXiv:{ident}{suffix}.",)))
    assert (found.arxiv_id, found.version) == (ident, version)

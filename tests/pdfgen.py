"""Make test PDFs with PyMuPDF: paper-like pages, arXiv margin stamps, scans, corrupt files.

Used by the core tests and the GUI demo generator. Output is deterministic for given arguments.
Sections are numbered in reading order ("1 Introduction" is the left column of page 1, the
right column is section 2, ...), so a test can check extraction order by section number.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pymupdf

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # US letter, as most arXiv PDFs
MARGIN = 54.0
GUTTER = 18.0
BODY_FONTSIZE = 9.0

_VOCABULARY = (
    "model training data attention layer token language vision learning network sparse dense "
    "gradient loss benchmark evaluation transformer encoder decoder retrieval reasoning agent "
    "policy reward scaling parameter inference latency memory kernel dataset annotation prompt "
    "alignment diffusion sample noise image video speech robust baseline ablation metric result "
    "the a of and in we to is for with that on by our this from are as an which be"
)
_WORDS = tuple(_VOCABULARY.split())
_SECTION_NAMES = (
    "Introduction",
    "Related Work",
    "Method",
    "Experiments",
    "Results",
    "Analysis",
    "Discussion",
    "Limitations",
    "Conclusion",
    "Appendix",
)


def _paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    sentences = [s.strip().capitalize() for s in text.split(" the ") if s.strip()]
    return ". ".join(sentences) + "."


def _column_text(rng: random.Random, section: int, lead: str = "") -> str:
    name = _SECTION_NAMES[(section - 1) % len(_SECTION_NAMES)]
    paras = [f"{section} {name}"]
    if lead:
        paras.append(lead)
    paras += [_paragraph(rng, rng.randint(45, 70)) for _ in range(4)]
    return "\n".join(paras)


def _fill_box(page: pymupdf.Page, rect: pymupdf.Rect, text: str) -> None:
    """insert_textbox writes nothing when the text overflows: drop trailing paragraphs until it fits."""
    paras = text.split("\n")
    while paras:
        rc = page.insert_textbox(rect, "\n".join(paras), fontname="tiro", fontsize=BODY_FONTSIZE)
        if rc >= 0:
            return
        paras.pop()


def _draw_scan(page: pymupdf.Page, rng: random.Random, top: float) -> None:
    """A page with no text layer: grey bars where a scanner would have captured lines of text."""
    shape = page.new_shape()
    y = top
    while y < PAGE_HEIGHT - MARGIN:
        width = (PAGE_WIDTH - 2 * MARGIN) * rng.uniform(0.6, 1.0)
        shape.draw_rect(pymupdf.Rect(MARGIN, y, MARGIN + width, y + 6))
        y += 12
    shape.finish(fill=(0.35, 0.35, 0.35), color=None)
    shape.commit()


def make_paper_pdf(
    path: Path | str,
    *,
    title: str,
    authors: Sequence[str],
    pages: int = 3,
    two_column: bool = True,
    arxiv_stamp: str | None = None,
    body_words: Sequence[str] = (),
    text_layer: bool = True,
    metadata: dict[str, str] | None = None,
    min_size: int = 0,
) -> Path:
    """Write a paper-like PDF and return its path.

    Page 1 carries the title (17 pt bold), the authors (11 pt) and ``body_words`` as the first
    paragraph of section 1. ``arxiv_stamp`` is drawn as arXiv does: rotated 90 degrees in the
    left margin of page 1. ``metadata`` None leaves the PDF's Info dictionary empty.
    ``text_layer=False`` makes a scan look-alike (shapes only, no text at all). ``min_size``
    pads the file with an incompressible embedded attachment (realistic download sizes, fast).
    """
    path = Path(path)
    rng = random.Random(f"{title}|{pages}|{two_column}")
    doc = pymupdf.open()
    section = 1
    col_width = (PAGE_WIDTH - 2 * MARGIN - GUTTER) / 2 if two_column else PAGE_WIDTH - 2 * MARGIN
    for number in range(pages):
        page = doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        top = MARGIN
        if number == 0:
            top = 190.0
            if text_layer:
                head = pymupdf.Rect(MARGIN, MARGIN, PAGE_WIDTH - MARGIN, 130)
                page.insert_textbox(
                    head, title, fontname="tibo", fontsize=17, align=pymupdf.TEXT_ALIGN_CENTER
                )
                names = pymupdf.Rect(MARGIN, 135, PAGE_WIDTH - MARGIN, 185)
                page.insert_textbox(names, ", ".join(authors), fontname="tiro", fontsize=11, align=1)
            if arxiv_stamp:
                # arXiv's stamp: text running bottom-to-top, centred in the left margin.
                page.insert_text(
                    (34, 560), arxiv_stamp, fontname="tiro", fontsize=20, rotate=90, color=(0.5,) * 3
                )
        if not text_layer:
            _draw_scan(page, rng, top)
            continue
        columns = 2 if two_column else 1
        for col in range(columns):
            x0 = MARGIN + col * (col_width + GUTTER)
            rect = pymupdf.Rect(x0, top, x0 + col_width, PAGE_HEIGHT - MARGIN)
            lead = " ".join(body_words) if number == 0 and col == 0 else ""
            _fill_box(page, rect, _column_text(rng, section, lead))
            section += 1
    doc.set_metadata(metadata or {})
    if min_size > 0:
        doc.embfile_add("padding.bin", rng.randbytes(min_size))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path, deflate=True, garbage=1, no_new_id=True)
    doc.close()
    return path


def make_corrupt_pdf(path: Path | str) -> Path:
    """A file that starts like a PDF (``%PDF-1.7``) and is garbage after the header."""
    path = Path(path)
    rng = random.Random(7)
    body = bytes(rng.randrange(256) for _ in range(4096))
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body)
    return path

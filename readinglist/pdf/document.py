"""Read PDFs with PyMuPDF: verify a file, extract its text in reading order, guess its title.

Runs in the calling process. PyMuPDF is not thread-safe, so keep calls on one thread (the GUI's
PDF lane) or go through :mod:`readinglist.pdf.worker`, which runs these in a child process.

Reading order: ``get_text("text")`` follows the content stream, which is right for pdfTeX but
not for every producer; ``sort=True`` sorts lines by (y, x), which interleaves the lines of two
columns (and the letters of the rotated arXiv stamp) and is 25x slower. So we take the blocks
and order them by column ourselves (:func:`_reading_order`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

from readinglist.errors import PdfError

MIN_TEXT_CHARS = 20  # fewer non-space characters than this over all pages: a scan
HEADER_WINDOW = 1024  # the PDF spec allows junk before %PDF-; readers look this far
# Default text flags minus TEXT_PRESERVE_LIGATURES, so "ﬁ" comes out as "fi" (better search).
TEXT_FLAGS = (
    pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_CID_FOR_UNKNOWN_UNICODE
)

Block = tuple[float, float, float, float, str]  # x0, y0, x1, y1, text


@dataclass(frozen=True)
class PdfText:
    """The text of a PDF, page by page in reading order, with its Info metadata (non-empty keys)."""

    page_count: int
    pages: tuple[str, ...]
    metadata: dict[str, str] = field(hash=False)
    has_text: bool
    title_guess: str | None = None


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as f:
            head = f.read(HEADER_WINDOW)
    except FileNotFoundError:
        raise PdfError(f"{path.name}: file not found") from None
    except OSError as exc:
        raise PdfError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    if b"%PDF-" in head:
        return
    if not head.strip():
        raise PdfError(f"{path.name}: not a PDF (the file is empty)")
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml")) or b"<html" in lowered:
        raise PdfError(f"{path.name}: not a PDF (looks like an HTML page)")
    raise PdfError(f"{path.name}: not a PDF (no %PDF- header)")


def _open(path: Path) -> pymupdf.Document:
    """Open a PDF or raise PdfError saying what is wrong with it."""
    path = Path(path)
    _check_header(path)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # MuPDF raises FileDataError, RuntimeError, ValueError, ...
        raise PdfError(f"{path.name}: damaged PDF (MuPDF could not open it)") from exc
    problem = None
    if not doc.is_pdf:
        problem = "not a PDF"  # MuPDF sniffs content and happily opens HTML, images, ...
    elif doc.needs_pass:
        problem = "the PDF is password-protected; save an unprotected copy and try again"
    elif doc.page_count < 1:
        problem = "damaged PDF (no pages)"
    if problem:
        doc.close()
        raise PdfError(f"{path.name}: {problem}")
    return doc


def verify_pdf(path: Path) -> int:
    """Check that ``path`` is a readable, complete PDF and return its page count."""
    path = Path(path)
    with _open(path) as doc:
        # MuPDF repairs a truncated file silently; a missing %%EOF tells truncation from a
        # harmless repair (wrong xref offsets), which we accept.
        if doc.is_repaired and not _has_eof_marker(path):
            raise PdfError(f"{path.name}: damaged PDF (truncated: the end of the file is missing)")
        try:
            doc.load_page(0)
        except Exception as exc:
            raise PdfError(f"{path.name}: damaged PDF (the first page cannot be read)") from exc
        return doc.page_count


def _has_eof_marker(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 2048))
        return b"%%EOF" in f.read()


def read_pdf_text(path: Path, *, max_pages: int | None = None) -> PdfText:
    """Text of every page (or the first ``max_pages``) in reading order, plus metadata."""
    path = Path(path)
    with _open(path) as doc:
        count = doc.page_count
        limit = count if max_pages is None else max(0, min(count, max_pages))
        pages = []
        for number in range(limit):
            try:
                pages.append(page_text(doc.load_page(number)))
            except Exception:  # one broken page must not lose the rest of the document
                pages.append("")
        title = None
        if limit:
            try:
                title = _title_from_page(doc.load_page(0))
            except Exception:
                title = None
        metadata = {k: v.strip() for k, v in (doc.metadata or {}).items() if isinstance(v, str) and v.strip()}
    return PdfText(count, tuple(pages), metadata, _has_text(pages), title)


def _has_text(pages: Sequence[str]) -> bool:
    seen = 0
    for text in pages:
        seen += len(text) - sum(text.count(c) for c in " \n\t\r\xa0")
        if seen >= MIN_TEXT_CHARS:
            return True
    return False


def page_text(page: pymupdf.Page) -> str:
    """One page's text, blocks in reading order (see :func:`_reading_order`)."""
    blocks = [
        (b[0], b[1], b[2], b[3], b[4].strip())
        for b in page.get_text("blocks", flags=TEXT_FLAGS)
        if b[6] == 0 and b[4].strip()
    ]
    return "\n".join(b[4] for b in _reading_order(blocks, page.rect.width))


def _reading_order(blocks: list[Block], width: float) -> list[Block]:
    """Order blocks for reading: full-width blocks cut the page into bands; in each band the
    left column is read before the right one. Narrow vertical blocks (the arXiv stamp, line
    numbers) go last. Handles one- and two-column pages alike."""
    mid, slack = width / 2, width * 0.02
    body: list[Block] = []
    margin: list[Block] = []
    for b in blocks:
        w, h = b[2] - b[0], b[3] - b[1]
        (margin if w < width * 0.08 and h > 4 * w and h > 100 else body).append(b)
    ordered: list[Block] = []
    left: list[Block] = []
    right: list[Block] = []
    for b in sorted(body, key=lambda b: (b[1], b[0])):
        if b[2] <= mid + slack and b[0] < mid - slack:
            left.append(b)
        elif b[0] >= mid - slack and b[2] > mid + slack:
            right.append(b)
        else:  # spans the middle: a title, a full-width figure or paragraph, a page number
            ordered += left + right + [b]
            left, right = [], []
    return ordered + left + right + margin


def first_page_title(path: Path) -> str | None:
    """The title as typeset on page 1: the largest-font lines in the top half, or None."""
    with _open(Path(path)) as doc:
        return _title_from_page(doc.load_page(0))


_STAMP = re.compile(r"^\s*arXiv:", re.IGNORECASE)


def _title_from_page(page: pymupdf.Page) -> str | None:
    lines: list[tuple[float, float, float, str]] = []  # size, y0, y1, text
    chars_by_size: Counter[float] = Counter()
    top_half = page.rect.height * 0.5
    for block in page.get_text("dict", flags=TEXT_FLAGS)["blocks"]:
        for line in block.get("lines", ()):
            if abs(line["dir"][1]) > 0.01:  # rotated text: the arXiv stamp, axis labels
                continue
            spans = [s for s in line["spans"] if s["text"].strip()]
            if not spans:
                continue
            size = round(max(s["size"] for s in spans), 1)
            text = " ".join("".join(s["text"] for s in line["spans"]).split())
            chars_by_size[size] += len(text)
            if line["bbox"][1] < top_half:
                lines.append((size, line["bbox"][1], line["bbox"][3], text))
    if not lines:
        return None
    body_size = chars_by_size.most_common(1)[0][0]
    for size in sorted({ln[0] for ln in lines}, reverse=True)[:3]:
        if size < body_size + 1:
            break
        title = _join_title([ln for ln in sorted(lines, key=lambda ln: ln[1]) if abs(ln[0] - size) < 0.6])
        if _plausible_title(title):
            return title
    return None


def _join_title(lines: list[tuple[float, float, float, str]]) -> str:
    """Join the first run of vertically adjacent lines (a title set on two or three lines)."""
    text, last_y1 = lines[0][3], lines[0][2]
    for size, y0, y1, line in lines[1:]:
        if y0 - last_y1 > size * 1.5:
            break
        text = f"{text}{line}" if text.endswith("-") else f"{text} {line}"
        last_y1 = y1
    return text


def _plausible_title(text: str) -> bool:
    words = text.split()
    letters = sum(c.isalpha() for c in text)
    return 2 <= len(words) <= 40 and letters >= 6 and not _STAMP.match(text)

"""A PDF as the reader uses it. Every method runs on the reader's worker thread (PyMuPDF is not
thread-safe); results are plain values and QImages (never QPixmaps, which belong to the GUI thread).

Geometry: annotations, words and search hits are in PyMuPDF's unrotated page space; what the
reader shows is the rotated page (``page.rect``). ``PageInfo.matrix`` maps the first to the second.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from PySide6.QtGui import QImage

from readinglist.errors import PdfError
from readinglist.pdf import annotations as pdfannots
from readinglist.pdf import textsel
from readinglist.records import Point, Rect

TILE = 512  # device pixels: PyMuPDF holds the GIL while it renders; a 512² tile takes 1-5 ms
_DISPLAY_LISTS = 12  # pages whose display list is kept (re-interpreting content costs ~1 ms)

Matrix6 = tuple[float, float, float, float, float, float]
PagePoint = tuple[int, Point]  # (page number, point in its unrotated page space)
WORD_SLOP = 3.0  # points: how far off a word a double-click may land and still pick it


@dataclass(frozen=True)
class PageInfo:
    width: float  # as shown (rotation applied), in points
    height: float
    matrix: Matrix6  # unrotated page space -> shown page space (page.rotation_matrix)


@dataclass(frozen=True)
class DocInfo:
    pages: tuple[PageInfo, ...]
    toc: tuple[tuple[int, str, int], ...]  # (level, title, 0-based page)
    title: str


@dataclass(frozen=True)
class PageText:
    """The selected part of one page: line rects (unrotated page space) and their text."""

    page: int
    rects: tuple[Rect, ...]
    quote: str


@dataclass(frozen=True)
class Selection:
    """Selected text, page by page in reading order, and the text of all of it."""

    parts: tuple[PageText, ...]
    quote: str

    def rects_on(self, page: int) -> tuple[Rect, ...]:
        return next((part.rects for part in self.parts if part.page == page), ())


def tile_grid(info: PageInfo, scale: float) -> tuple[int, int, int, int]:
    """(pixel width, pixel height, columns, rows) of a page rendered at ``scale`` px per point."""
    w = max(1, math.ceil(info.width * scale - 0.01))
    h = max(1, math.ceil(info.height * scale - 0.01))
    return w, h, math.ceil(w / TILE), math.ceil(h / TILE)


def _image(pix: pymupdf.Pixmap) -> QImage:
    """A QImage that owns its pixels: convertToFormat copies out of the pixmap's buffer, and
    RGB32 is the format the raster paint engine blits without converting again."""
    img = QImage(pix.samples_mv, pix.width, pix.height, pix.stride, QImage.Format.Format_RGB888)
    return img.convertToFormat(QImage.Format.Format_RGB32)


def _beyond(page: pymupdf.Page, point: Point, line: Rect, *, above: bool) -> bool:
    """Whether a point lies above (or below) a line of text, as the page is shown (rotated)."""
    m = page.rotation_matrix
    y, box = (pymupdf.Point(point) * m).y, pymupdf.Rect(line) * m
    return y < box.y0 if above else y > box.y1


class PdfDocument:
    """One open PDF, owned by the worker thread. Construct anywhere; call only on the worker."""

    def __init__(self, path: Path | str, hidden: Collection[str] = ()) -> None:
        self.path = Path(path)
        # Fingerprints of imported annotations: the reader draws them from the database, so the
        # PDF's own copies are removed from the in-memory document (never saved) before rendering.
        self._hidden = frozenset(hidden)
        self._doc: pymupdf.Document | None = None
        self._lists: OrderedDict[int, pymupdf.DisplayList] = OrderedDict()
        self._prepared: set[int] = set()

    def set_hidden(self, fingerprints: Collection[str]) -> None:
        """Fingerprints of imported annotations to hide (call before the pages render)."""
        self._hidden = frozenset(fingerprints)

    # -- opening -----------------------------------------------------------------------------
    def open(self) -> DocInfo:
        try:
            doc = pymupdf.open(self.path, filetype="pdf")
        except Exception as exc:  # FileNotFoundError, FileDataError, RuntimeError ...
            raise PdfError(f"cannot open {self.path.name}: {exc}") from exc
        if doc.needs_pass:
            doc.close()
            raise PdfError(f"{self.path.name} is password-protected")
        if doc.page_count == 0:
            doc.close()
            raise PdfError(f"{self.path.name} has no pages")
        self._doc = doc
        pages = []
        for page in doc:  # ~16 µs a page: 500 pages in under 10 ms
            r, m = page.rect, page.rotation_matrix
            pages.append(PageInfo(r.width, r.height, (m.a, m.b, m.c, m.d, m.e, m.f)))
        toc = tuple(
            (int(level), str(title), max(0, int(pno) - 1))
            for level, title, pno, *_ in doc.get_toc(simple=True)
        )
        return DocInfo(tuple(pages), toc, (doc.metadata or {}).get("title") or self.path.stem)

    def close(self) -> None:
        self._lists.clear()
        if self._doc is not None:
            self._doc.close()
            self._doc = None

    def _page(self, number: int) -> pymupdf.Page:
        if self._doc is None:
            raise PdfError("the document is closed")
        page = self._doc.load_page(number)
        if number not in self._prepared:
            self._prepared.add(number)
            if self._strip(page):
                page = self._doc.load_page(number)
        return page

    def _strip(self, page: pymupdf.Page) -> bool:
        """Drop annotations the reader draws itself: ours, and imported ones (by fingerprint)."""
        return pdfannots.remove_annotations(page, own=True, fingerprints=self._hidden) > 0

    def _display_list(self, number: int) -> pymupdf.DisplayList:
        dl = self._lists.get(number)
        if dl is None:
            dl = self._page(number).get_displaylist()
            self._lists[number] = dl
            while len(self._lists) > _DISPLAY_LISTS:
                self._lists.popitem(last=False)
        else:
            self._lists.move_to_end(number)
        return dl

    # -- rendering ---------------------------------------------------------------------------
    def render_tile(self, number: int, scale: float, col: int, row: int) -> QImage:
        """Tile (col, row) of a page at ``scale`` device pixels per point."""
        dl = self._display_list(number)
        r = dl.rect
        x0, y0 = col * TILE / scale, row * TILE / scale
        clip = pymupdf.Rect(
            x0, y0, min((col + 1) * TILE / scale, r.width), min((row + 1) * TILE / scale, r.height)
        )
        # MuPDF rounds the clip outwards with a small tolerance, so tile edges land exactly on
        # multiples of TILE and neighbouring tiles neither overlap nor leave a seam.
        return _image(dl.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False, clip=clip))

    def render_page(self, number: int, scale: float) -> QImage:
        """A whole page in one image (thumbnails and previews: small scales only)."""
        dl = self._lists.get(number)
        source = dl if dl is not None else self._page(number)
        return _image(source.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False))

    # -- text --------------------------------------------------------------------------------
    def selection(self, start: PagePoint, end: PagePoint, whole_lines: bool = False) -> Selection | None:
        """The text between two points, which may be on different pages: from ``start`` to the
        end of its page, every page between in full, then the last page up to ``end``."""
        if start[0] > end[0]:
            start, end = end, start
        parts = []
        for number in range(start[0], end[0] + 1):
            page = self._page(number)
            a = start[1] if number == start[0] else None
            b = end[1] if number == end[0] else None
            rects = tuple(textsel.text_rects(page, a, b, whole_lines=whole_lines))
            # A drag that ends above the first line of its page (or starts below the last line
            # of its own) takes nothing from that page, not the word nearest the margin.
            if rects and a is None and b is not None and _beyond(page, b, rects[0], above=True):
                rects = ()
            if rects and b is None and a is not None and _beyond(page, a, rects[-1], above=False):
                rects = ()
            if rects:
                parts.append(PageText(number, rects, textsel.quote_text(page, rects)))
        if not parts:
            return None
        # Pages join like lines: with a space, and a word hyphenated over the page break made whole.
        return Selection(tuple(parts), textsel.join_lines([[part.quote] for part in parts]))

    def word_at(self, at: PagePoint, whole_line: bool = False) -> Selection | None:
        """The word (or the whole line) under a point; None when the point is not on text."""
        found = self.selection(at, at, whole_line)
        x, y = at[1]
        hit = found is not None and any(
            x0 - WORD_SLOP <= x <= x1 + WORD_SLOP and y0 - WORD_SLOP <= y <= y1 + WORD_SLOP
            for x0, y0, x1, y1 in found.parts[0].rects
        )
        return found if hit else None

    def quote(self, number: int, rects: Sequence[Rect]) -> str:
        return textsel.quote_text(self._page(number), rects)

    def search_page(self, number: int, needle: str) -> tuple[Rect, ...]:
        """Hits of ``needle`` on one page, as rects in unrotated page space."""
        hits = self._page(number).search_for(needle, quads=True)
        return tuple((r.x0, r.y0, r.x1, r.y1) for r in (q.rect for q in hits))

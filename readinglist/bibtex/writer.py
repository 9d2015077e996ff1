"""BibTeX text from :class:`PaperMeta`: deterministic, byte-identical on every run, biber-clean.

String building, not bibtexparser's writer: its writer escapes nothing (docs/ARCHITECTURE.md, "BibTeX").
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import NamedTuple

from readinglist.bibtex.citekeys import is_organisation, split_name, validate_citekey
from readinglist.bibtex.latex import clean_text, encode_text, encode_title
from readinglist.bibtex.order import check_unique_keys, key_order
from readinglist.records import PaperMeta

__all__ = ["HEADER", "BibRecord", "check_unique_keys", "entry_for", "key_order", "write_bibtex"]

HEADER = "% Exported by readinglist\n"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Venue fields per entry type as (BibTeX field, PaperMeta attribute), limited to what biber's
# data model accepts for the type: e.g. `publisher` on @article makes biber WARN, so it is left out.
_ARTICLE = (("journal", "journal"), ("volume", "volume"), ("number", "number"), ("pages", "pages"))
_PART = (
    ("booktitle", "booktitle"),
    ("volume", "volume"),
    ("number", "number"),
    ("pages", "pages"),
    ("publisher", "publisher"),
)
_WHOLE = (("volume", "volume"), ("number", "number"), ("publisher", "publisher"))
_REPORT = (("number", "number"), ("institution", "publisher"))
_THESIS = (("school", "publisher"),)
_VENUE: dict[str, tuple[tuple[str, str], ...]] = {
    "article": _ARTICLE,
    **dict.fromkeys(("inproceedings", "conference", "incollection", "inbook"), _PART),
    **dict.fromkeys(("book", "proceedings", "collection", "mvbook", "mvproceedings"), _WHOLE),
    **dict.fromkeys(("techreport", "report"), _REPORT),
    **dict.fromkeys(("phdthesis", "mastersthesis", "thesis"), _THESIS),
}
_ENTRY_TYPE = re.compile(r"[a-z]+")
# URLs and DOIs are verbatim fields: biber, bibtex and pybtex read them back byte for byte, so
# nothing is backslash-escaped (biber would keep the backslash: a broken link). Braces,
# backslashes and spaces, which would break the .bib, become percent-escapes: still the same URL.
_URL_TABLE = str.maketrans(
    {"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"} | {chr(c): None for c in [*range(0x20), 0x7F]}
)


# An ASCII value with none of these is written as it is (most DOIs, arXiv ids and URLs).
_URL_SPECIAL = re.compile(r"[\x00-\x20\x7f{}\\]")


def encode_url(value: str) -> str:
    """A URL or DOI as a field value: braces, ``\\`` and spaces percent-encoded, the rest as is."""
    if value.isascii() and not _URL_SPECIAL.search(value):
        return value
    return " ".join(value.split()).translate(_URL_TABLE)


@functools.lru_cache(maxsize=1 << 16)  # names repeat across a library: parse each once
def bibtex_name(name: str) -> str:
    """A display name as BibTeX wants it: ``von Last, Jr, First``; organisations and one-word
    names braced whole (``{OpenAI}``, ``{Google, Inc.}``) so BibTeX does not split them."""
    name = clean_text(name)
    if not name:
        return ""
    if "," in name or " " not in name or is_organisation(name):
        return "{" + encode_text(name) + "}"
    first, von, last, jr = split_name(name)
    out = encode_text(f"{von} {last}" if von else last)
    if jr:
        out += ", " + encode_text(jr)
    return out + ", " + encode_text(first) if first else out


class BibRecord(NamedTuple):
    """The :class:`PaperMeta` fields an entry is written from, for a paper without a kept .bib
    entry: an export reads only these columns (no abstracts) and builds no full record."""

    title: str
    authors: tuple[str, ...]
    arxiv_id: str | None
    published: dt.date | None
    primary_category: str | None
    doi: str | None
    entry_type: str | None
    journal: str | None
    booktitle: str | None
    volume: str | None
    number: str | None
    pages: str | None
    publisher: str | None
    year: int | None
    month: int | None
    url: str | None
    abstract: str = ""
    bib_source: None = None


Meta = PaperMeta | BibRecord


def _entry_type(meta: Meta) -> str:
    if meta.entry_type:
        kind = meta.entry_type.strip().lower()
        return kind if _ENTRY_TYPE.fullmatch(kind) else "misc"
    if meta.arxiv_id:
        return "misc"
    if meta.journal:
        return "article"
    return "inproceedings" if meta.booktitle else "misc"


def _year_month(meta: Meta) -> tuple[int | None, int | None]:
    if meta.year:
        return meta.year, meta.month
    if meta.published:
        return meta.published.year, meta.published.month
    return None, meta.month


def entry_for(key: str, meta: Meta, *, include_abstract: bool = False) -> str:
    """One BibTeX entry: fixed field order, 2-space indent, ``field = {value},``, final newline."""
    validate_citekey(key)
    kind = _entry_type(meta)
    title = encode_title(meta.title)
    fields: list[tuple[str, str]] = [("title", "{" + title + "}")] if title else []
    authors = " and ".join([n for n in map(bibtex_name, meta.authors) if n])
    if authors:
        fields.append(("author", "{" + authors + "}"))
    if meta.entry_type or not meta.arxiv_id:
        for field, attr in _VENUE.get(kind, ()):
            value = getattr(meta, attr)
            if value:
                fields.append((field, "{" + encode_text(str(value)) + "}"))
    year, month = _year_month(meta)
    if year:
        fields.append(("year", f"{{{year}}}"))
    if month and 1 <= month <= 12:
        fields.append(("month", MONTHS[month - 1]))  # the bare macro: braced names make biber WARN
    derived: set[str] = set()
    eprint = encode_url(meta.arxiv_id) if meta.arxiv_id else ""
    # An id that encodes as itself is safe inside the links made from it: no second encoding.
    plain_id = eprint == meta.arxiv_id
    doi = meta.doi
    if doi:
        fields.append(("doi", "{" + encode_url(doi) + "}"))
    elif meta.arxiv_id and not meta.entry_type:
        doi = f"10.48550/arXiv.{meta.arxiv_id}"
        derived.add("doi")
        fields.append(("doi", "{" + (doi if plain_id else encode_url(doi)) + "}"))
    if meta.arxiv_id:
        fields.append(("eprint", "{" + eprint + "}"))
        fields.append(("archiveprefix", "{arXiv}"))
        if meta.primary_category:
            fields.append(("primaryclass", "{" + encode_text(meta.primary_category) + "}"))
    if meta.url:
        fields.append(("url", "{" + encode_url(meta.url) + "}"))
    elif meta.arxiv_id:
        url = f"https://arxiv.org/abs/{meta.arxiv_id}"
        derived.add("url")
        fields.append(("url", "{" + (url if plain_id else encode_url(url)) + "}"))
    if include_abstract and meta.abstract.strip():
        fields.append(("abstract", "{" + encode_text(meta.abstract) + "}"))
    if meta.bib_source and isinstance(meta, PaperMeta):
        from readinglist.bibtex.source import preserved

        kind, fields = preserved(meta, kind, fields, frozenset(derived))
    body = "".join([f"  {name} = {value},\n" for name, value in fields])
    return f"@{kind}{{{key},\n{body}}}\n"


def write_bibtex(entries: Iterable[tuple[str, PaperMeta]], *, include_abstract: bool = False) -> str:
    """A whole .bib file: a one-line header, then the entries sorted by key, one blank line apart.

    No timestamp, so exporting the same papers twice gives byte-identical files.
    """
    items = sorted(entries, key=lambda item: key_order(item[0]))
    check_unique_keys(key for key, _meta in items)
    texts = [entry_for(key, meta, include_abstract=include_abstract) for key, meta in items]
    return HEADER + "\n" + "\n".join(texts)

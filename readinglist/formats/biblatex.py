"""BibLaTeX (biber) from library entries: UTF-8 kept, ``date``, and arXiv as ``eprint`` fields.

Preprints are ``@online`` with ``eprinttype = {arxiv}``, ``eprint`` and ``eprintclass``, as Better
BibTeX writes them; published papers keep their type (``@article`` with ``journaltitle`` …) and
carry the same eprint fields when they have an arXiv id. Deterministic, sorted by key.
"""

from __future__ import annotations

from collections.abc import Iterable

from readinglist.bibtex.citekeys import is_organisation, split_name, validate_citekey
from readinglist.bibtex.latex import clean_text, encode_text, encode_title
from readinglist.bibtex.writer import HEADER, encode_url
from readinglist.errors import BibtexError
from readinglist.formats.common import best_url, is_preprint, iso_date, kind_of, preprint_doi
from readinglist.records import PaperMeta

# BibTeX types biber knows under another name, and the ``type`` field that keeps the nuance.
_TYPES = {
    "inproceedings": ("inproceedings", None),
    "conference": ("inproceedings", None),
    "techreport": ("report", "techreport"),
    "phdthesis": ("thesis", "phdthesis"),
    "mastersthesis": ("thesis", "mathesis"),
    "electronic": ("online", None),
    "www": ("online", None),
}
_ARTICLE = (("journaltitle", "journal"), ("volume", "volume"), ("number", "number"), ("pages", "pages"))
_PART = (("booktitle", "booktitle"), ("volume", "volume"), ("number", "number"), ("pages", "pages"),
         ("publisher", "publisher"))  # fmt: skip
_VENUE: dict[str, tuple[tuple[str, str], ...]] = {
    "article": _ARTICLE,
    **dict.fromkeys(("inproceedings", "incollection", "inbook"), _PART),
    **dict.fromkeys(
        ("book", "proceedings", "collection"), (("volume", "volume"), ("publisher", "publisher"))
    ),
    "report": (("number", "number"), ("institution", "publisher")),
    "thesis": (("institution", "publisher"),),
}


def _text(value: str) -> str:
    return encode_text(value, keep_unicode=True)


def biblatex_name(name: str) -> str:
    """``von Last, Jr, First`` with Unicode kept; organisations and one-word names braced whole."""
    name = clean_text(name)
    if not name:
        return ""
    if "," in name or " " not in name or is_organisation(name):
        return "{" + _text(name) + "}"
    first, von, last, jr = split_name(name)
    out = _text(f"{von} {last}" if von else last)
    if jr:
        out += ", " + _text(jr)
    return out + ", " + _text(first) if first else out


def _type(meta: PaperMeta) -> tuple[str, str | None]:
    if is_preprint(meta):
        return "online", None
    kind = kind_of(meta)
    if not kind.isalpha():
        return "misc", None
    return _TYPES.get(kind, (kind, None))


def biblatex_entry(key: str, meta: PaperMeta, *, include_abstract: bool = False) -> str:
    """One entry: fixed field order, 2-space indent, ``field = {value},``, final newline."""
    validate_citekey(key)
    kind, subtype = _type(meta)
    fields: list[tuple[str, str]] = []
    title = encode_title(meta.title, keep_unicode=True)
    if title:
        fields.append(("title", title))
    authors = " and ".join(n for n in map(biblatex_name, meta.authors) if n)
    if authors:
        fields.append(("author", authors))
    if subtype:
        fields.append(("type", subtype))
    if not is_preprint(meta):
        for field, attr in _VENUE.get(kind, ()):
            value = getattr(meta, attr)
            if value:
                text = clean_text(str(value))
                fields.append((field, _text(text.replace("–", "--") if field == "pages" else text)))
    date = iso_date(meta)
    if date:
        fields.append(("date", date))
    doi = preprint_doi(meta)
    if doi:
        fields.append(("doi", encode_url(doi)))
    if meta.arxiv_id:
        fields.append(("eprinttype", "arxiv"))
        fields.append(("eprint", encode_url(meta.arxiv_id)))
        if meta.primary_category:
            fields.append(("eprintclass", _text(meta.primary_category)))
    url = best_url(meta)
    if url:
        fields.append(("url", encode_url(url)))
    if include_abstract and meta.abstract.strip():
        fields.append(("abstract", _text(meta.abstract)))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@{kind}{{{key},\n{body}}}\n"


def write_biblatex(entries: Iterable[tuple[str, PaperMeta]], *, include_abstract: bool = False) -> str:
    """A whole .bib for biber: the header line, then entries sorted by key, one blank line apart."""
    items = sorted(entries, key=lambda item: (item[0].casefold(), item[0]))
    seen: dict[str, str] = {}
    for key, _meta in items:
        if key.casefold() in seen:
            raise BibtexError(f"citation key {key!r} is used twice (keys ignore case); rekey one paper")
        seen[key.casefold()] = key
    texts = [biblatex_entry(k, m, include_abstract=include_abstract) for k, m in items]
    return HEADER + "\n" + "\n".join(texts)

"""RIS (EndNote, Zotero, Mendeley, most publishers) from library entries, and back, via rispy.

The citation key goes to ``ID``; an arXiv id to ``AN`` as ``arXiv:ID`` (and its abstract page to
``UR``), so a re-import finds the same paper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import rispy
from rispy.writer import RisWriter

from readinglist.bibtex.latex import clean_text
from readinglist.formats.common import (
    ParsedEntries,
    arxiv_from,
    best_url,
    clean_doi,
    date_parts,
    is_preprint,
    kind_of,
    parse_date,
    preprint_doi,
)
from readinglist.formats.names import display_from_inverted, inverted
from readinglist.records import PaperMeta

TO_RIS = {
    "article": "JOUR",
    "inproceedings": "CPAPER",
    "conference": "CPAPER",
    "incollection": "CHAP",
    "inbook": "CHAP",
    "book": "BOOK",
    "proceedings": "CONF",
    "techreport": "RPRT",
    "report": "RPRT",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "thesis": "THES",
    "unpublished": "UNPB",
    "online": "ELEC",
    "dataset": "DATA",
    "software": "COMP",
}
FROM_RIS = {
    "JOUR": "article", "JFULL": "article", "MGZN": "article", "NEWS": "article", "EJOUR": "article",
    "CPAPER": "inproceedings", "CONF": "inproceedings", "CHAP": "incollection", "BOOK": "book",
    "EBOOK": "book", "EDBOOK": "book", "RPRT": "techreport", "THES": "phdthesis",
    "UNPB": "unpublished", "ELEC": "online", "DATA": "dataset", "COMP": "software",
}  # fmt: skip
PREPRINT = "UNPB"
_PAGE_SPAN = re.compile(r"(\S+?)\s*(?:-+|–|—)\s*(\S+)")


class _Writer(RisWriter):  # type: ignore[misc]  # rispy has no type information
    """rispy's writer without its ``1.`` numbering line before each record (Zotero writes none)."""

    def set_header(self, count: int) -> str:
        return ""


def ris_record(key: str, meta: PaperMeta) -> dict[str, Any]:
    """One RIS record as rispy's dict (tags in the order written)."""
    preprint = is_preprint(meta)
    kind = kind_of(meta)
    rec: dict[str, Any] = {"type_of_reference": PREPRINT if preprint else TO_RIS.get(kind, "GEN")}
    rec["id"] = key
    rec["title"] = clean_text(meta.title)
    authors = [inverted(n) for n in meta.authors if clean_text(n)]
    if authors:
        rec["authors"] = authors
    parts = date_parts(meta)
    if parts:
        rec["year"] = str(parts[0])
        rec["date"] = "/".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])]) + "/"
    container = meta.journal if kind == "article" else meta.booktitle
    if container and not preprint:
        rec["secondary_title"] = clean_text(container)
    if not preprint:
        for field, value in (("volume", meta.volume), ("number", meta.number)):
            if value:
                rec[field] = clean_text(str(value))
        if meta.pages:
            span = _PAGE_SPAN.fullmatch(clean_text(meta.pages))
            rec["start_page"] = span.group(1) if span else clean_text(meta.pages)
            if span:
                rec["end_page"] = span.group(2)
        if meta.publisher:
            rec["publisher"] = clean_text(meta.publisher)
    else:
        rec["publisher"] = "arXiv"
    if meta.arxiv_id:
        rec["accession_number"] = f"arXiv:{meta.arxiv_id}"
    doi = preprint_doi(meta)
    if doi:
        rec["doi"] = doi
    url = best_url(meta)
    if url:
        rec["urls"] = [url]
    if meta.abstract.strip():
        rec["abstract"] = clean_text(meta.abstract)
    return rec


def write_ris(entries: Iterable[tuple[str, PaperMeta]]) -> str:
    """An RIS file, records one blank line apart, in the order given."""
    records = [ris_record(key, meta) for key, meta in entries]
    if not records:
        return ""
    text: str = rispy.dumps(records, implementation=_Writer)
    return text


def _first(rec: dict[str, Any], *names: str) -> str:
    for name in names:
        value = rec.get(name)
        if isinstance(value, list):
            value = next((v for v in value if v), "")
        if isinstance(value, str) and value.strip():
            return clean_text(value)
    return ""


def meta_from_ris(rec: dict[str, Any]) -> PaperMeta:
    """One rispy record as library metadata (raises ValueError without a title)."""
    title = _first(rec, "title", "primary_title", "translated_title")
    if not title:
        raise ValueError("it has no title (TI or T1)")
    ty = _first(rec, "type_of_reference").upper()
    names = [*(rec.get("authors") or []), *(rec.get("first_authors") or [])]
    authors = tuple(dict.fromkeys(n for n in (display_from_inverted(a) for a in names if a) if n))
    urls = [u for u in rec.get("urls") or [] if isinstance(u, str)]
    doi = clean_doi(_first(rec, "doi"))
    accession = _first(rec, "accession_number")
    arxiv = arxiv_from(accession, doi, *urls, _first(rec, "notes", "note"))
    if arxiv and doi and doi.lower() == f"10.48550/arxiv.{arxiv[0]}".lower():
        doi = None
    url = next(
        (u for u in urls if not (arxiv and u.rstrip("/") == f"https://arxiv.org/abs/{arxiv[0]}")), None
    )
    year, month, published = parse_date(_first(rec, "date", "publication_year"))
    py = parse_date(_first(rec, "year"))
    if py[0] and py[0] != year:
        year, month, published = py
    preprint = arxiv is not None and ty in (PREPRINT, "GEN", "ELEC", "")
    kind = FROM_RIS.get(ty, "misc")
    container = _first(rec, "secondary_title", "journal_name", "alternate_title3", "alternate_title1")
    sp, ep = _first(rec, "start_page"), _first(rec, "end_page")
    return PaperMeta(
        title=title,
        authors=authors,
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        abstract=_first(rec, "abstract", "notes_abstract"),
        published=published,
        doi=doi,
        entry_type=None if preprint else kind,
        journal=(container or None) if kind == "article" else None,
        booktitle=(container or None) if kind in ("inproceedings", "incollection") else None,
        volume=_first(rec, "volume") or None,
        number=_first(rec, "number") or None,
        pages=(f"{sp}--{ep}" if sp and ep else sp or None) if not preprint else None,
        publisher=None if preprint else (_first(rec, "publisher") or None),
        year=year,
        month=month,
        url=url,
        citekey=_first(rec, "id") or None,
    )


def parse_ris(text: str) -> ParsedEntries:
    """Entries of an RIS text; a record without a title is reported and skipped."""
    try:
        records = rispy.loads(text, skip_unknown_tags=True)
    except (OSError, ValueError) as exc:
        return ParsedEntries((), (f"not an RIS file: {exc}",))
    metas: list[PaperMeta] = []
    problems: list[str] = []
    for n, rec in enumerate(records, 1):
        try:
            metas.append(meta_from_ris(rec))
        except ValueError as exc:
            problems.append(
                f"record {n}{' (' + str(rec['id']) + ')' if rec.get('id') else ''}: {exc}; skipped"
            )
    return ParsedEntries(tuple(metas), tuple(problems))

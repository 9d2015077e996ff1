"""CSL-JSON (what pandoc, citeproc and Zotero read) from library entries, and back.

One item per paper, ``id`` and ``citation-key`` being the citation key. arXiv preprints are
``article`` items (CSL's type for preprints) with ``number = arXiv:ID`` and ``publisher = arXiv``,
as Zotero writes them. Only variables of the CSL-JSON schema are written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from readinglist.bibtex.latex import clean_text
from readinglist.formats.common import (
    ParsedEntries,
    arxiv_from,
    best_url,
    clean_doi,
    date_from_parts,
    date_parts,
    is_preprint,
    kind_of,
    parse_date,
    preprint_doi,
)
from readinglist.formats.names import display_from_parts, name_parts
from readinglist.records import PaperMeta

TO_CSL = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "incollection": "chapter",
    "inbook": "chapter",
    "book": "book",
    "proceedings": "book",
    "collection": "book",
    "techreport": "report",
    "report": "report",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "unpublished": "manuscript",
    "online": "webpage",
    "dataset": "dataset",
    "software": "software",
}
FROM_CSL = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "paper-conference": "inproceedings",
    "chapter": "incollection",
    "book": "book",
    "report": "techreport",
    "thesis": "phdthesis",
    "manuscript": "unpublished",
    "webpage": "online",
    "dataset": "dataset",
    "software": "software",
}


def csl_type(meta: PaperMeta) -> str:
    if is_preprint(meta):
        return "article"
    return TO_CSL.get(kind_of(meta), "document")


def csl_item(key: str, meta: PaperMeta, *, include_abstract: bool = True) -> dict[str, Any]:
    """One CSL-JSON item; empty variables are left out."""
    item: dict[str, Any] = {"id": key, "citation-key": key, "type": csl_type(meta)}
    item["title"] = clean_text(meta.title)
    authors = [p for p in (name_parts(n) for n in meta.authors) if p]
    if authors:
        item["author"] = authors
    parts = date_parts(meta)
    if parts:
        item["issued"] = {"date-parts": [parts]}
    container = meta.journal if item["type"] == "article-journal" else meta.booktitle
    if container:
        item["container-title"] = clean_text(container)
    for var, value in (("volume", meta.volume), ("issue", meta.number), ("page", meta.pages)):
        if value and not is_preprint(meta):
            item[var] = clean_text(str(value)).replace("--", "-")
    if is_preprint(meta):
        item["number"] = f"arXiv:{meta.arxiv_id}"
        item["publisher"] = "arXiv"
    elif meta.publisher and item["type"] != "article-journal":
        item["publisher"] = clean_text(meta.publisher)
    doi = preprint_doi(meta)
    if doi:
        item["DOI"] = doi
    url = best_url(meta)
    if url:
        item["URL"] = url
    if include_abstract and meta.abstract.strip():
        item["abstract"] = clean_text(meta.abstract)
    if meta.arxiv_id and not is_preprint(meta):
        item["note"] = f"arXiv:{meta.arxiv_id}"
    return item


def write_csl_json(entries: Iterable[tuple[str, PaperMeta]]) -> str:
    """A CSL-JSON array, one item per line (a change shows as that entry's line), UTF-8 kept.

    Not ``indent=``: it makes json fall back to its pure-Python encoder, three times slower.
    """
    lines = [json.dumps(csl_item(key, meta), ensure_ascii=False) for key, meta in entries]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


# --- reading -------------------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return clean_text(value) if isinstance(value, str) else ""


def _date(value: object) -> tuple[int | None, int | None, dt.date | None]:
    if not isinstance(value, dict):
        return None, None, None
    raw = value.get("date-parts")
    if isinstance(raw, list) and raw and isinstance(raw[0], list):
        try:
            nums = [int(n) for n in raw[0][:3]]
        except (TypeError, ValueError):
            nums = []
        if nums:
            return date_from_parts(nums)
    for k in ("raw", "literal"):
        if isinstance(value.get(k), str):
            return parse_date(value[k])
    return None, None, None


def meta_from_csl(item: dict[str, Any]) -> PaperMeta:
    """One CSL-JSON item as library metadata (raises ValueError without a title)."""
    title = _text(item.get("title"))
    if not title:
        raise ValueError("it has no title")
    ctype = _text(item.get("type"))
    raw_names = item.get("author")
    names: list[Any] = raw_names if isinstance(raw_names, list) else []
    authors = tuple(n for n in (display_from_parts(p) for p in names if isinstance(p, dict)) if n)
    doi = clean_doi(_text(item.get("DOI")))
    url = _text(item.get("URL")) or None
    number = _text(item.get("number"))
    arxiv = arxiv_from(number, _text(item.get("archive_location")), doi, url, _text(item.get("note")))
    if arxiv and doi and doi.lower() == f"10.48550/arxiv.{arxiv[0]}".lower():
        doi = None  # arXiv's own DOI: the id says it all
    if url and arxiv and url.rstrip("/") == f"https://arxiv.org/abs/{arxiv[0]}":
        url = None
    year, month, published = _date(item.get("issued"))
    kind = FROM_CSL.get(ctype)
    preprint = arxiv is not None and ctype in ("article", "")
    container = _text(item.get("container-title")) or None
    key = _text(item.get("citation-key")) or _text(item.get("id")) or None
    return PaperMeta(
        title=title,
        authors=authors,
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        abstract=_text(item.get("abstract")),
        published=published,
        doi=doi,
        entry_type=None if preprint else (kind or "misc"),
        journal=container if kind == "article" else None,
        booktitle=container if kind in ("inproceedings", "incollection") else None,
        volume=_text(item.get("volume")) or None,
        number=_text(item.get("issue")) or (number if number and not arxiv else None),
        pages=None if preprint else (_text(item.get("page")).replace("-", "--") or None),
        publisher=None if preprint else (_text(item.get("publisher")) or None),
        year=year,
        month=month,
        url=url,
        citekey=key,
    )


def parse_csl_json(text: str) -> ParsedEntries:
    """Entries of a CSL-JSON text (an array of items, or one item); never raises for bad items."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedEntries((), (f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",))
    items = data if isinstance(data, list) else [data]
    metas: list[PaperMeta] = []
    problems: list[str] = []
    for n, item in enumerate(items, 1):
        label = f"item {n}" + (f" ({item.get('id')})" if isinstance(item, dict) and item.get("id") else "")
        if not isinstance(item, dict):
            problems.append(f"{label} is not a JSON object; skipped")
            continue
        try:
            metas.append(meta_from_csl(item))
        except ValueError as exc:
            problems.append(f"{label}: {exc}; skipped")
    return ParsedEntries(tuple(metas), tuple(problems))

"""Zotero records to the library's: metadata, Markdown notes, annotations in PyMuPDF's space."""

from __future__ import annotations

import re
from collections.abc import Callable

from readinglist.formats.common import arxiv_from, clean_doi, parse_date
from readinglist.records import AnnotationRecord, PaperMeta, Rect
from readinglist.zotero.reader import ZAnnotation, ZItem

ENTRY_TYPES = {
    "journalArticle": "article", "magazineArticle": "article", "newspaperArticle": "article",
    "conferencePaper": "inproceedings", "bookSection": "incollection", "book": "book",
    "report": "techreport", "thesis": "phdthesis", "manuscript": "unpublished", "webpage": "online",
    "blogPost": "online", "forumPost": "online", "dataset": "dataset", "computerProgram": "software",
    "preprint": "misc", "document": "misc", "presentation": "misc", "standard": "misc", "patent": "misc",
}  # fmt: skip
_CITATION_KEY = re.compile(r"^\s*citation key\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_EXTRA_ARXIV = re.compile(r"^\s*arxiv\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
KIND_OF_ANNOTATION = {"highlight": "highlight", "underline": "underline", "note": "note", "text": "note",
                      "image": "rectangle", "ink": "ink"}  # fmt: skip


def citation_key(item: ZItem) -> str | None:
    """Zotero 7's own citationKey field, else the key Better BibTeX pinned in Extra."""
    key = item.fields.get("citationKey", "").strip()
    if key:
        return key
    m = _CITATION_KEY.search(item.fields.get("extra", ""))
    return m.group(1) if m else None


def meta_from_item(item: ZItem) -> PaperMeta:
    f = item.fields
    extra = f.get("extra", "")
    extra_arxiv = _EXTRA_ARXIV.search(extra)
    doi = clean_doi(f.get("DOI") or _field_in_extra(extra, "DOI"))
    arxiv = arxiv_from(f.get("archiveID"), f.get("url"), doi, extra_arxiv.group(0) if extra_arxiv else None,
                       f.get("number") if "arxiv" in f.get("publisher", "").lower() else None)  # fmt: skip
    if arxiv and doi and doi.lower() == f"10.48550/arxiv.{arxiv[0]}".lower():
        doi = None
    year, month, published = parse_date(f.get("date", "")[:10].replace("-00", ""))
    primary = [c for c in item.creators if c[2]] or item.creators
    kind = ENTRY_TYPES.get(item.type, "misc")
    preprint = (
        arxiv is not None
        and item.type in ("preprint", "journalArticle", "report", "document")
        and not (f.get("publicationTitle") and "arxiv" not in f.get("publicationTitle", "").lower())
    )
    url = f.get("url") or None
    if url and arxiv and re.fullmatch(rf"https?://arxiv\.org/abs/{re.escape(arxiv[0])}(v\d+)?/?", url):
        url = None
    publisher = f.get("publisher") or None
    return PaperMeta(
        title=f.get("title", "").strip() or "(untitled)",
        authors=tuple(name for name, _role, _p in primary if name),
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        abstract=f.get("abstractNote", ""),
        published=published,
        doi=doi,
        entry_type=None if preprint else kind,
        journal=None if preprint else (f.get("publicationTitle") or None),
        booktitle=None if preprint else (f.get("proceedingsTitle") or f.get("bookTitle") or None),
        volume=None if preprint else (f.get("volume") or None),
        number=None if preprint else (f.get("issue") or (f.get("number") if not arxiv else None) or None),
        pages=None if preprint else (f.get("pages") or None),
        publisher=None if preprint or (publisher or "").lower() == "arxiv" else publisher,
        year=year,
        month=month,
        url=url,
        citekey=citation_key(item),
    )


def _field_in_extra(extra: str, name: str) -> str | None:
    m = re.search(rf"^\s*{name}\s*:\s*(\S+)\s*$", extra, re.IGNORECASE | re.MULTILINE)
    return m.group(1) if m else None


def note_markdown(html: str) -> str:
    """A Zotero note (HTML) as Markdown."""
    from markdownify import markdownify

    text = markdownify(html or "", heading_style="ATX", bullets="-", strip=["span", "div"])
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _num(v: object) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0


def annotation_record(
    a: ZAnnotation, to_page: Callable[[int, float, float], tuple[float, float]]
) -> AnnotationRecord | None:
    """An annotation in the library's form. ``to_page(page, x, y)`` maps PDF user space (origin
    bottom-left, where Zotero stores positions) to PyMuPDF's page space (origin top-left)."""
    kind = KIND_OF_ANNOTATION.get(a.type)
    pos = a.position
    page = pos.get("pageIndex")
    if kind is None or not isinstance(page, int) or page < 0:
        return None
    rects: list[Rect] = []
    for r in pos.get("rects") or []:  # type: ignore[attr-defined]
        if isinstance(r, list) and len(r) == 4:
            (x0, y0), (x1, y1) = to_page(page, _num(r[0]), _num(r[3])), to_page(page, _num(r[2]), _num(r[1]))
            rects.append((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    ink: list[tuple[tuple[float, float], ...]] = []
    for path in pos.get("paths") or []:  # type: ignore[attr-defined]
        if isinstance(path, list) and len(path) >= 4:
            ink.append(
                tuple(to_page(page, _num(path[i]), _num(path[i + 1])) for i in range(0, len(path) - 1, 2))
            )
    if not rects and not ink:
        return None
    color = a.color.lower() if re.fullmatch(r"#[0-9a-fA-F]{6}", a.color or "") else "#ffd400"
    comment = a.comment
    if a.type == "text":  # Zotero's free text: the text is what the user wrote on the page
        comment = a.comment or a.text
    return AnnotationRecord(
        id=None, page=page, kind=kind, color=color, rects=tuple(rects), ink=tuple(ink),
        text=a.text if a.type in ("highlight", "underline") else "", comment=comment,
        fingerprint=f"zotero:{a.key}", tags=tuple(a.tags),
    )  # fmt: skip

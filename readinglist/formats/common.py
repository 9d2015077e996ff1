"""What the formats share: entry types, dates, arXiv ids found in any field, parse results."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from readinglist.bibtex.fields import find_arxiv
from readinglist.records import PaperMeta

_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedEntries:
    """Entries read from a file, and a readable reason for everything skipped."""

    entries: tuple[PaperMeta, ...]
    problems: tuple[str, ...] = ()


def is_preprint(meta: PaperMeta) -> bool:
    """An arXiv paper not (yet) known as published anywhere."""
    return bool(meta.arxiv_id) and not meta.entry_type


def kind_of(meta: PaperMeta) -> str:
    """The BibTeX entry type the library means (``misc`` for preprints and unknowns)."""
    if meta.entry_type:
        return meta.entry_type.strip().lower()
    if meta.arxiv_id:
        return "misc"
    if meta.journal:
        return "article"
    return "inproceedings" if meta.booktitle else "misc"


def date_parts(meta: PaperMeta) -> list[int]:
    """``[year, month, day]`` as far as known: the full date for arXiv papers, else year/month."""
    if meta.published and (not meta.year or meta.year == meta.published.year):
        return [meta.published.year, meta.published.month, meta.published.day]
    if meta.year:
        return [meta.year, meta.month] if meta.month and 1 <= meta.month <= 12 else [meta.year]
    return []


def iso_date(meta: PaperMeta) -> str | None:
    parts = date_parts(meta)
    if not parts:
        return None
    return "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])])


def date_from_parts(parts: list[int]) -> tuple[int | None, int | None, dt.date | None]:
    """(year, month, full date) from up to three numbers; impossible dates give what is valid."""
    year = parts[0] if parts else None
    month = parts[1] if len(parts) > 1 and 1 <= parts[1] <= 12 else None
    published = None
    if year and month and len(parts) > 2:
        try:
            published = dt.date(year, month, parts[2])
        except ValueError:
            published = None
    return year, month, published


def parse_date(text: str) -> tuple[int | None, int | None, dt.date | None]:
    """A date as RIS, CSL literals and EDTF write it: ``2024-05-30``, ``2024/05/30/``, ``2024``."""
    nums = [int(n) for n in re.findall(r"\d+", text or "")[:3]]
    if not nums or not 1000 <= nums[0] <= 9999:
        return None, None, None
    return date_from_parts(nums)


def clean_doi(value: str | None) -> str | None:
    value = _DOI_PREFIX.sub("", (value or "").strip()).strip()
    return value or None


def arxiv_from(*texts: str | None) -> tuple[str, int | None] | None:
    """The arXiv id in an archive id (``arXiv:2405.20204``), an arXiv URL or DOI, or free text."""
    for text in texts:
        if not text:
            continue
        doi = _ARXIV_DOI.search(text)
        if doi:
            found = find_arxiv(doi.group(1))
            if found:
                return found
        if "arxiv" in text.lower():
            found = find_arxiv(text)
            if found:
                return found
    return None


def preprint_doi(meta: PaperMeta) -> str | None:
    """The DOI to export: the paper's own, or arXiv's DataCite DOI for a preprint."""
    if meta.doi:
        return meta.doi
    return f"10.48550/arXiv.{meta.arxiv_id}" if is_preprint(meta) else None


def best_url(meta: PaperMeta) -> str | None:
    return meta.url or (f"https://arxiv.org/abs/{meta.arxiv_id}" if meta.arxiv_id else None)

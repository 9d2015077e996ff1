"""Recognise a paper from its PDF text: arXiv id and version, DOI, title and authors. Pure.

Where an arXiv id comes from, most trusted first: the margin stamp arXiv prints on page 1
(``arXiv:2405.20204v1 [cs.CL] 31 May 2024``), the PDF's Info metadata, then ``arXiv:`` or
``arxiv.org/abs/`` mentions in the first two pages (which may also cite other papers), and
last an arXiv DOI (``10.48550/arXiv.…``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from readinglist.pdf.document import PdfText
from readinglist.sources.archives import OLD_ARCHIVES

_OLD_ARCHIVES = "|".join(sorted(OLD_ARCHIVES, key=len, reverse=True))
# New style YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501); old style archive[.XX]/YYMMNNN.
_ID = (
    r"(?P<new>\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})(?!\d)"
    rf"|(?P<old>(?:{_OLD_ARCHIVES})(?:\.[A-Za-z]{{2}})?/\d{{2}}(?:0[1-9]|1[0-2])\d{{3}})(?!\d)"
)
_VERSION = r"(?:v(?P<version>\d+))?"
_MENTION = re.compile(rf"(?:arxiv\s*:\s*|arxiv\.org/(?:abs|pdf)/)(?:{_ID}){_VERSION}", re.IGNORECASE)
_CATEGORY = r"\[[a-z-]+(?:\.[a-z-]+)?\]"
# "arXiv:2405.20204v1  [cs.CL]  31 May 2024"; old stamps have no category: "arXiv:hep-th/9901001v2  3 Feb 1999".
_STAMP = re.compile(
    rf"arxiv:\s*(?:{_ID}){_VERSION}\s+(?:{_CATEGORY}\s*)?\d{{1,2}}\s*[a-z]{{3}}\s*\d{{4}}", re.IGNORECASE
)
# The same with all whitespace removed (a stamp extracted one letter per line, or reversed);
# the category is required here, else "v2" + "15 Jan" could read as version 21.
_STAMP_SQUEEZED = re.compile(
    rf"arxiv:(?:{_ID}){_VERSION}{_CATEGORY}\d{{1,2}}[a-z]{{3}}\d{{4}}", re.IGNORECASE
)
_ARXIV_DOI = re.compile(rf"10\.48550/arxiv\.(?:{_ID}){_VERSION}", re.IGNORECASE)
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
_DOI_TRAILING = ".,;:'\"]}>"
_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&]|\band\b)\s*", re.IGNORECASE)
_FILE_NAME = re.compile(r"\.(?:pdf|docx?|tex|dvi|ps|odt|rtf|pptx?)$|^[/~]|\\", re.IGNORECASE)
_BAD_TITLE = re.compile(r"^(?:microsoft \w+ - |untitled\b|title$|slide \d|arxiv:|[\d\W]+$)", re.IGNORECASE)


@dataclass(frozen=True)
class PdfIdentity:
    """What a PDF says about itself. ``arxiv_id`` is normalized (no version, old style lower-case)."""

    arxiv_id: str | None
    version: int | None
    doi: str | None
    title: str | None
    authors: tuple[str, ...]


def identify(text: PdfText) -> PdfIdentity:
    """Find arXiv id, DOI, title and authors in what :func:`read_pdf_text` extracted."""
    meta_values = [v for k, v in text.metadata.items() if k not in ("format", "encryption")]
    first = text.pages[0] if text.pages else ""
    doi = _find_doi(meta_values) or _find_doi([first])
    found = (
        _from_stamp(first)
        or _first_match(_MENTION, meta_values)
        or _first_match(_MENTION, list(text.pages[:2]))
        or _first_match(_ARXIV_DOI, [doi or ""])
    )
    arxiv_id, version = found or (None, None)
    return PdfIdentity(arxiv_id, version, doi, _title(text), _authors(text.metadata.get("author", "")))


def _normalize(match: re.Match[str]) -> tuple[str, int | None]:
    if match.group("new"):
        ident = match.group("new")
    else:
        archive, number = match.group("old").split("/")
        ident = f"{archive.split('.')[0].lower()}/{number}"  # math.AG/0601001 -> math/0601001
    version = match.group("version")
    return ident, int(version) if version else None


def _valid(match: re.Match[str]) -> bool:
    """New-style ids have four digits after the dot up to 1412 and five from 1501."""
    new = match.group("new")
    if not new:
        return True
    yymm, number = new.split(".")
    return ("0704" <= yymm <= "1412" and len(number) == 4) or (yymm >= "1501" and len(number) == 5)


def _first_match(pattern: re.Pattern[str], texts: list[str]) -> tuple[str, int | None] | None:
    for text in texts:
        for match in pattern.finditer(text):
            if _valid(match):
                return _normalize(match)
    return None


def _from_stamp(page: str) -> tuple[str, int | None] | None:
    """The rotated stamp may come out as one line, one letter per line, or reversed."""
    squeezed = "".join(page.split())
    if "arxiv" not in squeezed.lower() and "vixra" not in squeezed.lower():
        return None
    return _first_match(_STAMP, [page]) or _first_match(_STAMP_SQUEEZED, [squeezed, squeezed[::-1]])


def _find_doi(texts: list[str]) -> str | None:
    for text in texts:
        for match in _DOI.finditer(text):
            doi = match.group(0).rstrip(_DOI_TRAILING)
            while doi.endswith(")") and doi.count(")") > doi.count("("):  # "(see 10.1/x)"
                doi = doi[:-1].rstrip(_DOI_TRAILING)
            if "/" in doi and not doi.endswith("/"):
                return doi
    return None


def _title(text: PdfText) -> str | None:
    meta = " ".join(text.metadata.get("title", "").split())
    if meta and len(meta.split()) >= 3 and not _BAD_TITLE.match(meta) and not _FILE_NAME.search(meta):
        return meta
    return text.title_guess


def _authors(field: str) -> tuple[str, ...]:
    return tuple(name for name in (" ".join(p.split()) for p in _AUTHOR_SPLIT.split(field)) if name)

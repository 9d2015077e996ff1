"""Field values of BibTeX entries: macros, TeX text, verbatim fields, names, arXiv ids, months.

Pure string functions, shared by the reader; no bibtexparser here.
"""

from __future__ import annotations

import functools
import re

from readinglist.bibtex.latex import decode_latex
from readinglist.errors import InvalidIdentifier

MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")  # fmt: skip
_MONTH_NUMBERS = {name[:3]: i for i, name in enumerate(MONTH_NAMES, 1)}
ARXIV_VENUE = re.compile(r"\s*(?:arxiv|corr)\b|.*\barxiv (?:preprint|e-prints)", re.IGNORECASE)
_ARXIV_CANDIDATE = re.compile(
    r"(?<![\d.])(\d{4}\.\d{4,5}(?:v\d+)?)(?![\d])"
    r"|(?<![A-Za-z.-])([a-z]+(?:-[a-z]+)?(?:\.[a-z]+(?:-[a-z]+)?)?/\d{7}(?:v\d+)?)(?!\d)",
    re.IGNORECASE,
)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)
_VERBATIM_ESCAPE = re.compile(r"\\([%#_&{}$~])")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_AND_OR_BRACE = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)


def split_top(value: str, sep: str, *, quotes: bool = True) -> list[str]:
    """Split at ``sep`` outside braces (and outside quotes when ``quotes``)."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0 and quotes:
            quoted = not quoted
        elif ch == sep and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def resolve_value(raw: str, macros: dict[str, str], undefined: list[str]) -> str:
    """A raw field value without its delimiters, @string macros and ``#`` concatenation applied."""
    raw = raw.strip()
    parts = split_top(raw, "#") if "#" in raw else [raw]
    out = []
    for part in parts:
        part = part.strip()
        if len(part) >= 2 and (part[0], part[-1]) in (("{", "}"), ('"', '"')):
            out.append(part[1:-1])
        elif part.isdigit() or not part:
            out.append(part)
        elif part.lower() in macros:
            out.append(macros[part.lower()])
        else:
            undefined.append(part)
            out.append(part)
    return "".join(out)


def tex_text(value: str) -> str:
    return " ".join(decode_latex(value).split())


def verbatim(value: str) -> str:
    value = " ".join(value.split())
    if "\\" in value:
        value = _VERBATIM_ESCAPE.sub(r"\1", value)
    return value.strip("{}")


def enclosed(value: str) -> bool:
    """True when the first ``{`` of ``value`` closes at its last character."""
    if len(value) < 2 or value[0] != "{" or value[-1] != "}":
        return False
    depth = 0
    for i, ch in enumerate(value):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            return i == len(value) - 1
    return False


def split_authors(value: str) -> list[str]:
    """Split a raw author field at " and " outside braces."""
    if "{" not in value:
        return _AND.split(value.strip())
    names, depth, start = [], 0, 0
    for m in _AND_OR_BRACE.finditer(value):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    return [n.strip() for n in names]


@functools.lru_cache(maxsize=1 << 16)  # names repeat across a file: decode each once
def display_name(raw: str) -> str:
    """A BibTeX name ("von Last, Jr, First", "First Last", "{Org}") in display order, decoded."""
    raw = raw.strip()
    if enclosed(raw):
        return tex_text(raw[1:-1])
    if "," not in raw:
        return tex_text(raw)
    parts = [tex_text(p) for p in (split_top(raw, ",", quotes=False) if "{" in raw else raw.split(","))]
    if len(parts) <= 2:
        return " ".join(parts[::-1]).strip()
    return " ".join(p for p in (", ".join(parts[2:]), parts[0], parts[1]) if p)


def normalize_arxiv(candidate: str) -> tuple[str, int | None] | None:
    from readinglist.sources.arxiv_ids import parse_id

    try:
        return parse_id(candidate)
    except InvalidIdentifier:
        return None


def find_arxiv(text: str) -> tuple[str, int | None] | None:
    for m in _ARXIV_CANDIDATE.finditer(text):
        found = normalize_arxiv(m.group(1) or m.group(2))
        if found:
            return found
    return None


def arxiv_id_of(f: dict[str, str]) -> tuple[str, int | None] | None:
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "arxiv").strip().lower()
    sources = [f.get("eprint", "") if prefix == "arxiv" else "", f.get("arxivid", ""), f.get("arxiv", "")]
    doi = _ARXIV_DOI.search(f.get("doi", ""))
    sources.append(doi.group(1) if doi else "")
    url = f.get("url", "")
    sources.append(url if "arxiv.org/" in url.lower() else "")
    journal = f.get("journal") or f.get("journaltitle") or ""
    for name in ("journal", "journaltitle", "note", "howpublished", "number", "volume"):
        value = f.get(name, "")
        if "arxiv" in value.lower() or (name == "volume" and ARXIV_VENUE.match(journal)):
            sources.append(value)
    for source in sources:
        found = find_arxiv(source) if source else None
        if found:
            return found
    return None


def month_number(value: str) -> int | None:
    value = value.strip().lower()
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    word = re.match(r"[a-z]+", value)
    return _MONTH_NUMBERS.get(word.group()[:3]) if word else None

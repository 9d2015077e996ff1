"""BibTeX import: ``split.py`` splits the file; macros, crossrefs, TeX and names are ours.

A well-formed file is split by our scanner, anything else by bibtexparser 2 with an empty
middleware stack (its LaTeX decoding is far too slow and its @string resolution skips
concatenations such as ``jan # "~1"``). Broken blocks never raise; each becomes a
:class:`BibProblem` with its 1-based start line. Container entries (@proceedings, @book …)
that other entries crossref are venues, not papers, and are not imported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from readinglist.bibtex.citekeys import validate_citekey
from readinglist.bibtex.encoding import decode_bib
from readinglist.bibtex.fields import (
    ARXIV_VENUE,
    MONTH_NAMES,
    arxiv_id_of,
    display_name,
    month_number,
    resolve_value,
    split_authors,
    tex_text,
    verbatim,
)
from readinglist.bibtex.source import make_source
from readinglist.bibtex.split import EntryBlock, FailedBlock, StringBlock, split_blocks
from readinglist.errors import BibtexError
from readinglist.records import PaperMeta

_MONTH_MACROS = {name[:3]: name.capitalize() for name in MONTH_NAMES}
_VERBATIM = frozenset({"url", "doi", "eprint", "file", "pdf", "arxivid", "arxiv", "urldate"})
_CONTAINERS = frozenset({
    "proceedings", "mvproceedings", "book", "mvbook", "collection", "mvcollection", "periodical",
    "reference"
})  # fmt: skip
_NOT_INHERITED = frozenset({
    "title", "subtitle", "titleaddon", "shorttitle", "abstract", "crossref", "doi", "url",
    "urldate", "eprint", "eprinttype", "archiveprefix", "primaryclass", "eprintclass", "arxivid",
    "note", "file", "keywords", "ids", "pages"
})  # fmt: skip
_PREPRINT_TYPES = frozenset({
    "misc", "article", "online", "unpublished", "preprint", "electronic", "www"
})  # fmt: skip
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_YEAR = re.compile(r"\d{4}")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_BLOCK_HEAD = re.compile(r"@(\w*)\s*[{(]\s*([^,\s{}()]*)")
_NON_WORD = re.compile(r"[\W_]+")
_FOLD = str.maketrans({"ß": "ss", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae",
                       "œ": "oe", "Œ": "oe", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ı": "i"})  # fmt: skip


@dataclass(frozen=True)
class BibEntry:
    """One imported entry: its metadata plus every field, decoded, for anything extra."""

    key: str
    meta: PaperMeta
    line: int
    entry_type: str
    fields: dict[str, str]


@dataclass(frozen=True)
class BibProblem:
    """Something skipped or repaired, at a 1-based line of the file."""

    line: int
    message: str


@dataclass(frozen=True)
class BibImport:
    entries: tuple[BibEntry, ...]
    problems: tuple[BibProblem, ...]


@dataclass
class _Raw:
    key: str
    kind: str
    line: int
    fields: dict[str, str]  # macros resolved, enclosing removed, TeX still in
    own: tuple[tuple[str, str], ...] = ()  # the entry's own fields, in file order, before crossrefs


# --- entries -------------------------------------------------------------------------------------


def _inherit(raw: _Raw, by_key: dict[str, _Raw], seen: set[str]) -> None:
    """Fill missing fields of ``raw`` from its crossref parent (recursively), biber style."""
    parent_key = raw.fields.get("crossref", "").strip().casefold()
    parent = by_key.get(parent_key)
    if parent is None or parent_key in seen:
        return
    seen.add(parent_key)
    _inherit(parent, by_key, seen)
    for name, value in parent.fields.items():
        if name not in _NOT_INHERITED:
            raw.fields.setdefault(name, value)
    if parent.kind in _CONTAINERS and "title" in parent.fields:
        raw.fields.setdefault("booktitle", parent.fields["title"])


def _meta(raw: _Raw, f: dict[str, str]) -> dict[str, object]:
    """The :class:`PaperMeta` fields of an entry, as keyword arguments."""
    kind: str | None = raw.kind
    arxiv = arxiv_id_of(f)
    journal = f.get("journal") or f.get("journaltitle") or None
    volume, number, pages = f.get("volume") or None, f.get("number") or None, f.get("pages") or None
    publisher = f.get("publisher") or f.get("institution") or f.get("school") or None
    if arxiv and journal and ARXIV_VENUE.match(journal):
        journal = volume = number = pages = None
    if publisher and publisher.lower() == "arxiv":
        publisher = None
    if number and "arxiv" in number.lower():
        number = None
    booktitle = f.get("booktitle") or None
    if arxiv and not journal and not booktitle and kind in _PREPRINT_TYPES:
        kind = None
    year_match = _YEAR.search(f.get("year", ""))
    date = _DATE.match(f.get("date", "").strip())
    year = int(year_match.group()) if year_match else (int(date.group(1)) if date else None)
    month = month_number(f.get("month", ""))
    if month is None and date and date.group(2):
        month = month_number(date.group(2))
    published = None
    if date and date.group(3):
        try:
            published = dt.date(int(date.group(1)), int(date.group(2)), int(date.group(3)))
        except ValueError:
            published = None
    doi = _DOI_PREFIX.sub("", f.get("doi", "")).strip() or None
    primary = f.get("primaryclass") or f.get("eprintclass") or None
    names = split_authors(raw.fields.get("author", ""))
    authors = tuple(n for n in (display_name(r) for r in names if r.lower() != "others") if n)
    return dict(
        title=f["title"],
        authors=authors,
        arxiv_id=arxiv[0] if arxiv else None,
        version=arxiv[1] if arxiv else None,
        abstract=f.get("abstract", ""),
        published=published,
        primary_category=primary,
        categories=(primary,) if primary else (),
        doi=doi,
        entry_type=kind,
        journal=journal,
        booktitle=booktitle,
        volume=volume,
        number=number,
        pages=pages,
        publisher=publisher,
        year=year,
        month=month,
        url=f.get("url") or None,
        citekey=raw.key,
    )


def _failure(block: FailedBlock) -> BibProblem:
    head = _BLOCK_HEAD.match(block.raw)
    kind, key = (head.group(1).lower(), head.group(2)) if head else ("", "")
    reason = block.reason
    if "comma after entry key" in reason:
        reason = "expected a comma after the citation key"
    elif "Unexpected block start" in reason:
        reason = "a brace or quote is not closed before the next entry starts"
    elif "end of file" in reason:
        reason = "the file ends inside this entry (an unclosed brace?)"
    what = f"@{kind} entry {key!r}" if key else f"@{kind} block"
    return BibProblem(block.line, f"could not read the {what}: {reason}; skipped")


def _read_entry(block: EntryBlock, macros: dict[str, str], problems: list[BibProblem]) -> _Raw:
    key, line = block.key, block.line
    fields: dict[str, str] = {}
    for raw_name, raw_value in block.fields:
        name = raw_name.lower()
        if name in fields:
            continue  # BibTeX keeps the first of repeated fields
        undefined: list[str] = []
        fields[name] = resolve_value(raw_value, macros, undefined)
        for macro in undefined:
            problems.append(BibProblem(line, f"{key}: undefined @string {macro!r} in {name}; kept as text"))
    return _Raw(key, block.entry_type, line, fields, tuple(fields.items()))


def _key_problem(key: str, kind: str, by_key: dict[str, _Raw]) -> str | None:
    if not key:
        return f"@{kind} entry without a citation key; skipped"
    try:
        validate_citekey(key)
    except BibtexError as e:
        return f"{e}; entry skipped"
    if key.casefold() in by_key:
        return f"duplicate key {key!r} (first on line {by_key[key.casefold()].line}); skipped"
    return None


def _crossrefs(raws: list[_Raw], by_key: dict[str, _Raw], problems: list[BibProblem]) -> set[str]:
    """Resolve every crossref in place; return the (casefolded) keys of the parents."""
    parents = set()
    for raw in raws:
        if "crossref" not in raw.fields:
            continue
        parent_key = raw.fields["crossref"].strip().casefold()
        if parent_key not in by_key:
            problems.append(BibProblem(raw.line, f"{raw.key}: crossref {raw.fields['crossref']!r} not found"))
            continue
        parents.add(parent_key)
        _inherit(raw, by_key, {raw.key.casefold()})
    return parents


def _define(block: StringBlock, macros: dict[str, str], problems: list[BibProblem]) -> None:
    """An @string: its value with earlier macros applied. A macro naming itself (directly or
    through macros defined after it, a cycle) is reported and keeps its raw text."""
    line = block.line
    name = block.key.lower()
    undefined: list[str] = []
    value = resolve_value(block.value, macros, undefined)
    if name in (u.lower() for u in undefined):
        problems.append(BibProblem(line, f"@string {block.key!r} refers to itself; its raw value is kept"))
        value = block.value.strip()
    elif undefined:
        names = ", ".join(repr(u) for u in undefined)
        problems.append(
            BibProblem(line, f"@string {block.key!r} uses {names}, not defined before it "
                       "(a cycle or a later @string); kept as text")
        )  # fmt: skip
    macros[name] = value


@dataclass
class BibScan:
    """A .bib text read up to its entries' decoding: the entries in file order (macros
    resolved, crossrefs filled in, TeX still in), the keys other entries crossref, and the
    problems found so far. Reading is one pass in file order; decoding each entry is on its
    own, which is what lets a second process decode part of a big file
    (``services/bib_helper.py``)."""

    raws: list[_Raw]
    parents: set[str]
    problems: list[BibProblem]


def scan_bibtex(text: str) -> BibScan:
    """The first, sequential part of :func:`parse_bibtex`."""
    problems: list[BibProblem] = []
    macros: dict[str, str] = dict(_MONTH_MACROS)
    raws: list[_Raw] = []
    by_key: dict[str, _Raw] = {}
    for block in split_blocks(text):  # a later @string wins; duplicate entry keys are checked below
        if isinstance(block, FailedBlock):
            problems.append(_failure(block))
        elif isinstance(block, StringBlock):
            _define(block, macros, problems)
        else:
            if block.duplicates:
                names = ", ".join(sorted(block.duplicates))
                problems.append(
                    BibProblem(block.line, f"field {names} repeated in one entry; the first is kept")
                )
            problem = _key_problem(block.key, block.entry_type, by_key)
            if problem:
                problems.append(BibProblem(block.line, problem))
                continue
            raw = _read_entry(block, macros, problems)
            raws.append(raw)
            by_key[raw.key.casefold()] = raw
    parents = _crossrefs(raws, by_key, problems)
    return BibScan(raws, parents, problems)


def decode_entry(raw: _Raw, parents: set[str]) -> BibEntry | BibProblem | None:
    """One scanned entry, decoded: the entry, the problem that skips it, or None for a venue
    that other entries crossref (not a paper)."""
    if raw.key.casefold() in parents and raw.kind in _CONTAINERS:
        return None
    decoded = {n: verbatim(v) if n in _VERBATIM else tex_text(v) for n, v in raw.fields.items()}
    if not decoded.get("title"):
        return BibProblem(raw.line, f"entry {raw.key!r} has no title; skipped")
    fields = _meta(raw, decoded)
    meta = PaperMeta(**fields, bib_source=make_source(raw.kind, raw.own, fields))  # type: ignore[arg-type]
    return BibEntry(raw.key, meta, raw.line, raw.kind, decoded)


def assemble(scan: BibScan, decoded: Iterable[BibEntry | BibProblem | None]) -> BibImport:
    """The import of a scan, given each of its entries decoded, in order."""
    entries: list[BibEntry] = []
    problems = list(scan.problems)
    for d in decoded:
        if isinstance(d, BibEntry):
            entries.append(d)
        elif d is not None:
            problems.append(d)
    return BibImport(tuple(entries), ordered_problems(problems))


def ordered_problems(
    problems: Iterable[BibProblem], notes: Sequence[tuple[int, str]] = ()
) -> tuple[BibProblem, ...]:
    """Problems by line, with the notes of decoding the file (:func:`decode_bib`) first among
    those of a line; otherwise in the order found."""
    return tuple(sorted((*(BibProblem(n, m) for n, m in notes), *problems), key=lambda p: p.line))


def parse_bibtex(text: str) -> BibImport:
    """Entries and problems of a .bib text; never raises for bad BibTeX."""
    scan = scan_bibtex(text)
    return assemble(scan, (decode_entry(raw, scan.parents) for raw in scan.raws))


def read_bib(path: Path) -> bytes:
    """A .bib file's bytes, or a :class:`BibtexError` saying why not."""
    path = Path(path)
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise BibtexError(f"{path} is a folder, not a .bib file") from None
    except FileNotFoundError:
        raise BibtexError(f"{path} does not exist") from None
    except OSError as e:
        raise BibtexError(f"cannot read {path}: {e.strerror or e}") from None


def with_notes(result: BibImport, notes: Sequence[tuple[int, str]]) -> BibImport:
    """``result`` with the notes of decoding its file (:func:`decode_bib`) among its problems."""
    if not notes:
        return result
    return BibImport(result.entries, ordered_problems(result.problems, notes))


def parse_bibtex_file(path: Path) -> BibImport:
    """Read a .bib file as UTF-8 (Latin-1 as a fallback, with a problem noted) and parse it."""
    path = Path(path)
    text, notes = decode_bib(read_bib(path), path.name)
    return with_notes(parse_bibtex(text), notes)

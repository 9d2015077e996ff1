"""The search syntax, translated to SQLite FTS5 and SQL filters.

Free words are ANDed; ``"quoted phrases"``; ``transf*`` prefixes; ``-word`` excludes; ``OR``
between two terms; ``tag:NAME``, ``author:NAME`` (or ``author:"First Last"``), ``year:2024``,
``year:2020-2024``, ``year:>2020``; ``is:saved``, ``is:starred``, ``is:unread``/``reading``/``read``,
``is:dismissed``, ``has:pdf``. Every user word is quoted before it reaches FTS5, so no input can
form a syntax error or an FTS5 column filter of its own.
"""

from __future__ import annotations

import re

from readinglist.errors import ReadingListError
from readinglist.recordtype import field, record

# Around the matched terms in highlighted text and snippets (FTS5 highlight()/snippet()):
# private-use characters, so no source text can contain them and any display can swap them.
MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"

_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))')
STATUSES = ("unread", "reading", "read")


class QueryError(ReadingListError):
    """A search query that cannot be understood (e.g. ``year:abc``)."""


@record
class ParsedQuery:
    text: str | None = None  # FTS5 expression over all paper columns (free terms and authors)
    free: str | None = None  # FTS5 expression of the free terms alone (for PDF page text)
    authors: str | None = None  # FTS5 expression restricted to the authors column
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    saved: bool | None = None
    starred: bool | None = None
    dismissed: bool | None = None
    status: str | None = None
    has_pdf: bool | None = None
    terms: tuple[str, ...] = field(default_factory=tuple)  # plain words, for highlighting

    @property
    def empty(self) -> bool:
        return self == ParsedQuery()


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_term(raw: str, phrase: bool) -> str | None:
    if phrase:
        return _quote(raw) if raw.strip() else None
    prefix = raw.endswith("*")
    word = raw.rstrip("*")
    if not re.search(r"\w", word):
        return None
    return _quote(word) + ("*" if prefix else "")


def _year_range(value: str) -> tuple[int | None, int | None]:
    m = re.fullmatch(r"(\d{4})", value)
    if m:
        return int(value), int(value)
    m = re.fullmatch(r"(\d{4})?(?:-|\.\.)(\d{4})?", value)
    if m and (m.group(1) or m.group(2)):
        return (int(m.group(1)) if m.group(1) else None, int(m.group(2)) if m.group(2) else None)
    m = re.fullmatch(r"([<>]=?)(\d{4})", value)
    if m:
        op, year = m.group(1), int(m.group(2))
        if op == ">":
            return year + 1, None
        if op == ">=":
            return year, None
        if op == "<":
            return None, year - 1
        return None, year
    raise QueryError(f"year:{value} is not a year or range (try year:2024, year:2020-2024 or year:>2020)")


def _join(parts: list[tuple[str, str]]) -> str | None:
    """Join (operator, term) pairs: AND by default, OR when asked; NOT only after a positive."""
    out = ""
    for op, term in parts:
        if not out:
            if op == "NOT":
                continue
            out = term
        else:
            out = f"{out} {op} {term}"
    return out or None


def parse_query(query: str) -> ParsedQuery:
    free: list[tuple[str, str]] = []
    authors: list[tuple[str, str]] = []
    tags: list[str] = []
    exclude_tags: list[str] = []
    terms: list[str] = []
    opts: dict[str, object] = {}
    pending_or = False
    for m in _TOKEN.finditer(query):
        neg, key, quoted, bare = m.group(1) == "-", (m.group(2) or "").lower(), m.group(3), m.group(4)
        phrase = quoted is not None
        value = quoted if phrase else (bare or "")
        if not key and not phrase and value == "OR" and not neg:
            pending_or = True
            continue
        op = "NOT" if neg else ("OR" if pending_or else "AND")
        pending_or = False
        if key == "tag":
            (exclude_tags if neg else tags).append(value)
        elif key == "author":
            term = _fts_term(value, phrase=True)
            if term:
                authors.append((op, term))
        elif key == "year":
            opts["year_from"], opts["year_to"] = _year_range(value)
        elif key in ("is", "status", "has"):
            v = value.lower()
            if v in STATUSES:
                opts["status"] = v
            elif v in ("saved", "starred", "dismissed"):
                opts[v] = not neg
            elif v == "pdf":
                opts["has_pdf"] = not neg
            else:
                raise QueryError(
                    f"{key}:{value} is not understood (try is:saved, is:starred, is:read, has:pdf)"
                )
        else:
            text = f"{key}:{value}" if key else value  # an unknown key is just text
            term = _fts_term(text, phrase)
            if term:
                free.append((op, term))
                if not neg:
                    terms.append(text.rstrip("*"))
    free_expr = _join(free)
    author_expr = _join(authors)
    author_col = f"authors : ({author_expr})" if author_expr else None
    text_expr = " AND ".join(f"({e})" for e in (free_expr, author_col) if e) or None
    return ParsedQuery(
        text=text_expr,
        free=free_expr,
        authors=author_col,
        tags=tuple(tags),
        exclude_tags=tuple(exclude_tags),
        terms=tuple(terms),
        **opts,  # type: ignore[arg-type]
    )

"""arXiv: identifiers, the Atom export API (a pure parse plus a rate-limited client).

The API answers 200 with zero entries for ids it does not know and 400 with an Atom feed
holding one ``Error`` entry for malformed requests. Both the current (2026) and the 2016
feed layouts are read; they differ only in where namespaces are declared and in wrapping.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import defusedxml
import defusedxml.ElementTree as SafeET

from readinglist.errors import FeedFormatError, InvalidIdentifier, NetworkError
from readinglist.records import PaperMeta
from readinglist.sources.arxiv_ids import format_id, parse_id
from readinglist.sources.http import Http, RateLimiter

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"

BATCH_SIZE = 50
MAX_RESULTS = 2000  # arXiv refuses larger pages
SORT_KEYS = frozenset({"relevance", "lastUpdatedDate", "submittedDate"})

_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*|\n[ \t]+")  # a blank line, or a line indented (arXiv's mark)


def abs_url(endpoint: str, arxiv_id: str, version: int | None = None) -> str:
    return f"{endpoint}/abs/{format_id(arxiv_id, version)}"


def pdf_url(endpoint: str, arxiv_id: str, version: int | None = None) -> str:
    return f"{endpoint}/pdf/{format_id(arxiv_id, version)}"


# --- text --------------------------------------------------------------------------------------


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace (hard wraps included) as one space, ends stripped.

    ``str.split`` splits where the pattern ``\\s+`` matches (the same Unicode whitespace), at
    a quarter of the cost of ``re.sub``: a sync collapses every abstract it reads."""
    return " ".join(text.split())


def clean_abstract(text: str) -> str:
    """Unwrap a hard-wrapped abstract into flowing paragraphs separated by ``"\\n\\n"``.

    arXiv marks a new paragraph with a line that starts with whitespace; a blank line counts
    too. LaTeX, ``<EOS>`` and HTML stay literal text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = (collapse_whitespace(p) for p in _PARAGRAPH.split(text))
    return "\n\n".join(p for p in paragraphs if p)


# --- Atom feed ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArxivFeed:
    """One page of an arXiv API answer: the entries and the OpenSearch paging figures."""

    entries: tuple[PaperMeta, ...]
    total: int
    start: int
    per_page: int


def _text(elem: Element, path: str) -> str:
    found = elem.find(path)
    return (found.text or "") if found is not None else ""


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(text.strip()).date()
    except ValueError:
        return None


def _optional(text: str) -> str | None:
    return collapse_whitespace(text) or None


def _entry(entry: Element) -> PaperMeta:
    """Map one ``<entry>``; raises ValueError when it is not a paper we can key."""
    arxiv_id, version = parse_id(_text(entry, f"{ATOM}id").strip())
    title = collapse_whitespace(_text(entry, f"{ATOM}title"))
    if not title:
        raise ValueError("entry has no title")
    categories = [c.get("term", "").strip() for c in entry.findall(f"{ATOM}category")]
    primary = entry.find(f"{ARXIV}primary_category")
    authors = (collapse_whitespace(_text(a, f"{ATOM}name")) for a in entry.findall(f"{ATOM}author"))
    return PaperMeta(
        title=title,
        authors=tuple(a for a in authors if a),
        arxiv_id=arxiv_id,
        version=version,
        abstract=clean_abstract(_text(entry, f"{ATOM}summary")),
        published=_date(_text(entry, f"{ATOM}published")),
        updated=_date(_text(entry, f"{ATOM}updated")),
        primary_category=(primary.get("term") or None) if primary is not None else None,
        categories=tuple(dict.fromkeys(c for c in categories if c)),
        doi=_optional(_text(entry, f"{ARXIV}doi")),
        journal_ref=_optional(_text(entry, f"{ARXIV}journal_ref")),
        comment=_optional(_text(entry, f"{ARXIV}comment")),
    )


def _raise_if_error(entry: Element) -> None:
    """arXiv reports a bad request as a feed whose only entry is titled ``Error``."""
    entry_id = _text(entry, f"{ATOM}id")
    if "/api/errors" not in entry_id:
        return
    message = collapse_whitespace(_text(entry, f"{ATOM}summary")) or entry_id
    if re.search(r"\bids?\b", message, re.IGNORECASE):
        raise InvalidIdentifier(f"arXiv rejected the id: {message}")
    raise FeedFormatError(f"arXiv rejected the request: {message}")


def _int(root: Element, path: str, default: int) -> int:
    text = _text(root, path).strip()
    return int(text) if text.isascii() and text.isdigit() else default


def _parse_xml(raw: bytes) -> Element:
    try:
        root: Element = SafeET.fromstring(raw)
    except (SafeET.ParseError, defusedxml.DefusedXmlException, ValueError) as exc:
        raise FeedFormatError(f"arXiv sent something that is not a readable Atom feed ({exc})") from exc
    if root.tag != f"{ATOM}feed":
        raise FeedFormatError(f"arXiv sent XML that is not an Atom feed (root element {root.tag!r})")
    return root


def parse_feed(raw: bytes) -> ArxivFeed:
    """Parse an arXiv API Atom answer. Pure. Unusable entries are skipped with a warning.

    Raises :class:`FeedFormatError` for anything that is not an Atom feed, and
    :class:`InvalidIdentifier` / :class:`FeedFormatError` carrying arXiv's text for its error feed.
    """
    root = _parse_xml(raw)
    entries: list[PaperMeta] = []
    for index, entry in enumerate(root.findall(f"{ATOM}entry")):
        _raise_if_error(entry)
        try:
            entries.append(_entry(entry))
        except (ValueError, InvalidIdentifier) as exc:
            log.warning("arXiv feed: skipping entry %d: %s", index, exc)
    return ArxivFeed(
        entries=tuple(entries),
        total=_int(root, f"{OPENSEARCH}totalResults", len(entries)),
        start=_int(root, f"{OPENSEARCH}startIndex", 0),
        per_page=_int(root, f"{OPENSEARCH}itemsPerPage", len(entries)),
    )


# --- client ------------------------------------------------------------------------------------


# arXiv's rule (one call per 3 s) holds per machine, not per client object: every client of
# the same API URL in this process shares one limiter.
_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter(api_url: str, delay: float) -> RateLimiter:
    with _limiters_lock:
        lim = _limiters.get(api_url)
        if lim is None:
            lim = _limiters[api_url] = RateLimiter(delay)
        lim.interval = delay
        return lim


class ArxivClient:
    """The arXiv export API under arXiv's rule: at most one call per ``delay`` seconds."""

    def __init__(self, http: Http, api_url: str, delay: float) -> None:
        self.http = http
        self.api_url = api_url
        self.delay = delay
        self._limiter = shared_limiter(api_url, delay)

    def _query(self, params: dict[str, str | int], cancelled: Callable[[], bool] | None) -> ArxivFeed:
        self._limiter.wait(cancelled)
        status, body = self.http.get_bytes(
            self.api_url, params=params, what="arXiv", ok_statuses=(200, 400), cancelled=cancelled
        )
        if status == 200:
            return parse_feed(body)
        try:
            root = _parse_xml(body)
        except FeedFormatError:
            root = None
        for entry in root.findall(f"{ATOM}entry") if root is not None else ():
            _raise_if_error(entry)  # a 400 normally carries arXiv's error feed
        raise NetworkError("arXiv answered HTTP 400 Bad Request without saying why")

    def fetch(self, ids: Sequence[str], *, cancelled: Callable[[], bool] | None = None) -> list[PaperMeta]:
        """Metadata for these ids (versions allowed), in the order asked; unknown ids are absent."""
        wanted = list(dict.fromkeys(format_id(*parse_id(i)) for i in ids))
        found: list[PaperMeta] = []
        for first in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[first : first + BATCH_SIZE]
            # max_results defaults to 10 on arXiv's side, so it must match the batch.
            params: dict[str, str | int] = {"id_list": ",".join(batch), "start": 0, "max_results": len(batch)}
            found.extend(self._query(params, cancelled).entries)
        order = {parse_id(i)[0]: n for n, i in enumerate(wanted)}
        return sorted(found, key=lambda p: order.get(p.arxiv_id or "", len(order)))

    def search(
        self,
        query: str,
        *,
        start: int = 0,
        max_results: int = 25,
        sort_by: str = "relevance",
        cancelled: Callable[[], bool] | None = None,
    ) -> ArxivFeed:
        """One page of results for an arXiv ``search_query`` (``ti:``, ``au:``, ``cat:``, AND/OR/ANDNOT)."""
        if sort_by not in SORT_KEYS:
            raise ValueError(f"sort_by must be one of {sorted(SORT_KEYS)}, not {sort_by!r}")
        if start < 0 or not 1 <= max_results <= MAX_RESULTS:
            raise ValueError(f"bad page: start={start}, max_results={max_results}")
        if not query.strip():
            return ArxivFeed(entries=(), total=0, start=start, per_page=max_results)
        params: dict[str, str | int] = {
            "search_query": query.strip(),
            "start": start,
            "max_results": max_results,
            "sortBy": sort_by,
            "sortOrder": "descending",
        }
        return self._query(params, cancelled)

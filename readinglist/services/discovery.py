"""Discovery beyond the library: search Hugging Face Papers or arXiv, mark what is already held.

Results are cached in memory for a few minutes (per process, thread-safe), so paging back and
forth or re-running a query does not hit the hosts again. ``in_library`` is not cached: it is
worked out from the library on every call, so it is right straight after :func:`add_result`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import requests
from sqlalchemy import select

from readinglist.db.schema import Paper
from readinglist.errors import FeedFormatError, InvalidIdentifier, NetworkError
from readinglist.records import PaperRow, RemoteResult
from readinglist.recordtype import replace
from readinglist.search import QueryError
from readinglist.services import papers
from readinglist.services.library import Library

SOURCES = ("hf", "arxiv")
SOURCE_NAMES = {"hf": "Hugging Face", "arxiv": "arXiv"}
CACHE_TTL = 600.0  # seconds
CACHE_SIZE = 256  # entries; the oldest go first
MAX_LIMIT = 200
ARXIV_SYNTAX = "ti:, au:, abs:, cat:, all: joined with AND, OR, ANDNOT"


@dataclass(frozen=True)
class DiscoverPage:
    """One page of remote results; ``total`` is None when the source does not say."""

    results: tuple[RemoteResult, ...]
    total: int | None
    start: int
    source: str


_V = TypeVar("_V")


class _TTLCache(Generic[_V]):
    """A small thread-safe cache whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._data: OrderedDict[tuple[object, ...], tuple[float, _V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> _V | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if hit[0] <= self.clock():
                del self._data[key]
                return None
            return hit[1]

    def put(self, key: tuple[object, ...], value: _V) -> None:
        with self._lock:
            self._data[key] = (self.clock() + self.ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_cache: _TTLCache[tuple[tuple[RemoteResult, ...], int | None]] = _TTLCache(CACHE_TTL, CACHE_SIZE)


def clear_cache() -> None:
    """Forget every cached result (tests, or a "refresh" button)."""
    _cache.clear()


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _network_error(source: str, exc: NetworkError) -> NetworkError:
    """Reword a network failure for a person: which host, what to do, and that nothing changed."""
    host = SOURCE_NAMES[source]
    if _caused_by(exc, requests.Timeout):
        text = f"{host} did not answer in time; try again later."
    elif _caused_by(exc, requests.ConnectionError):
        text = f"{host} could not be reached; check your connection."
    else:
        text = f"{exc}." if not str(exc).endswith(".") else str(exc)
    return NetworkError(f"{text} Your library is unchanged.")


def _fetch_hf(
    lib: Library, query: str, start: int, limit: int, cancelled: Callable[[], bool] | None
) -> tuple[tuple[RemoteResult, ...], int | None]:
    from readinglist.sources.huggingface import fetch_search

    # The search endpoint has no offset: ask for everything up to the end of this page.
    wanted = start + limit
    found = fetch_search(lib.http, lib.endpoints.hf, query, limit=wanted, cancelled=cancelled)
    total = len(found) if len(found) < wanted else None
    return tuple(found[start:wanted]), total


def _fetch_arxiv(
    lib: Library, query: str, start: int, limit: int, cancelled: Callable[[], bool] | None
) -> tuple[tuple[RemoteResult, ...], int | None]:
    from readinglist.sources.arxiv import ArxivClient

    e = lib.endpoints
    client = ArxivClient(lib.http, e.arxiv_api, e.arxiv_delay)
    try:
        feed = client.search(query, start=start, max_results=limit, cancelled=cancelled)
    except InvalidIdentifier as exc:  # arXiv's error feed mentioned an id: still a query problem
        raise QueryError(f"arXiv could not run the search {query!r}: {exc}. Use {ARXIV_SYNTAX}.") from exc
    except FeedFormatError as exc:
        if str(exc).startswith("arXiv rejected"):
            raise QueryError(f"arXiv could not run the search {query!r}: {exc}. Use {ARXIV_SYNTAX}.") from exc
        raise
    results = tuple(RemoteResult(paper=m, source="arxiv") for m in feed.entries)
    return results, feed.total


def discover(
    lib: Library,
    query: str,
    *,
    source: str = "hf",
    start: int = 0,
    limit: int = 25,
    cancelled: Callable[[], bool] | None = None,
) -> DiscoverPage:
    """One page of remote search results, each marked ``in_library`` by arXiv id.

    ``source`` is ``"hf"`` (Hugging Face Papers, words) or ``"arxiv"`` (the API's
    ``search_query`` syntax). Raises :class:`NetworkError` when the host cannot be reached or
    fails, :class:`QueryError` when arXiv refuses the query. Never writes to the library.
    """
    if source not in SOURCES:
        raise QueryError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    if start < 0:
        raise QueryError("the start of a page cannot be negative")
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"a page holds 1 to {MAX_LIMIT} results, not {limit}")
    query = " ".join(query.split())
    if not query:
        return DiscoverPage(results=(), total=0, start=start, source=source)
    endpoint = lib.endpoints.hf if source == "hf" else lib.endpoints.arxiv_api
    key = (source, endpoint, query, start, limit)
    cached = _cache.get(key)
    if cached is None:
        fetch = _fetch_hf if source == "hf" else _fetch_arxiv
        try:
            cached = fetch(lib, query, start, limit, cancelled)
        except NetworkError as exc:
            raise _network_error(source, exc) from exc
        _cache.put(key, cached)
    results, total = cached
    return DiscoverPage(results=mark_in_library(lib, results), total=total, start=start, source=source)


def _library_ids(lib: Library, arxiv_ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
    """(paper id, saved) of the arXiv ids the library knows."""
    if not arxiv_ids:
        return {}
    with lib.read() as s:
        res = s.execute(
            select(Paper.arxiv_id, Paper.id, Paper.saved).where(Paper.arxiv_id.in_(sorted(set(arxiv_ids))))
        )
        return {str(aid): (int(pid), bool(saved)) for aid, pid, saved in res}


def mark_in_library(lib: Library, results: Sequence[RemoteResult]) -> tuple[RemoteResult, ...]:
    """The results marked from the library (one query for the lot): ``in_library`` when saved,
    ``in_feed`` when the library knows the paper (the feed listed it) but it is not saved."""
    held = _library_ids(lib, [r.paper.arxiv_id for r in results if r.paper.arxiv_id])
    out = []
    for r in results:
        known = held.get(r.paper.arxiv_id or "")
        saved = bool(known and known[1])
        out.append(replace(r, in_library=saved, in_feed=known is not None and not saved))
    return tuple(out)


def library_rows(lib: Library, results: Sequence[RemoteResult]) -> dict[str, PaperRow]:
    """Library records of the results the library knows (saved or not), by arXiv id."""
    held = _library_ids(lib, [r.paper.arxiv_id for r in results if r.paper.arxiv_id])
    return {row.arxiv_id: row for row in lib.get_many([i for i, _ in held.values()]) if row.arxiv_id}


def add_result(lib: Library, result: RemoteResult) -> int:
    """Save a result from its metadata, without fetching again. Returns the paper id.

    A paper already in the library (same arXiv id) is updated and saved, never duplicated;
    its user data is untouched.
    """
    ids, _ = papers.upsert(lib, [result.paper], save=True)
    return ids[0]


def result_json(result: RemoteResult, row: PaperRow | None = None) -> dict[str, object]:
    """The JSON of ``list`` for a result, plus ``in_library`` (saved), ``in_feed`` (known, not
    saved) and ``source``. A paper the library knows shows its record; others neutral fields.
    """
    if row is not None:
        return {**row.to_json(), "in_library": row.saved, "in_feed": not row.saved, "source": result.source}
    out = PaperRow.from_meta(result.paper, upvotes=result.upvotes, num_comments=result.num_comments).to_json()
    return {**out, "id": None, "status": None, "in_library": False, "in_feed": False, "source": result.source}

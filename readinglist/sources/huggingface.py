"""Hugging Face Daily Papers and Papers search: fetch over :class:`Http`, parse purely.

The body is a JSON list of entries ``{"paper": {...}, "numComments": ..., ...}`` whose schema
follows the date it is fetched on. A malformed entry is skipped with a reason, never failing
the day. The paper's arXiv date is ``paper.publishedAt``: the top-level ``publishedAt`` is the
posting time (2024) or that date shifted by −4 h (2025-10+), which can fall on the day before.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from readinglist.errors import FeedFormatError, InvalidIdentifier, NetworkError
from readinglist.records import FeedDay, FeedItem, PaperMeta, RemoteResult
from readinglist.sources.arxiv import clean_abstract, collapse_whitespace
from readinglist.sources.arxiv_ids import parse_id
from readinglist.sources.http import Http

__all__ = [
    "clean_abstract",
    "daily_url",
    "fetch_daily",
    "fetch_search",
    "parse_daily",
    "parse_search",
    "search_url",
]

log = logging.getLogger(__name__)


class _Skip(Exception):
    """An entry that cannot become a paper; the message says why."""


def daily_url(endpoint: str) -> str:
    return f"{endpoint}/api/daily_papers"


def search_url(endpoint: str) -> str:
    return f"{endpoint}/api/papers/search"


# --- parsing -----------------------------------------------------------------------------------


def _load_list(raw: bytes | str, what: str) -> list[Any]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise FeedFormatError(f"{what} is not valid JSON ({type(exc).__name__})") from exc
    if not isinstance(data, list):
        raise FeedFormatError(f"{what} is not a JSON list but a JSON {type(data).__name__}")
    return data


def _str_or_none(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _url_or_none(value: object) -> str | None:
    """Only http(s) links survive: these end up behind a click in the GUI."""
    text = _str_or_none(value)
    return text if text and text.lower().startswith(("https://", "http://")) else None


def _date_or_none(value: object) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).date()
    except ValueError:
        return None


def _label(entry: object) -> str:
    paper = entry.get("paper", entry) if isinstance(entry, dict) else None
    pid = paper.get("id") if isinstance(paper, dict) else None
    return pid if isinstance(pid, str) and len(pid) <= 40 else "no id"


def _split(entry: object) -> tuple[dict[str, Any], dict[str, Any]]:
    """(entry, paper) of a daily entry; a bare paper object is its own entry."""
    if not isinstance(entry, dict):
        raise _Skip("is not a JSON object")
    paper = entry.get("paper", entry if "id" in entry else None)
    if not isinstance(paper, dict):
        raise _Skip("paper is missing or not an object")
    return entry, paper


def _arxiv_id(paper: dict[str, Any]) -> tuple[str, int | None]:
    value = paper.get("id")
    if not isinstance(value, str):
        raise _Skip("paper.id is missing" if value is None else "paper.id is not a string")
    try:
        return parse_id(value)
    except InvalidIdentifier:
        raise _Skip(f"paper.id {value[:40]!r} is not an arXiv id") from None


def _title(paper: dict[str, Any]) -> str:
    value = paper.get("title")
    if not isinstance(value, str):
        raise _Skip("paper.title is missing" if value is None else "paper.title is not a string")
    title = collapse_whitespace(value)
    if not title:
        raise _Skip("paper.title is empty")
    return title


def _authors(paper: dict[str, Any]) -> tuple[str, ...]:
    """Names in order; hidden authors are kept (the website hides them, they are still authors)."""
    value = paper.get("authors")
    if not isinstance(value, list):
        raise _Skip("paper.authors is missing" if value is None else "paper.authors is not a list")
    names: list[str] = []
    for n, author in enumerate(value):
        name = author.get("name") if isinstance(author, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise _Skip(f"paper.authors[{n}] has no name")
        names.append(name.strip())
    return tuple(names)


def _abstract(paper: dict[str, Any], entry: dict[str, Any]) -> str:
    for value in (paper.get("summary"), entry.get("summary"), paper.get("abstract")):
        if isinstance(value, str):
            return clean_abstract(value)
    return ""


def _keywords(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(k.strip() for k in value if isinstance(k, str) and k.strip()))


def _paper_meta(entry: dict[str, Any], paper: dict[str, Any]) -> PaperMeta:
    arxiv_id, version = _arxiv_id(paper)
    title, authors = _title(paper), _authors(paper)
    return PaperMeta(
        title=title,
        authors=authors,
        arxiv_id=arxiv_id,
        version=version,
        abstract=_abstract(paper, entry),
        published=_date_or_none(paper.get("publishedAt")),
        github_repo=_url_or_none(paper.get("githubRepo")),
        project_page=_url_or_none(paper.get("projectPage")),
        ai_summary=_str_or_none(paper.get("ai_summary")),
        ai_keywords=_keywords(paper.get("ai_keywords")),
    )


def _submitter(entry: dict[str, Any], paper: dict[str, Any]) -> str | None:
    """The username of whoever put the paper on the feed (absent before mid-June 2024)."""
    by = entry.get("submittedBy")
    if isinstance(by, dict) and _str_or_none(by.get("name")):
        return _str_or_none(by.get("name"))
    by = paper.get("submittedOnDailyBy")
    if isinstance(by, dict):
        return _str_or_none(by.get("user")) or _str_or_none(by.get("name"))
    return None


def _count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0


def _upvotes(paper: dict[str, Any]) -> int:
    value = paper.get("upvotes")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Skip("paper.upvotes is missing" if value is None else "paper.upvotes is not an integer")


def _feed_item(raw_entry: object, day: dt.date) -> FeedItem:
    entry, paper = _split(raw_entry)
    meta = _paper_meta(entry, paper)
    return FeedItem(
        paper=meta,
        feed_date=day,
        upvotes=_upvotes(paper),
        num_comments=_count(entry.get("numComments")),
        submitted_by=_submitter(entry, paper),
    )


def parse_daily(raw: bytes | str, day: dt.date) -> FeedDay:
    """Parse one day of ``/api/daily_papers``. Pure.

    Raises :class:`FeedFormatError` when the body is not a JSON list; bad entries land in
    ``FeedDay.skipped`` as "item N (id): reason" with N counted from 1.
    """
    data = _load_list(raw, f"Hugging Face Daily Papers for {day.isoformat()}")
    items: list[FeedItem] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for n, entry in enumerate(data, start=1):
        try:
            item = _feed_item(entry, day)
        except _Skip as why:
            skipped.append(f"item {n} ({_label(entry)}): {why}")
            continue
        key = item.paper.arxiv_id or ""
        if key in seen:
            skipped.append(f"item {n} ({key}): listed twice on {day.isoformat()}; the first is kept")
            continue
        seen.add(key)
        items.append(item)
    return FeedDay(date=day, items=tuple(items), skipped=tuple(skipped))


def parse_search(raw: bytes | str) -> list[RemoteResult]:
    """Parse ``/api/papers/search``: daily-entry-shaped objects, or bare paper objects. Pure."""
    results: list[RemoteResult] = []
    seen: set[str] = set()
    for n, entry in enumerate(_load_list(raw, "Hugging Face paper search"), start=1):
        try:
            outer, paper = _split(entry)
            meta = _paper_meta(outer, paper)
        except _Skip as why:
            log.warning("Hugging Face search: skipping item %d (%s): %s", n, _label(entry), why)
            continue
        if meta.arxiv_id in seen:
            continue
        seen.add(meta.arxiv_id or "")
        upvotes, comments = _count(paper.get("upvotes")), _count(outer.get("numComments"))
        results.append(RemoteResult(paper=meta, source="hf", upvotes=upvotes, num_comments=comments))
    return results


# --- fetching ----------------------------------------------------------------------------------


def _get(
    http: Http,
    url: str,
    params: dict[str, str | int],
    context: str,
    cancelled: Callable[[], bool] | None,
) -> bytes:
    """GET under the Http policy; any failure becomes a NetworkError that says what we wanted."""
    try:
        status, body = http.get_bytes(
            url, params=params, what="Hugging Face", ok_statuses=range(100, 600), cancelled=cancelled
        )
    except NetworkError as exc:
        raise NetworkError(f"could not get {context}: {exc}") from exc
    if status != 200:
        hint = "; try again later" if status == 429 or status >= 500 else ""
        raise NetworkError(f"Hugging Face answered HTTP {status} for {context}{hint}")
    return body


def fetch_daily(
    http: Http, endpoint: str, day: dt.date, *, cancelled: Callable[[], bool] | None = None
) -> FeedDay:
    """Fetch and parse one day of Daily Papers (an empty day is a normal, empty FeedDay)."""
    context = f"the Daily Papers of {day.isoformat()}"
    body = _get(http, daily_url(endpoint), {"date": day.isoformat()}, context, cancelled)
    return parse_daily(body, day)


def fetch_search(
    http: Http,
    endpoint: str,
    query: str,
    *,
    limit: int = 50,
    cancelled: Callable[[], bool] | None = None,
) -> list[RemoteResult]:
    """Search Hugging Face Papers; at most ``limit`` results, best first as the site ranks them."""
    if not query.strip() or limit <= 0:
        return []
    context = f"the paper search for {query.strip()!r}"
    params: dict[str, str | int] = {"q": query.strip(), "limit": limit}
    body = _get(http, search_url(endpoint), params, context, cancelled)
    return parse_search(body)[:limit]

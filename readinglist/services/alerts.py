"""Alerts: saved searches (``is_alert``) that watch the feed for new papers.

A **new feed paper** of day D is a paper whose first appearance in the Daily Papers feed, as
the library knows it (the earliest ``feed_appearances.feed_date``), is D. A paper re-listed on
a later day is not new again, and a paper added from arXiv earlier is new on the first day the
feed lists it. After each synced day, the alerts run over that day's new feed papers.

Alerts match like the library's search on a paper's indexed text (title, abstract, authors,
tags, notes, annotations) and filters, not on PDF text. Dismissed papers never match unless
the query asks for ``is:dismissed``. A match is recorded once per (alert, paper); its
``feed_date`` is the paper's first feed day, moved earlier if an earlier day is synced later.
Matches live in the database, so alerts travel with the library. On a lab library each member
has their own saved searches and alerts; a sync by any member runs everybody's alerts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from readinglist.db import queries
from readinglist.db.pgmembers import MEMBER_SETTING
from readinglist.db.schema import SavedSearch, utcnow
from readinglist.errors import NotFoundError, ReadingListError
from readinglist.records import Changes, FeedDay, PaperFilter
from readinglist.search import ParsedQuery, QueryError, parse_query
from readinglist.services.library import Library

if TYPE_CHECKING:
    from readinglist.services.unit import Transaction

log = logging.getLogger(__name__)
_CHUNK = 500
_DIRECT = 1000  # above this many papers, run each alert once over the whole index

_RECORD = text(
    "INSERT INTO alert_matches(search_id, paper_id, feed_date, seen, matched_at) "
    "VALUES (:s, :p, :d, FALSE, :now) "
    "ON CONFLICT(search_id, paper_id) DO UPDATE SET feed_date = excluded.feed_date "
    "WHERE excluded.feed_date IS NOT NULL "
    "AND (alert_matches.feed_date IS NULL OR excluded.feed_date < alert_matches.feed_date)"
)


def _chunks(ids: Sequence[int]) -> Iterable[str]:
    for i in range(0, len(ids), _CHUNK):
        yield ",".join(str(int(x)) for x in ids[i : i + _CHUNK])


def new_feed_paper_ids(session: Session, start: dt.date, end: dt.date) -> list[int]:
    """Papers whose first feed appearance falls in ``start..end`` (inclusive)."""
    rows = session.execute(
        text(
            "SELECT DISTINCT fa.paper_id FROM feed_appearances fa "
            "WHERE fa.feed_date BETWEEN :a AND :b AND NOT EXISTS (SELECT 1 FROM feed_appearances e "
            "WHERE e.paper_id = fa.paper_id AND e.feed_date < :a) ORDER BY fa.paper_id"
        ),
        {"a": start.isoformat(), "b": end.isoformat()},
    )
    return [int(r[0]) for r in rows]


def synced_days_in(session: Session, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """Days of ``start..end`` that have been synced (an empty feed day counts), oldest first."""
    res = session.execute(
        text(
            "SELECT feed_date FROM synced_days WHERE feed_date BETWEEN :a AND :b UNION "
            "SELECT DISTINCT feed_date FROM feed_appearances WHERE feed_date BETWEEN :a AND :b "
            "ORDER BY 1"
        ),
        {"a": start.isoformat(), "b": end.isoformat()},
    )
    return tuple(dt.date.fromisoformat(str(d)[:10]) for (d,) in res)


def synced_days(lib: Library, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """Days of ``start..end`` that have been synced, oldest first."""
    with lib.read() as s:
        return synced_days_in(s, start, end)


def _alerts(session: Session) -> list[tuple[int, str, str]]:
    res = session.execute(
        text("SELECT id, name, query FROM saved_searches WHERE is_alert ORDER BY position, name")
    )
    return [(int(i), str(n), str(q)) for i, n, q in res]


def _matching(session: Session, parsed: ParsedQuery, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` the query matches.

    A few ids: FTS restricted by rowid (one index lookup per id, ~0.03 ms each). Many ids
    (``alerts check`` over every day): the whole query once, intersected in Python.
    """
    w = queries._Where()
    queries._apply_filters(w, PaperFilter(dismissed=False), parsed)
    filters = "".join(f" AND {c}" for c in w.clauses)
    params = dict(w.params)
    if parsed.text and session.get_bind().dialect.name == "postgresql":
        from readinglist.db.pgsearch import to_tsquery

        params["match"] = to_tsquery(parsed.text)
        base = (
            "SELECT p.id FROM papers_fts JOIN papers p ON p.id = papers_fts.rowid "
            "WHERE papers_fts.tsv @@ to_tsquery('simple', rl_unaccent(:match))"
        )
        restrict = " AND papers_fts.rowid IN ({marks})"
    elif parsed.text:
        params["match"] = parsed.text
        base = "SELECT p.id FROM papers_fts JOIN papers p ON p.id = papers_fts.rowid WHERE papers_fts MATCH :match"
        restrict = " AND papers_fts.rowid IN ({marks})"
    else:
        base, restrict = "SELECT p.id FROM papers p WHERE TRUE", " AND p.id IN ({marks})"
    if len(ids) > _DIRECT:
        wanted = set(ids)
        found = {int(r[0]) for r in session.execute(text(base + filters), params)}
        return sorted(found & wanted)
    out: set[int] = set()
    for marks in _chunks(ids):
        sql = base + restrict.format(marks=marks) + filters
        out.update(int(r[0]) for r in session.execute(text(sql), params))
    return sorted(out)


def _first_days(session: Session, ids: Sequence[int]) -> dict[int, dt.date]:
    days: dict[int, dt.date] = {}
    for marks in _chunks(ids):
        res = session.execute(
            text(
                "SELECT paper_id, min(feed_date) FROM feed_appearances "
                f"WHERE paper_id IN ({marks}) GROUP BY paper_id"
            )
        )
        days.update({int(p): dt.date.fromisoformat(str(d)[:10]) for p, d in res})
    return days


def match_alerts(lib: Library, paper_ids: Iterable[int], feed_date: dt.date | None) -> dict[str, list[int]]:
    """Run every alert over these papers and record the matches. Returns {alert: [paper ids]}.

    Only alerts with a match are in the result. ``feed_date`` is the feed day to record; with
    None each paper's first feed day is used (None for papers never in the feed).
    An alert whose stored query no longer parses is skipped with a warning.
    """
    ids = sorted({int(i) for i in paper_ids})
    if not ids:
        return {}
    found: dict[str, list[int]] = {}
    with lib.change("Match alerts", undoable=False) as tx:
        s = tx.session
        # On a lab library each member's alerts run as that member (their dismissals, their
        # saved searches): whoever syncs a day, everybody's alerts see it. ``found`` is ours.
        for member in _alert_members(s, tx.member):
            with _as_member(s, member, tx.member):
                mine = _match_as(tx, ids, feed_date)
            if member == tx.member:
                found = mine
    return found


def _alert_members(session: Session, me: str) -> list[str]:
    if session.get_bind().dialect.name != "postgresql":
        return [me]
    others = session.execute(
        text("SELECT DISTINCT member FROM saved_searches_all WHERE is_alert AND member <> :me"), {"me": me}
    ).scalars()
    return [me, *sorted(str(m) for m in others)]


@contextlib.contextmanager
def _as_member(session: Session, member: str, me: str) -> Iterator[None]:
    if member == me:
        yield
        return
    set_member = text(f"SELECT set_config('{MEMBER_SETTING}', :m, true)")
    session.execute(set_member, {"m": member})
    try:
        yield
    finally:
        session.execute(set_member, {"m": me})


def _match_as(tx: Transaction, ids: list[int], feed_date: dt.date | None) -> dict[str, list[int]]:
    """Run the session member's alerts over ``ids`` and record the matches."""
    s = tx.session
    found: dict[str, list[int]] = {}
    alerts = _alerts(s)
    if not alerts:
        return {}
    first = _first_days(s, ids) if feed_date is None else {}
    now = utcnow().isoformat(sep=" ")
    for sid, name, query in alerts:
        try:
            parsed = parse_query(query)
        except QueryError as exc:
            log.warning("alert %r skipped: %s", name, exc)
            continue
        matched = _matching(s, parsed, ids)
        if not matched:
            continue
        found[name] = matched
        before = _count(s, sid)
        s.execute(
            _RECORD,
            [{"s": sid, "p": pid, "d": _iso(feed_date or first.get(pid)), "now": now} for pid in matched],
        )
        if _count(s, sid) != before:
            tx.touched(searches=True)
    return found


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _count(session: Session, search_id: int) -> int:
    return int(
        session.execute(
            text("SELECT count(*) FROM alert_matches WHERE search_id = :s"), {"s": search_id}
        ).scalar_one()
    )


def after_sync_day(lib: Library, feed_day: FeedDay, changes: Changes) -> dict[str, list[int]]:
    """sync_days' ``after_day`` hook (bind ``lib`` with :func:`sync_hook`).

    Matches the new feed papers of ``feed_day.date``: every paper of that day whose first
    appearance it is, a superset of ``changes.papers`` restricted so, because a re-synced
    day lists unchanged papers too and recording is idempotent.
    """
    if not feed_day.items and not changes.papers:
        return {}
    with lib.read() as s:
        ids = new_feed_paper_ids(s, feed_day.date, feed_day.date)
    return match_alerts(lib, ids, feed_day.date)


def sync_hook(lib: Library) -> Callable[[FeedDay, Changes], dict[str, list[int]]]:
    """``after_day=sync_hook(lib)`` for :func:`readinglist.services.sync.sync_days`."""
    return functools.partial(after_sync_day, lib)


def check_alerts(lib: Library, date: dt.date | None = None) -> dict[str, list[int]]:
    """Run the alerts over already-synced data: the new feed papers of ``date``, or of every day."""
    with lib.read() as s:
        if date is not None:
            ids = new_feed_paper_ids(s, date, date)
        else:
            ids = [int(r[0]) for r in s.execute(text("SELECT DISTINCT paper_id FROM feed_appearances"))]
    return match_alerts(lib, ids, date)


def alert_counts(lib: Library) -> dict[str, int]:
    """Unseen matches per alert (every alert, zero included), in sidebar order."""
    with lib.read() as s:
        res = s.execute(
            text(
                "SELECT s.name, (SELECT count(*) FROM alert_matches am "
                "WHERE am.search_id = s.id AND NOT am.seen) "
                "FROM saved_searches s WHERE s.is_alert ORDER BY s.position, s.name"
            )
        )
        return {str(n): int(c) for n, c in res}


def _alert_id(session: Session, name: str) -> int:
    sid = session.execute(
        text("SELECT id FROM saved_searches WHERE name = :n AND is_alert"), {"n": name}
    ).scalar_one_or_none()
    if sid is None:
        raise NotFoundError(f"no alert named {name!r} (see: readinglist alerts list)")
    return int(sid)


def mark_seen(lib: Library, name: str) -> int:
    """Mark every match of an alert seen. Returns how many were unseen."""
    return len(take_unseen(lib, name))


def take_unseen(lib: Library, name: str) -> list[int]:
    """The papers an alert matched that the user has not seen yet, now marked seen (so a view
    can show them as new while the badge clears). Looking is not an undo step."""
    with lib.change(f"Mark alert {name} seen", undoable=False) as tx:
        sid = _alert_id(tx.session, name)
        ids = [
            int(r[0])
            for r in tx.session.execute(
                text(
                    "SELECT paper_id FROM alert_matches WHERE search_id = :s AND NOT seen ORDER BY paper_id"
                ),
                {"s": sid},
            )
        ]
        if ids:
            tx.session.execute(
                text("UPDATE alert_matches SET seen = TRUE WHERE search_id = :s AND NOT seen"), {"s": sid}
            )
            tx.touched(searches=True)
    return ids


def save_search(lib: Library, name: str, query: str, *, alert: bool = False) -> Changes:
    """Save a search (replacing one of the same name). An alert also watches future syncs."""
    parse_query(query)  # refuse what we could never run
    name = name.strip()
    if not name:
        raise ReadingListError("a saved search needs a name")
    with lib.change(f"Save search {name}") as tx:
        s = tx.session
        existing = s.execute(select(SavedSearch).where(SavedSearch.name == name)).scalar_one_or_none()
        if existing:
            tx.capture("saved_searches", [existing.id])
            existing.query, existing.is_alert = query, alert
        else:
            pos = s.execute(select(func.coalesce(func.max(SavedSearch.position), -1))).scalar_one() + 1
            row = SavedSearch(name=name, query=query, is_alert=alert, position=pos)
            s.add(row)
            s.flush()
            tx.created("saved_searches", [row.id])
            tx.created("alert_matches", [row.id], by="search_id")
        tx.touched(searches=True)
    return tx.changes


def delete_search(lib: Library, name: str) -> Changes:
    with lib.change(f"Delete search {name}") as tx:
        row = tx.session.execute(select(SavedSearch).where(SavedSearch.name == name)).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no saved search named {name!r}")
        tx.capture("saved_searches", [row.id])
        tx.capture("alert_matches", [row.id], by="search_id")
        tx.session.delete(row)
        tx.touched(searches=True)
    return tx.changes


def add_alert(lib: Library, name: str, query: str) -> Changes:
    """Create an alert, or turn the saved search of that name into one with this query."""
    return save_search(lib, name, query, alert=True)


def remove_alert(lib: Library, name: str) -> Changes:
    """Delete an alert and its matches (a plain saved search of that name is left alone)."""
    with lib.read() as s:
        _alert_id(s, name)
    return delete_search(lib, name)

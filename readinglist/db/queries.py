"""Query functions: take a Session, return plain ids and records. All filtering and sorting is SQL."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from readinglist.db.paperfields import CODECS, META_FIELDS, ROW_COLUMNS, Decode, decode_meta
from readinglist.db.raw import Reads, text
from readinglist.records import MatchInfo, PaperFilter, PaperMeta, PaperRow, SearchHit
from readinglist.recordtype import replace
from readinglist.search import MARK_CLOSE, MARK_OPEN, ParsedQuery, parse_query

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# When a query matches more papers than this, bm25 ranking gets slow (its cost grows with the
# number of hits: 184 ms was measured for a term in 98% of 100k papers), so such
# queries are ordered by recency instead.
RANK_LIMIT = 4000


def _on_postgres(session: Reads) -> TypeGuard[Session]:
    """A SQLAlchemy session on PostgreSQL (the stdlib SQLite reader has no bind); the PostgreSQL
    search module (and SQLAlchemy) load only then."""
    get_bind = getattr(session, "get_bind", None)
    return get_bind is not None and get_bind().dialect.name == "postgresql"


BM25_WEIGHTS = "10.0, 2.0, 4.0, 5.0, 2.0, 2.0"  # title, abstract, authors, tags, notes, annots

SORTS = {
    "upvotes": "p.upvotes",
    "published": "p.published",
    "title": "p.title COLLATE NOCASE",
    "added": "p.added_at",
    "feed": "p.last_feed_date",
    "status": "p.status",
    "author": "json_extract(p.authors, '$[0]') COLLATE NOCASE",
    "citekey": "p.citekey",
    "comments": "p.num_comments",
}


_TAGGED = "SELECT pt.paper_id FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.name = :tag{i}"


class _Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: dict[str, object] = {}

    def add(self, clause: str, **params: object) -> None:
        self.clauses.append(clause)
        self.params.update(params)

    @property
    def has_sets(self) -> bool:
        """Whether a clause tests membership of a joined table's id set (see _apply_filters)."""
        return any(c.startswith("+p.id ") for c in self.clauses)

    def sql(self) -> str:
        """The WHERE clause for a query over ``papers p``. Here the planner may drive from an
        id set (a tag's 5,000 papers of 100k: 12 ms where the ``+`` form scans the sort index,
        24 ms); only a search's FTS scan must not be driven from one."""
        clauses = [c.removeprefix("+") for c in self.clauses]
        return (" WHERE " + " AND ".join(clauses)) if clauses else ""


def _apply_filters(w: _Where, f: PaperFilter, q: ParsedQuery | None) -> None:
    saved = q.saved if q and q.saved is not None else f.saved
    starred = q.starred if q and q.starred is not None else f.starred
    status = (q.status if q else None) or f.status
    has_pdf = q.has_pdf if q and q.has_pdf is not None else f.has_pdf
    dismissed = q.dismissed if q and q.dismissed is not None else f.dismissed
    if saved is not None:
        w.add("p.saved = :saved", saved=saved)
    if dismissed is not None:
        w.add("p.dismissed = :dismissed", dismissed=dismissed)
    if starred is not None:
        w.add("p.starred = :starred", starred=starred)
    if status:
        w.add("p.status = :status", status=status)
    if f.needs_review is not None:
        w.add("p.needs_review = :needs_review", needs_review=f.needs_review)
    # Joined filters are id sets, built once per query (``+p.id IN (SELECT ...)``) rather than a
    # correlated EXISTS per row: a search tests each FTS hit against the set without reading the
    # paper's row, and the ``+`` keeps the planner from driving the match from the set (an FTS5
    # lookup by rowid re-runs the match for every id).
    if has_pdf is not None:
        w.add(f"+p.id {'' if has_pdf else 'NOT '}IN (SELECT a.paper_id FROM attachments a)")
    tags = list(f.tags) + list(q.tags if q else ())
    for i, tag in enumerate(tags):
        w.add(f"+p.id IN ({_TAGGED.format(i=i)})", **{f"tag{i}": tag})
    for i, tag in enumerate(q.exclude_tags if q else ()):
        w.add(f"+p.id NOT IN ({_TAGGED.format(i=f'x{i}')})", **{f"tagx{i}": tag})
    if f.list_name:
        w.add(
            "+p.id IN (SELECT li.paper_id FROM list_items li JOIN reading_lists rl ON rl.id = li.list_id "
            "WHERE rl.name = :list_name)",
            list_name=f.list_name,
        )
    if f.feed_date:
        w.add(
            "+p.id IN (SELECT fa.paper_id FROM feed_appearances fa WHERE fa.feed_date = :feed_date)",
            feed_date=f.feed_date,
        )
    if f.feed_since or f.feed_until:
        w.add(
            "+p.id IN (SELECT fa.paper_id FROM feed_appearances fa "
            "WHERE fa.feed_date BETWEEN :feed_since AND :feed_until)",
            feed_since=f.feed_since or dt.date.min,
            feed_until=f.feed_until or dt.date.max,
        )
    if f.alert:
        w.add(
            "+p.id IN (SELECT am.paper_id FROM alert_matches am JOIN saved_searches s ON s.id = am.search_id "
            "WHERE s.name = :alert)",
            alert=f.alert,
        )
    # The year as migration 0016_search indexes it (the same expression, so the index serves it).
    year = "COALESCE(p.year, CAST(strftime('%Y', p.published) AS INTEGER))"
    years = []
    if q and q.year_from is not None:
        years.append(f"{year} >= :y0")
        w.params["y0"] = q.year_from
    if q and q.year_to is not None:
        years.append(f"{year} <= :y1")
        w.params["y1"] = q.year_to
    if years:
        w.add(f"+p.id IN (SELECT p.id FROM papers p WHERE {' AND '.join(years)})")


def _order_sql(f: PaperFilter, sort: str | None, descending: bool) -> str:
    direction = "DESC" if descending else "ASC"
    if sort == "position" and f.list_name:
        return (
            "(SELECT li.position FROM list_items li JOIN reading_lists rl ON rl.id = li.list_id "
            f"WHERE li.paper_id = p.id AND rl.name = :list_name) {direction}, p.id"
        )
    if sort is None or sort not in SORTS:
        if f.feed_date:  # a feed day: that day's upvotes
            return (
                "(SELECT fa.upvotes FROM feed_appearances fa WHERE fa.paper_id = p.id "
                "AND fa.feed_date = :feed_date) DESC, p.id DESC"
            )
        if f.list_name:
            return _order_sql(f, "position", False)
        if f.feed_since or f.feed_until:  # a trending window: the most upvoted first
            return "p.upvotes DESC, p.last_feed_date DESC, p.id DESC"
        return "p.last_feed_date DESC, p.upvotes DESC, p.id DESC"
    nulls = " NULLS LAST" if descending else " NULLS FIRST"
    # A feed day's papers tie; they break by upvotes, the order ix_papers_sort_feed keeps (no sort step).
    then = f"p.upvotes {direction}, " if sort == "feed" else ""
    return f"{SORTS[sort]} {direction}{nulls}, {then}p.id {direction}"


def select_ids(
    session: Reads,
    f: PaperFilter,
    *,
    sort: str | None = None,
    descending: bool = True,
    limit: int | None = None,
    offset: int = 0,
) -> list[int]:
    """Ids of the papers matching ``f``, sorted in SQL. A query (``f.query``) orders by relevance
    unless an explicit sort is given."""
    if f.query and f.query.strip():
        parsed = parse_query(f.query)
        if parsed.text and sort and not _on_postgres(session):
            return _select(session, f, parsed, sort, descending, limit, offset, hits=True)
        if parsed.text:
            hits = search(session, parsed, replace(f, query=None), limit=None if sort else limit)
            ids = [h.paper_id for h in hits]
            if sort:
                ids = _reorder(session, ids, f, sort, descending)
            return ids[offset : offset + limit if limit else None]
        return _select(session, f, parsed, sort, descending, limit, offset)
    return _select(session, f, None, sort, descending, limit, offset)


def _select(
    session: Reads,
    f: PaperFilter,
    parsed: ParsedQuery | None,
    sort: str | None,
    descending: bool,
    limit: int | None,
    offset: int,
    *,
    hits: bool = False,
) -> list[int]:
    """With ``hits``, the papers :func:`search` finds for ``parsed`` (metadata or PDF text),
    sorted: one query over the set of hits, sorted by the sort's index, instead of every hit
    fetched in rank order and sorted again (a sorted search of 86k hits: 680 -> 80 ms)."""
    w = _Where()
    _apply_filters(w, f, parsed)
    where = w.sql()
    if hits and parsed:  # ``+``: the sort's index drives; many hits are cheaper tested than sorted
        where += (" AND " if where else " WHERE ") + f"+p.id IN ({_hit_set(parsed, w.params)})"
    sql = f"SELECT p.id FROM papers p{where} ORDER BY {_order_sql(f, sort, descending)}"
    if limit is not None:
        sql += " LIMIT :limit OFFSET :offset"
        w.params.update(limit=limit, offset=offset)
    if f.feed_date:
        w.params.setdefault("feed_date", f.feed_date)
    if f.list_name:
        w.params.setdefault("list_name", f.list_name)
    return list(session.execute(text(sql), w.params).scalars())


def _hit_set(q: ParsedQuery, params: dict[str, object]) -> str:
    """SQL for the ids of every paper ``q`` finds: metadata matches, then PDF pages (whose
    paper must match ``author:`` too, as :func:`_pdf_hits` asks)."""
    params["match"] = q.text
    sql = "SELECT rowid FROM papers_fts WHERE papers_fts MATCH :match"
    if q.free:
        params["pmatch"] = q.free
        sql += " UNION SELECT paper_id FROM pdf_fts WHERE pdf_fts MATCH :pmatch"
        if q.authors:
            params["amatch"] = q.authors
            sql += " AND paper_id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH :amatch)"
    return sql


def _reorder(session: Reads, ids: list[int], f: PaperFilter, sort: str, descending: bool) -> list[int]:
    """Sort a PostgreSQL search's hits (its ranking lives in pgsearch; SQLite uses ``_hit_set``)."""
    if not ids:
        return []
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS _ids (id INTEGER PRIMARY KEY)"))
    session.execute(text("DELETE FROM _ids"))
    session.execute(text("INSERT INTO _ids(id) VALUES (:id)"), [{"id": i} for i in ids])
    params: dict[str, object] = {"feed_date": f.feed_date, "list_name": f.list_name}
    sql = f"SELECT p.id FROM papers p JOIN _ids ON _ids.id = p.id ORDER BY {_order_sql(f, sort, descending)}"
    out = list(session.execute(text(sql), params).scalars())
    session.execute(text("DELETE FROM _ids"))
    return out


def count(session: Reads, f: PaperFilter) -> int:
    if f.query and f.query.strip():
        return len(select_ids(session, f))
    w = _Where()
    _apply_filters(w, f, None)
    return int(session.execute(text(f"SELECT count(*) FROM papers p{w.sql()}"), w.params).scalar_one())


def search(session: Reads, q: ParsedQuery, f: PaperFilter, *, limit: int | None = 200) -> list[SearchHit]:
    """Full-text search over paper metadata, user text and PDF pages.

    Metadata hits come first, ranked by bm25 (or by recency when there are more than
    :data:`RANK_LIMIT` of them), then papers found only in their PDF text.
    """
    w = _Where()
    _apply_filters(w, f, q)
    filters = (" AND " + " AND ".join(w.clauses)) if w.clauses else ""
    if _on_postgres(session):
        from readinglist.db import pgsearch

        return pgsearch.search(session, q, filters, w.params, limit=limit, rank_limit=RANK_LIMIT)
    params = dict(w.params, match=q.text)
    sets = [c.removeprefix("+p.id ") for c in w.clauses if c.startswith("+p.id ")]
    columns = [c for c in w.clauses if not c.startswith("+p.id ")]
    if sets and columns == ["p.dismissed = :dismissed"] and not w.params["dismissed"]:
        # The usual search (dismissed papers left out) with id sets: each hit is tested against
        # the sets, the first of them without the dismissed papers (read from the dismissed
        # index, never from the rows): ``tag:agents reasoning`` at 100k, 29 -> 17 ms.
        sets.sort(key=lambda c: c.startswith("NOT "))
        if not sets[0].startswith("NOT "):
            sets[0] = sets[0][:-1] + " EXCEPT SELECT d.id FROM papers d WHERE d.dismissed = 1)"
            columns = []
    if sets and not columns:  # sets alone: no hit reads its paper's row
        tests = " AND ".join(f"+papers_fts.rowid {c}" for c in sets)
        base = f"FROM papers_fts WHERE papers_fts MATCH :match AND {tests}"
    elif sets:  # the filters become one id set (driven by its most selective part), so no
        # hit reads its paper's row: ``tag:agents reasoning`` at 100k, 65 -> 22 ms
        base = f"FROM papers_fts WHERE papers_fts MATCH :match AND +papers_fts.rowid IN (SELECT p.id FROM papers p{w.sql()})"
    else:  # plain columns only (dismissed, saved): most hits pass, and the scan stops early
        base = (
            f"FROM papers_fts JOIN papers p ON p.id = papers_fts.rowid WHERE papers_fts MATCH :match{filters}"
        )
    # The match runs once, newest first in the index's own rowid order (no sort step), and
    # stops after RANK_LIMIT + 1 hits. More than RANK_LIMIT are too many to rank cheaply, so they
    # stay newest first; fewer are ranked by bm25 in a second, ranked query.
    sql = f"SELECT papers_fts.rowid {base} ORDER BY papers_fts.rowid DESC LIMIT {RANK_LIMIT + 1}"
    found = [int(i) for i in session.execute(text(sql), params).scalars()]
    if len(found) > RANK_LIMIT and not (limit and limit <= len(found)):
        lim = f" LIMIT {int(limit)}" if limit else ""  # every hit of a very common term
        sql = f"SELECT papers_fts.rowid {base} ORDER BY papers_fts.rowid DESC{lim}"
        meta_ids = [int(i) for i in session.execute(text(sql), params).scalars()]
    elif len(found) > RANK_LIMIT:
        meta_ids = found[:limit]
    elif found:  # few: rank them (no ``rowid IN (...)`` on FTS5: it re-runs the match per id)
        lim = f" LIMIT {int(limit)}" if limit else ""
        sql = f"SELECT papers_fts.rowid {base} ORDER BY bm25(papers_fts, {BM25_WEIGHTS}){lim}"
        meta_ids = [int(i) for i in session.execute(text(sql), params).scalars()]
    else:
        meta_ids = []
    hits = [SearchHit(pid) for pid in meta_ids]
    if q.free and (limit is None or len(hits) < limit):
        hits.extend(_pdf_hits(session, q, filters, w.params, set(meta_ids), limit and limit - len(hits)))
    return hits


def _pdf_hits(
    session: Reads,
    q: ParsedQuery,
    filters: str,
    params: dict[str, object],
    exclude: set[int],
    limit: int | None,
) -> list[SearchHit]:
    author = ""
    p = dict(params, pmatch=q.free)
    if q.authors:
        author = " AND p.id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH :amatch)"
        p["amatch"] = q.authors
    sql = (
        "SELECT pdf_fts.paper_id, group_concat(pdf_fts.page) FROM pdf_fts "
        "JOIN papers p ON p.id = pdf_fts.paper_id "
        f"WHERE pdf_fts MATCH :pmatch{filters}{author} "
        "GROUP BY pdf_fts.paper_id ORDER BY min(pdf_fts.rank)"
    )
    return pdf_hits_of(session.execute(text(sql), p), exclude, limit)


def pdf_hits_of(rows: Iterable[Any], exclude: set[int], limit: int | None) -> list[SearchHit]:
    """Hits from ``(paper_id, "page,page,...")`` rows, best first, leaving out ``exclude``."""
    out: list[SearchHit] = []
    for pid, pages in rows:
        if pid in exclude:
            continue
        out.append(
            SearchHit(int(pid), tuple(sorted(int(x) for x in str(pages).split(","))), in_metadata=False)
        )
        if limit and len(out) >= limit:
            break
    return out


def pdf_pages(session: Reads, paper_id: int, free: str) -> tuple[int, ...]:
    """The PDF pages (1-based) of one paper that match an FTS5 expression."""
    if _on_postgres(session):
        from readinglist.db import pgsearch

        return pgsearch.pdf_pages(session, paper_id, free)
    rows = session.execute(
        text("SELECT page FROM pdf_fts WHERE pdf_fts MATCH :m AND paper_id = :pid ORDER BY page"),
        {"m": free, "pid": paper_id},
    )
    return tuple(int(r[0]) for r in rows)


def match_info(
    session: Reads, q: ParsedQuery, ids: Sequence[int], *, full: bool = False
) -> dict[int, MatchInfo]:
    """Why each of ``ids`` matched ``q``, from FTS5's own highlight() and snippet() (no re-scan
    of the text in Python). Papers found only in their PDF text get their pages and a fragment."""
    if not ids or not (q.text or q.free):
        return {}
    marks = ",".join(str(int(i)) for i in ids)
    if _on_postgres(session):
        from readinglist.db import pgsearch

        return pgsearch.match_info(session, q, marks, full=full)
    params = {"o": MARK_OPEN, "c": MARK_CLOSE, "m": q.text}
    out: dict[int, MatchInfo] = {}
    if q.text:
        abstract = "highlight(papers_fts, 1, :o, :c)" if full else "NULL"
        sql = (
            "SELECT rowid, highlight(papers_fts, 0, :o, :c), snippet(papers_fts, -1, :o, :c, '…', 24), "
            f"{abstract} FROM papers_fts WHERE papers_fts MATCH :m AND rowid IN ({marks})"
        )
        for pid, title, snip, abs_ in session.execute(text(sql), params):
            # A fragment of the title only repeats the title: the list already shows that.
            snip = "" if snip and snip.replace("…", "").strip() in title else snip
            out[int(pid)] = MatchInfo(title=title, snippet=snip or "", abstract=abs_)
    if q.free:
        pdf = (
            "SELECT paper_id, page, snippet(pdf_fts, 0, :o, :c, '…', 16) FROM pdf_fts "
            f"WHERE pdf_fts MATCH :pm AND paper_id IN ({marks}) ORDER BY paper_id, page"
        )
        pages: dict[int, list[int]] = {}
        first: dict[int, str] = {}
        for pid, page, snip in session.execute(text(pdf), {**params, "pm": q.free}):
            pages.setdefault(int(pid), []).append(int(page))
            first.setdefault(int(pid), snip or "")
        if pages:
            marks_pdf = ",".join(map(str, pages))
            titles: dict[int, str] = {
                int(i): str(t)
                for i, t in session.execute(text(f"SELECT id, title FROM papers WHERE id IN ({marks_pdf})"))
            }
            for pid, found in pages.items():
                base = out.get(pid) or MatchInfo(title=titles.get(pid, ""))
                out[pid] = replace(base, pdf_pages=tuple(found), pdf_snippet=first[pid])
    return out


def _date(v: object) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _datetime(v: object) -> dt.datetime | None:
    if v is None or isinstance(v, dt.datetime):
        return v
    return dt.datetime.fromisoformat(str(v))


def auto_exports(session: Reads) -> list[tuple[str, str, str | None, str | None, str | None, str]]:
    """``(path, scope, value, last written (ISO), last error, format)`` of every auto-exported file, by path."""
    sql = "SELECT path, scope, value, last_written, last_error, format FROM auto_exports ORDER BY path"
    out = []
    for path, scope, value, written, error, fmt in session.execute(text(sql)):
        when = _datetime(written)
        out.append((str(path), str(scope), value, when.isoformat() if when else None, error, fmt or "bibtex"))
    return out


def history_steps(
    session: Reads, member: str, limit: int
) -> list[tuple[int, dt.datetime, str, str, tuple[int, ...]]]:
    """``(id, updated_at, label, state, paper ids)`` of the member's undo steps, newest first."""
    import json

    sql = (
        "SELECT id, updated_at, label, state, papers FROM undo_steps WHERE member = :m "
        "ORDER BY id DESC LIMIT :n"
    )
    rows = session.execute(text(sql), {"m": member, "n": int(limit)})
    return [
        (int(i), _datetime(t) or dt.datetime.min, str(label), str(state), tuple(json.loads(p)))
        for i, t, label, state, p in rows
    ]


def metas(session: Reads, ids: Sequence[int]) -> dict[int, PaperMeta]:
    """The bibliographic fields only (what an export writes) of these papers, by id."""
    if not ids:
        return {}
    idset = ",".join(str(int(i)) for i in ids)
    sql = f"SELECT id, {', '.join(META_FIELDS)} FROM papers WHERE id IN ({idset})"
    return {int(r[0]): decode_meta(tuple(r[1:])) for r in session.execute(text(sql))}


def export_keys(
    session: Reads, f: PaperFilter, leave_out: Sequence[str] = ()
) -> list[tuple[int, str | None]]:
    """``(id, citekey)`` of the papers matching ``f`` (no text query) whose entry type is not
    in ``leave_out``, unordered: an export sorts by key itself, and without an ORDER BY the
    filter's own index is used (the saved papers' keys come from ``ix_papers_export`` alone)."""
    sql, params = export_keys_statement(f, leave_out)
    return [(i, k) for i, k in session.execute(text(sql), params)]


def export_keys_statement(f: PaperFilter, leave_out: Sequence[str] = ()) -> tuple[str, dict[str, object]]:
    """The SQL and parameters :func:`export_keys` runs."""
    if f.query:
        raise ValueError("an export scope has no text query")
    w = _Where()
    _apply_filters(w, f, None)
    if f.feed_date:
        w.params.setdefault("feed_date", f.feed_date)
    if f.list_name:
        w.params.setdefault("list_name", f.list_name)
    if leave_out:  # in SQL, not after: reading the entry types of 10k papers costs 1 ms
        marks = ", ".join(f":leave_out{i}" for i in range(len(leave_out)))
        w.add(
            f"(p.entry_type IS NULL OR p.entry_type NOT IN ({marks}))",
            **{f"leave_out{i}": kind for i, kind in enumerate(leave_out)},
        )
    return f"SELECT p.id, p.citekey FROM papers p{w.sql()}", w.params


def export_rows(session: Reads, ids: Sequence[int], names: Sequence[str]) -> dict[int, tuple[Any, ...]]:
    """Only the named :class:`PaperMeta` fields of these papers, decoded, by id: what an export
    writes (no abstracts, no full records), as tuples in the order of ``names``."""
    if not ids:
        return {}
    unknown = set(names) - set(META_FIELDS)
    if unknown:
        raise ValueError(f"not paper fields: {sorted(unknown)}")
    decode = [(i, CODECS[n][0]) for i, n in enumerate(names, 1) if not _passes_through(n)]
    idset = ",".join(str(int(i)) for i in ids)
    sql = f"SELECT id, {', '.join(names)} FROM papers WHERE id IN ({idset})"
    out: dict[int, tuple[Any, ...]] = {}
    for r in session.execute(text(sql)):
        values = list(r)
        for i, d in decode:
            values[i] = d(values[i])
        out[values[0]] = tuple(values[1:])
    return out


_PROBE = object()


@functools.cache
def _row_decoders() -> tuple[tuple[int, Decode], ...]:
    """The decoders of ``ROW_COLUMNS`` that change values, by position (tuples, not mappings:
    a list of 500 papers calls 20,000 decoders otherwise, most of them returning their input)."""
    return tuple((i, CODECS[n][0]) for i, n in enumerate(ROW_COLUMNS) if not _passes_through(n))


@functools.cache
def _passes_through(name: str) -> bool:
    """Whether a column's decoder returns every value as it is (most optional text and numbers),
    so a bulk read can skip calling it."""
    decode = CODECS[name][0]
    try:
        return decode(None) is None and decode(_PROBE) is _PROBE
    except (TypeError, ValueError):
        return False


def rows(session: Reads, ids: Sequence[int], root: Path) -> list[PaperRow]:
    """Full records for these paper ids, in the given order (missing ids are dropped)."""
    if not ids:
        return []
    idset = ",".join(str(int(i)) for i in ids)
    tags: dict[int, list[str]] = {}
    for pid, name in session.execute(
        text(
            f"SELECT pt.paper_id, t.name FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id "
            f"WHERE pt.paper_id IN ({idset}) ORDER BY t.name COLLATE NOCASE"
        )
    ):
        tags.setdefault(pid, []).append(name)
    dates: dict[int, list[dt.date]] = {}
    for pid, d in session.execute(
        text(
            f"SELECT paper_id, feed_date FROM feed_appearances WHERE paper_id IN ({idset}) ORDER BY feed_date"
        )
    ):
        dates.setdefault(pid, []).append(_date(d))  # type: ignore[arg-type]
    pdfs: dict[int, str] = {}
    for pid, path in session.execute(
        text(f"SELECT paper_id, path FROM attachments WHERE paper_id IN ({idset}) ORDER BY id")
    ):
        pdfs.setdefault(pid, str((root / path).resolve()))
    lists: dict[int, list[str]] = {}
    for pid, name in session.execute(
        text(
            f"SELECT li.paper_id, rl.name FROM list_items li JOIN reading_lists rl ON rl.id = li.list_id "
            f"WHERE li.paper_id IN ({idset}) ORDER BY rl.position, rl.name"
        )
    ):
        lists.setdefault(pid, []).append(name)
    by_id = {}
    cols = ", ".join(ROW_COLUMNS)
    decoders = _row_decoders()
    for r in session.execute(text(f"SELECT {cols} FROM papers WHERE id IN ({idset})")):
        values = list(r)
        for i, decode in decoders:
            values[i] = decode(values[i])
        fields = dict(zip(ROW_COLUMNS, values, strict=True))
        pid = fields["id"]
        by_id[pid] = PaperRow(
            **fields,
            feed_dates=tuple(dates.get(pid, ())),
            tags=tuple(tags.get(pid, ())),
            lists=tuple(lists.get(pid, ())),
            pdf=pdfs.get(pid),
        )
    return [by_id[i] for i in ids if i in by_id]

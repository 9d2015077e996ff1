"""The search syntax on PostgreSQL: the FTS5 expressions of :mod:`readinglist.search`, as tsquery.

:func:`readinglist.search.parse_query` quotes every user word for FTS5 (``"word"``, ``"a
phrase"``, ``"pre"*``) and joins them with ``AND``/``OR``/``NOT`` and ``authors : (...)``.
:func:`to_tsquery` reads exactly that language back and writes the same query for
``papers_fts.tsv`` (migration 0009_lab): phrases as ``<->`` chains, prefixes as ``:*``, the
authors column as weight ``B``, ``x NOT y`` as ``x & !y``. Both engines give NOT the tightest
binding, then AND, then OR, so the translation keeps the grouping. Words are runs of letters
and digits, as FTS5's unicode61 tokenizer cuts them.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from readinglist.records import MatchInfo, SearchHit
from readinglist.recordtype import replace
from readinglist.search import MARK_CLOSE, MARK_OPEN, ParsedQuery

_TOKENS = re.compile(r'"((?:[^"]|"")*)"(\*?)|(\()|(\))|(AND|OR|NOT)\b|(authors)\s*:\s*\(|(\S)')
_WORD = re.compile(r"[^\W_]+")
NOTHING = "'\ue002'"  # a lexeme no text holds: a phrase of no words matches nothing, as in FTS5
# Weights as the bm25 weights on SQLite rank them: title, authors, abstract, the rest.
RANK = "ts_rank_cd('{0.2, 0.3, 0.6, 1.0}', ft.tsv, q.q)"


def _phrase(body: str, prefix: bool, weight: str) -> str:
    words = [w.lower() for w in _WORD.findall(body.replace('""', '"'))]
    if not words:
        return NOTHING
    parts = [f"'{w}':{weight}" if weight else f"'{w}'" for w in words]
    if prefix:
        last = parts[-1]
        parts[-1] = f"'{words[-1]}':*{weight}" if weight else last + ":*"
    return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


def to_tsquery(expr: str) -> str:
    """The tsquery text of an FTS5 expression made by :func:`readinglist.search.parse_query`."""
    out: list[str] = []
    weights: list[str] = []  # per open parenthesis: the weight inside it
    for m in _TOKENS.finditer(expr):
        phrase, star, opened, closed, op, column, other = m.groups()
        weight = next((w for w in reversed(weights) if w), "")
        if phrase is not None:
            out.append(_phrase(phrase, bool(star), weight))
        elif opened:
            weights.append("")
            out.append("(")
        elif closed:
            if weights:
                weights.pop()
            out.append(")")
        elif column:
            weights.append("B")
            out.append("(")
        elif op == "AND":
            out.append("&")
        elif op == "OR":
            out.append("|")
        elif op == "NOT":
            out.append("& !")
        elif other:
            raise ValueError(f"unexpected {other!r} in a search expression")
    return " ".join(out)


def search(session: Session, q: ParsedQuery, filters: str, params: dict[str, object], *,
           limit: int | None, rank_limit: int) -> list[SearchHit]:  # fmt: skip
    """Metadata hits ranked with ts_rank_cd (newest first beyond ``rank_limit`` hits), then
    papers found only in their PDF text."""
    p = dict(params, tq=to_tsquery(q.text or ""))
    base = (
        "FROM papers_fts ft JOIN papers p ON p.id = ft.rowid, to_tsquery('simple', rl_unaccent(:tq)) q(q) "
        f"WHERE ft.tsv @@ q.q{filters}"
    )
    n = session.execute(text(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {rank_limit + 1}) x"), p)
    many = n.scalar_one() > rank_limit
    order = "ft.rowid DESC" if many else f"{RANK} DESC, ft.rowid DESC"
    lim = f" LIMIT {int(limit)}" if limit else ""
    meta_ids = list(session.execute(text(f"SELECT p.id {base} ORDER BY {order}{lim}"), p).scalars())
    hits = [SearchHit(pid) for pid in meta_ids]
    if q.free and (limit is None or len(hits) < limit):
        hits.extend(_pdf_hits(session, q, filters, params, set(meta_ids), limit and limit - len(hits)))
    return hits


def _pdf_hits(session: Session, q: ParsedQuery, filters: str, params: dict[str, object],
              exclude: set[int], limit: int | None) -> list[SearchHit]:  # fmt: skip
    p = dict(params, pq=to_tsquery(q.free or ""))
    author = ""
    if q.authors:
        author = (
            " AND p.id IN (SELECT rowid FROM papers_fts WHERE tsv @@ to_tsquery('simple', rl_unaccent(:aq)))"
        )
        p["aq"] = to_tsquery(q.authors)
    sql = (
        "SELECT pf.paper_id, string_agg(pf.page::text, ',') FROM pdf_fts pf "
        "JOIN papers p ON p.id = pf.paper_id, to_tsquery('simple', rl_unaccent(:pq)) q(q) "
        f"WHERE pf.tsv @@ q.q{filters}{author} "
        "GROUP BY pf.paper_id ORDER BY max(ts_rank_cd(pf.tsv, q.q)) DESC, pf.paper_id"
    )
    from readinglist.db.queries import pdf_hits_of

    return pdf_hits_of(session.execute(text(sql), p), exclude, limit)


def pdf_pages(session: Session, paper_id: int, free: str) -> tuple[int, ...]:
    rows = session.execute(
        text(
            "SELECT page FROM pdf_fts WHERE tsv @@ to_tsquery('simple', rl_unaccent(:q)) AND paper_id = :pid ORDER BY page"
        ),
        {"q": to_tsquery(free), "pid": paper_id},
    )
    return tuple(int(r[0]) for r in rows)


def _opts(words: int) -> str:
    return (
        f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords={words}, MinWords={max(3, words // 3)}, "
        "MaxFragments=0"  # one passage around the best match, with the words before it (as FTS5)
    )


def match_info(session: Session, q: ParsedQuery, marks: str, *, full: bool) -> dict[int, MatchInfo]:
    """Why each paper matched, from ts_headline (the counterpart of FTS5's highlight/snippet)."""
    out: dict[int, MatchInfo] = {}
    whole = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, HighlightAll=true"
    if q.text:
        tq = to_tsquery(q.text)
        abstract = "ts_headline('simple', ft.abstract, q.q, :whole)" if full else "NULL"
        sql = (
            "SELECT ft.rowid, ts_headline('simple', ft.title, q.q, :whole), "
            "ts_headline('simple', concat_ws(' ', ft.abstract, ft.authors, ft.tags, ft.notes, ft.annots), "
            f"q.q, :snip), {abstract} FROM papers_fts ft, to_tsquery('simple', rl_unaccent(:tq)) q(q) "
            f"WHERE ft.tsv @@ q.q AND ft.rowid IN ({marks})"
        )
        for pid, title, snip, abs_ in session.execute(
            text(sql), {"tq": tq, "whole": whole, "snip": _opts(24)}
        ):
            snip = snip if snip and MARK_OPEN in snip else ""
            out[int(pid)] = MatchInfo(title=title, snippet=snip, abstract=abs_)
    if q.free:
        sql = (
            "SELECT pf.paper_id, pf.page, ts_headline('simple', pf.body, q.q, :snip) "
            "FROM pdf_fts pf, to_tsquery('simple', rl_unaccent(:pq)) q(q) "
            f"WHERE pf.tsv @@ q.q AND pf.paper_id IN ({marks}) ORDER BY pf.paper_id, pf.page"
        )
        pages: dict[int, list[int]] = {}
        first: dict[int, str] = {}
        for pid, page, snip in session.execute(text(sql), {"pq": to_tsquery(q.free), "snip": _opts(16)}):
            pages.setdefault(int(pid), []).append(int(page))
            first.setdefault(int(pid), snip or "")
        if pages:
            ids = ",".join(map(str, pages))
            titles = {
                int(i): str(t)
                for i, t in session.execute(text(f"SELECT id, title FROM papers WHERE id IN ({ids})"))
            }
            for pid, found in pages.items():
                base = out.get(pid) or MatchInfo(title=titles.get(pid, ""))
                out[pid] = replace(base, pdf_pages=tuple(found), pdf_snippet=first[pid])
    return out


def is_postgres(session: object) -> bool:
    """A session on PostgreSQL (the stdlib SQLite reader has no bind: never)."""
    get_bind = getattr(session, "get_bind", None)
    return get_bind is not None and get_bind().dialect.name == "postgresql"

"""What the recommender reads from the library: one row per paper, in a single pass."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text

from readinglist.services.library import Library

# Weak negatives: feed papers the user neither kept nor dismissed, sampled up to this many
# times the number of kept papers, and only those listed at least WEAK_AFTER_DAYS days before the
# newest feed day (the papers a user has not had time to look at are not negatives).
WEAK_NEGATIVE_RATIO = 3
WEAK_AFTER_DAYS = 3


@dataclass(frozen=True)
class Doc:
    """A paper as the recommender sees it."""

    id: int
    title: str
    digest: str  # of its text's sources (:func:`source_digest`): are its cached features right?
    first_date: dt.date  # the first feed day it was listed on, else the day it was added
    upvotes: int
    kept: bool  # saved, starred, reading/read, tagged or in a list
    dismissed: bool
    saved: bool
    tags: tuple[str, ...] = ()
    feed_dates: tuple[dt.date, ...] = field(default=())
    # Title + abstract + author tokens (:func:`doc_text`, never empty), or "" when loaded without
    # it: the recommender keeps 100k papers in memory, and their texts would be 130 MB of it.
    text: str = ""


# Names doc_text's recipe in every digest: change it with doc_text, and the features of every
# paper are made again.
TEXT_RECIPE = "doc_text 1"


def source_digest(title: str, abstract: str, authors: str) -> str:
    """Whether a paper's text changed since its features were cached: a digest of what
    :func:`doc_text` makes it from (``authors`` as stored, JSON) and of its recipe, not of the
    text itself, which then is only built where it is read (building it to hash it was half
    of reading 100k papers, 0.7 s). CRC-32 and Adler-32 side by side, 64 bits, both in C (a
    cryptographic hash cost 0.27 s per 100k)."""
    b = "\x1f".join((TEXT_RECIPE, title, abstract, authors)).encode("utf-8")
    return f"{zlib.crc32(b):08x}{zlib.adler32(b):08x}"


# What str.isalnum() refuses: re's \w is the same test (Py_UNICODE_ISALNUM) and the underscore.
_NOT_ALNUM = re.compile(r"[\W_]+")


def author_token(name: str) -> str:
    """An author as one token (``au_ilse_brandt``), so names match only as whole names: each
    word's letters and digits. (By regex: a generator over characters was half of reading the
    library for For you, 0.9 s at 100k papers.)"""
    return "au_" + "_".join([_NOT_ALNUM.sub("", part) for part in name.lower().split()])


def doc_text(title: str, abstract: str, authors: list[str]) -> str:
    # The title counts twice: it is the densest statement of what a paper is about.
    return " ".join([title, title, abstract, *(author_token(a) for a in authors)])


def _d(v: object) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


_DOCS_SQL = """
SELECT p.id, p.title, p.abstract, p.authors, p.upvotes, p.saved, p.dismissed, p.starred, p.status,
       p.added_at,
       (SELECT {dates} FROM feed_appearances fa WHERE fa.paper_id = p.id),
       (SELECT {tags} FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id
         WHERE pt.paper_id = p.id AND NOT pt.auto),
       EXISTS (SELECT 1 FROM list_items li WHERE li.paper_id = p.id)
FROM papers p {where} ORDER BY p.id
"""
# The one difference between the engines here: SQLite (3.40) has group_concat, PostgreSQL string_agg.
_AGG = {
    "sqlite": {"dates": "group_concat(fa.feed_date, ' ')", "tags": "group_concat(t.name, char(31))",
               "names": "group_concat(id || ':' || name, ',')"},
    "postgresql": {"dates": "string_agg(CAST(fa.feed_date AS TEXT), ' ')", "tags": "string_agg(t.name, chr(31))",
                   "names": "string_agg(CAST(id AS TEXT) || ':' || name, ',' ORDER BY id)"},
}  # fmt: skip


def _agg(s: Any) -> dict[str, str]:
    return _AGG["postgresql" if s.get_bind().dialect.name == "postgresql" else "sqlite"]


def _authors(v: object) -> list[str]:
    if isinstance(v, list):  # a JSON column on PostgreSQL comes back decoded
        return [str(a) for a in v]
    return list(json.loads(str(v or "[]")))


def load_docs(lib: Library, ids: Collection[int] | None = None, *, with_text: bool = True) -> list[Doc]:
    """Every paper (by id), or only those of ``ids`` that still exist; without their texts
    (only digests) unless ``with_text``."""
    docs: list[Doc] = []
    with lib.read() as s:
        if ids is None:
            rows = s.execute(text(_DOCS_SQL.format(where="", **_agg(s))))
        else:
            sql = text(_DOCS_SQL.format(where="WHERE p.id IN :ids", **_agg(s)))
            rows = s.execute(sql.bindparams(bindparam("ids", expanding=True)), {"ids": sorted(ids)})
        for row in rows:
            pid, title, abstract, authors, upvotes, saved, dismissed, starred, status, added = row[:10]
            dates_raw, tags_raw, in_list = row[10:]
            dates = tuple(sorted(dt.date.fromisoformat(x[:10]) for x in (dates_raw or "").split()))
            tags = tuple(sorted(tags_raw.split("\x1f"))) if tags_raw else ()
            kept = bool(saved or starred or status in ("reading", "read") or tags or in_list)
            first = dates[0] if dates else (_d(added) or dt.date.today())
            stored = authors if isinstance(authors, str) else json.dumps(authors, ensure_ascii=False)
            docs.append(
                Doc(
                    id=int(pid),
                    title=title or "",
                    digest=source_digest(title or "", abstract or "", stored or "[]"),
                    text=doc_text(title or "", abstract or "", _authors(authors)) if with_text else "",
                    first_date=first,
                    upvotes=int(upvotes or 0),
                    kept=kept,
                    dismissed=bool(dismissed) and not kept,
                    saved=bool(saved),
                    tags=tags,
                    feed_dates=dates,
                )
            )
    return docs


# Written for both engines: booleans cast to integers, sums that are 0 on an empty table.
_STATE_SQL = (
    "SELECT count(*), max(id), max(modified_at), coalesce(sum(CAST(id AS BIGINT) * (CAST(saved AS INTEGER) "
    "+ 2 * CAST(dismissed AS INTEGER) + 4 * CAST(starred AS INTEGER) + 8 * CAST(status != 'unread' AS INTEGER))), 0) "
    "FROM papers",
    "SELECT count(*), coalesce(sum(CAST(paper_id AS BIGINT) * 7919 + tag_id), 0) FROM paper_tags WHERE NOT auto",
    "SELECT count(*), coalesce(sum(CAST(paper_id AS BIGINT) * 7919 + list_id), 0) FROM list_items",
    "SELECT count(*), max(feed_date), coalesce(sum(upvotes), 0) FROM feed_appearances",
    "SELECT {names} FROM tags",
)


def library_state(lib: Library) -> str:
    """A short fingerprint of everything the models learn from: it changes when the library does."""
    h = hashlib.blake2b(digest_size=10)
    with lib.read() as s:
        for sql in _STATE_SQL:
            h.update(repr(tuple(s.execute(text(sql.format(**_agg(s)))).one())).encode())
    return h.hexdigest()

"""Upserting paper metadata from any source, without ever touching user data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from readinglist.db.paperfields import META_COLUMNS, encode_meta
from readinglist.db.schema import FeedAppearance, Paper, utcnow
from readinglist.records import FeedItem, PaperMeta
from readinglist.textutil import normalize_title

if TYPE_CHECKING:
    from readinglist.services.unit import Transaction

_CHUNK = 500


def meta_columns(m: PaperMeta) -> dict[str, object]:
    """The database values of a source's metadata (empty values as None / '')."""
    return encode_meta(m)


_EMPTY = (None, "", "[]")


def _plain(v: object) -> object:
    """Raw SQL gives dates back as ISO strings; compare like with like."""
    return v.isoformat() if isinstance(v, dt.date) else v


def merged_update(old: dict[str, object], new: dict[str, object], *, fill_only: bool) -> dict[str, object]:
    """Columns to change. A source never blanks a known value; ``fill_only`` also never replaces one.

    The version only moves forward.
    """
    out: dict[str, object] = {}
    for col in META_COLUMNS:
        nv, ov = new.get(col), old.get(col)
        if nv in _EMPTY or _plain(nv) == _plain(ov):
            continue
        if col == "version" and ov is not None and int(nv) <= int(ov):  # type: ignore[call-overload]
            continue
        if col == "title_norm":
            continue
        if fill_only and ov not in _EMPTY and col != "version":
            continue
        out[col] = nv
        if col == "title":
            out["title_norm"] = new["title_norm"]
    return out


class _TakenKeys:
    """Which citation keys are taken: the library's and those given out in this batch.

    Key makers probe a base key, then base+"a", base+"b", ...: the first probe of a base reads
    every library key starting with it in one range scan of the NOCASE unique index, and the
    following probes are answered from that. The cost follows the batch, not the library.
    Keys differing only in case count as the same key: biber and pybtex treat them so.
    """

    def __init__(self, session: Session) -> None:
        # The DB-API cursor of the session's own connection (same transaction).
        self.cursor = session.connection().connection.cursor()
        self._sql = "SELECT citekey FROM papers WHERE citekey >= ? AND citekey < ?"
        if session.get_bind().dialect.name == "postgresql":  # ICU's NOCASE orders otherwise
            self._sql = (
                'SELECT citekey FROM papers WHERE lower(citekey) COLLATE "C" >= %s '
                'AND lower(citekey) COLLATE "C" < %s'
            )
        self.batch: set[str] = set()
        self._base = ""
        self._near: set[str] = set()

    def __contains__(self, key: object) -> bool:
        k = str(key).casefold()
        if k in self.batch:
            return True
        if not (self._base and k.startswith(self._base)):
            # Keys are ASCII ([A-Za-z0-9_:-]), all sorting below "\x7f".
            self.cursor.execute(self._sql, (k, k + "\x7f"))
            rows = self.cursor.fetchall()
            self._base, self._near = k, {r[0].casefold() for r in rows}
        return k in self._near

    def add(self, key: str) -> None:
        self.batch.add(key.casefold())


def _usable_key(key: str) -> bool:
    from readinglist.bibtex.citekeys import validate_citekey
    from readinglist.errors import BibtexError

    try:
        validate_citekey(key)
    except BibtexError:
        return False
    return True


@dataclass
class UpsertResult:
    ids: list[int] = field(default_factory=list)  # one per input meta, in order
    new: set[int] = field(default_factory=set)
    updated: set[int] = field(default_factory=set)


def find_existing(session: Session, metas: Sequence[PaperMeta]) -> list[int | None]:
    """Match each meta to a library paper: by arXiv id, then DOI, then normalized title."""
    ids: list[int | None] = [None] * len(metas)
    by_arxiv: dict[str, int] = {}
    arxiv_ids = sorted({m.arxiv_id for m in metas if m.arxiv_id})
    for i in range(0, len(arxiv_ids), _CHUNK):
        chunk = arxiv_ids[i : i + _CHUNK]
        for hit, aid in session.execute(select(Paper.id, Paper.arxiv_id).where(Paper.arxiv_id.in_(chunk))):
            if aid is not None:
                by_arxiv[aid] = hit
    for n, m in enumerate(metas):
        if m.arxiv_id and m.arxiv_id in by_arxiv:
            ids[n] = by_arxiv[m.arxiv_id]
            continue
        if m.doi:
            pid = session.execute(select(Paper.id).where(Paper.doi == m.doi).limit(1)).scalar_one_or_none()
            if pid is not None:
                ids[n] = pid
                continue
        if not m.arxiv_id or m.doi:
            norm = normalize_title(m.title)
            if len(norm) >= 12:  # very short titles ("Introduction") are not evidence
                pid = session.execute(
                    select(Paper.id).where(Paper.title_norm == norm).limit(1)
                ).scalar_one_or_none()
                if pid is not None:
                    ids[n] = pid
                    continue
        if m.citekey:
            ids[n] = _by_key(session, m.citekey, normalize_title(m.title))
    return ids


def _by_key(session: Session, key: str, norm: str) -> int | None:
    """The paper a .bib key already names (as its key or an alias), if the title agrees: how a
    re-import finds papers with short titles ("DevOps") that title matching leaves alone."""
    pid = session.execute(
        select(Paper.id).where(Paper.citekey == key, Paper.title_norm == norm).limit(1)
    ).scalar_one_or_none()
    if pid is not None:
        return int(pid)
    from readinglist.db.schema import ImportLink

    alias = session.execute(
        select(Paper.id)
        .join(ImportLink, ImportLink.paper_id == Paper.id)
        .where(
            ImportLink.source == "citekey-alias", ImportLink.key == key.casefold(), Paper.title_norm == norm
        )
        .limit(1)
    ).scalar_one_or_none()
    return int(alias) if alias is not None else None


def upsert_papers(
    tx: Transaction,
    metas: Sequence[PaperMeta],
    *,
    make_key: Callable[[PaperMeta, Callable[[str], bool]], str],
    fill_only: bool = False,
    user_defaults: dict[str, object] | None = None,
) -> UpsertResult:
    """Insert new papers (with a fresh citation key) and update known ones from ``metas``.

    ``user_defaults`` sets user columns on NEW papers only (e.g. ``saved=True`` for ``add``).
    Runs inside the caller's change: captures what it updates, records what it creates, and
    marks both touched (so their search rows are rewritten at commit).
    """
    session = tx.session
    result = UpsertResult()
    existing = find_existing(session, metas)
    # Deduplicate the batch itself: the same paper twice in one input becomes one row.
    first_index: dict[str, int] = {}
    old_rows: dict[int, dict[str, object]] = {}
    known = sorted({pid for pid in existing if pid is not None})
    tx.capture("papers", known)
    for i in range(0, len(known), _CHUNK):
        names = ", ".join(("id", *META_COLUMNS))
        marks = ",".join(str(x) for x in known[i : i + _CHUNK])
        for found in session.execute(text(f"SELECT {names} FROM papers WHERE id IN ({marks})")).mappings():
            old_rows[found["id"]] = dict(found)
    taken = _TakenKeys(session)
    inserts: list[dict[str, object]] = []
    insert_slots: list[int] = []
    updates: dict[int, dict[str, object]] = {}
    slot_of_batch_dup: dict[int, int] = {}
    now = utcnow()
    for n, m in enumerate(metas):
        key = m.arxiv_id or (m.doi or "").lower() or normalize_title(m.title)
        if not m.arxiv_id and not m.doi and len(key) < 12:  # a short title is not evidence
            key = f"{key}\0{m.citekey or n}"
        if key in first_index:
            slot_of_batch_dup[n] = first_index[key]
            continue
        first_index[key] = n
        cols = meta_columns(m)
        pid = existing[n]
        if pid is None:
            wanted = m.citekey if m.citekey and _usable_key(m.citekey) and m.citekey not in taken else None
            citekey = wanted or make_key(m, taken.__contains__)
            taken.add(citekey)
            row = dict(cols, arxiv_id=m.arxiv_id, citekey=citekey, added_at=now, modified_at=now)
            if user_defaults:
                row.update(user_defaults)
            inserts.append(row)
            insert_slots.append(n)
        else:
            old = old_rows.get(pid, {})
            if m.version is not None and old.get("version") is not None and m.version < int(old["version"]):  # type: ignore[call-overload]
                changes = {}  # an older version never overwrites a newer one
            else:
                changes = merged_update(old, cols, fill_only=fill_only)
            if changes:
                prior = updates.setdefault(pid, {"id": pid})
                prior.update(changes)
                prior["modified_at"] = now
    ids: list[int | None] = list(existing)
    if inserts:
        # Core insert on the table: the ORM's bulk path costs about a third more here.
        table = cast(Table, Paper.__table__)  # SQLAlchemy types it as any FromClause
        new_rows = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), inserts
        ).all()
        for slot, (pid,) in zip(insert_slots, new_rows, strict=True):
            ids[slot] = pid
            result.new.add(pid)
    if updates:
        session.execute(update(Paper), list(updates.values()))  # ORM bulk update by primary key
        result.updated.update(updates)
    for n, first in slot_of_batch_dup.items():
        ids[n] = ids[first]
    result.ids = [int(i) for i in ids]  # type: ignore[arg-type]
    if result.new:
        tx.created_papers(result.new)
    tx.touched(papers=result.new | result.updated)
    return result


@dataclass
class FeedIngest:
    new: set[int]
    updated: set[int]
    unchanged: set[int]


def ingest_feed_items(
    tx: Transaction,
    day: dt.date,
    items: Sequence[FeedItem],
    *,
    make_key: Callable[[PaperMeta, Callable[[str], bool]], str],
) -> FeedIngest:
    """Upsert one feed day: papers, their appearance on ``day``, and the denormalized counts."""
    if not items:
        return FeedIngest(set(), set(), set())
    session = tx.session
    up = upsert_papers(tx, [it.paper for it in items], make_key=make_key)
    pids = up.ids
    before = {
        pid: (upv, com)
        for pid, upv, com in session.execute(
            select(FeedAppearance.paper_id, FeedAppearance.upvotes, FeedAppearance.num_comments).where(
                FeedAppearance.feed_date == day, FeedAppearance.paper_id.in_(pids)
            )
        )
    }
    now = utcnow()
    rows = [
        {
            "paper_id": pid,
            "feed_date": day,
            "upvotes": it.upvotes,
            "num_comments": it.num_comments,
            "submitted_by": it.submitted_by,
            "first_seen": now,
            "last_seen": now,
        }
        for pid, it in zip(pids, items, strict=True)
    ]
    # The same upsert (ON CONFLICT ... DO UPDATE) on either engine: each day's row written once.
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(cast(Table, FeedAppearance.__table__))
    stmt = stmt.on_conflict_do_update(
        index_elements=["paper_id", "feed_date"],
        set_={
            "upvotes": stmt.excluded.upvotes,
            "num_comments": stmt.excluded.num_comments,
            "submitted_by": stmt.excluded.submitted_by,
            "last_seen": stmt.excluded.last_seen,
        },
    )
    session.execute(stmt, rows)
    marks = ",".join(str(p) for p in set(pids))
    session.execute(
        text(
            "UPDATE papers SET "
            "upvotes = (SELECT max(upvotes) FROM feed_appearances fa WHERE fa.paper_id = papers.id), "
            "num_comments = (SELECT max(num_comments) FROM feed_appearances fa WHERE fa.paper_id = papers.id), "
            "last_feed_date = (SELECT max(feed_date) FROM feed_appearances fa WHERE fa.paper_id = papers.id) "
            f"WHERE id IN ({marks})"
        )
    )
    counts_changed = {
        pid
        for pid, it in zip(pids, items, strict=True)
        if pid not in up.new and before.get(pid) != (it.upvotes, it.num_comments)
    }
    updated = (up.updated | counts_changed) - up.new
    unchanged = set(pids) - up.new - updated
    return FeedIngest(up.new, updated, unchanged)

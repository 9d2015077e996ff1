"""Upserting paper metadata from any source, without ever touching user data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Boolean, Date, DateTime, Table, select, text, update
from sqlalchemy.orm import Session

from readinglist.bibtex.citekeys import free_key
from readinglist.db.paperfields import META_COLUMNS, encode_meta
from readinglist.db.schema import FeedAppearance, Paper, SyncedDay, utcnow
from readinglist.records import FeedItem, PaperMeta
from readinglist.textutil import normalize_title

if TYPE_CHECKING:
    from readinglist.services.unit import Transaction

_CHUNK = 500
# meta, is-this-key-taken, and the taken keys sharing a base: see citekeys.make_citekey
MakeKey = Callable[[PaperMeta, Callable[[str], bool], Callable[[str], Container[str]]], str]


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

    Key makers probe a base key, then base+"a", base+"b", ...: every library key starting
    with a base (its family) comes from one range scan of the NOCASE unique index, and the
    following probes are answered from that. :meth:`preload_families` makes those scans for a
    whole batch's bases in one query per chunk; a base not preloaded gets its own scan. The
    cost follows the batch, not the library. Keys differing only in case count as the same
    key: biber and pybtex treat them so.
    """

    def __init__(self, session: Session) -> None:
        # The DB-API cursor of the session's own connection (same transaction).
        self.cursor = session.connection().connection.cursor()
        self._pg = session.get_bind().dialect.name == "postgresql"
        # ICU's NOCASE orders otherwise on PostgreSQL: compare the folded key bytewise there.
        self._col = 'lower(p.citekey) COLLATE "C"' if self._pg else "p.citekey"
        self.batch: set[str] = set()
        self._families: dict[str, set[str]] = {}  # casefolded base -> library keys starting with it
        self._last = ""  # the base probed last
        self._asked: set[str] = set()  # keys looked up ahead (preload), casefolded
        self._held: set[str] = set()  # those of them the library has

    def preload(self, session: Session, keys: Iterable[str]) -> None:
        """Look up the keys an input asks for in one query per chunk (instead of one range
        scan each): an import of 10,000 keyed entries then probes nothing one by one."""
        wanted = {k for k in keys if k} - self.batch
        self._held.update(str(k).casefold() for k, _ in _lookup(session, "citekey", wanted))
        self._asked.update(k.casefold() for k in wanted)

    def preload_families(self, bases: Iterable[str]) -> None:
        """Read the families of these bases: one query per chunk, each base a range of the
        index (a sync of 10,000 new papers made 10,000 scans before)."""
        todo = sorted({b.casefold() for b in bases} - self._families.keys())
        mark = "%s" if self._pg else "?"
        for i in range(0, len(todo), _CHUNK):
            chunk = todo[i : i + _CHUNK]
            ranges = ",".join([f"({mark}, {mark})"] * len(chunk))
            # Keys are ASCII ([A-Za-z0-9_:-]), all sorting below "\x7f".
            args = [x for b in chunk for x in (b, b + "\x7f")]
            self.cursor.execute(
                f"WITH r(lo, hi) AS (VALUES {ranges}) SELECT r.lo, p.citekey FROM r "
                f"JOIN papers p ON {self._col} >= r.lo AND {self._col} < r.hi",
                args,
            )
            found: dict[str, set[str]] = {b: set() for b in chunk}
            for lo, key in self.cursor.fetchall():
                found[lo].add(str(key).casefold())
            self._families.update(found)

    def __contains__(self, key: object) -> bool:
        k = str(key).casefold()
        if k in self.batch:
            return True
        if k in self._asked:
            return k in self._held
        return k in self._library_keys_from(k)

    def _library_keys_from(self, k: str) -> set[str]:
        """The library's keys (casefolded) starting with ``k``: a preloaded family, a family
        that holds ``k``'s (a longer key starts with its base), or one range scan."""
        fam = self._families.get(k)
        if fam is None:
            if self._last and k.startswith(self._last):  # base+"a", base+"b" … after base
                return self._families[self._last]
            self.preload_families([k])
            fam = self._families[k]
        self._last = k
        return fam

    def family(self, base: str) -> Container[str]:
        """Every taken key (casefolded) that starts with ``base``: the library's, read by the
        same range scan a probe of ``base`` makes, and this batch's."""
        return _Either(self._library_keys_from(base.casefold()), self.batch)

    def add(self, key: str) -> None:
        self.batch.add(key.casefold())


class _Either(Container[str]):
    """In either of two sets, without building their union."""

    __slots__ = ("_a", "_b")

    def __init__(self, a: set[str], b: set[str]) -> None:
        self._a, self._b = a, b

    def __contains__(self, key: object) -> bool:
        return key in self._a or key in self._b


def _never(_key: str) -> bool:
    return False


def _no_family(_base: str) -> Container[str]:
    return ()


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


def _marks(session: Session, n: int) -> str:
    """``n`` parameter places in the driver's own style (sqlite3: ``?``, psycopg: ``%s``)."""
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    return ",".join([mark] * n)


def _lookup(session: Session, column: str, values: Iterable[str], *extra: str) -> list[tuple[Any, ...]]:
    """``(column, id, *extra)`` of the papers whose ``column`` is one of ``values``.

    On the DB-API cursor of the session's connection (the same transaction), one query per
    chunk: SQLAlchemy's expanding IN costs more to build than these queries take to run.
    """
    wanted = sorted(set(values))
    cursor = session.connection().connection.cursor()
    names = ", ".join((column, "id", *extra))
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        cursor.execute(f"SELECT {names} FROM papers WHERE {column} IN ({_marks(session, len(chunk))})", chunk)
        out.extend(cursor.fetchall())
    return out


def find_existing(
    session: Session, metas: Sequence[PaperMeta], *, norms: Sequence[str] | None = None
) -> list[int | None]:
    """Match each meta to a library paper: by arXiv id, then DOI, then normalized title, then
    the .bib key (see :func:`_by_keys`). One query per kind of evidence (per chunk of values),
    not per paper: an import of 10,000 entries asks a handful of questions."""
    ids: list[int | None] = [None] * len(metas)  # ``norms``: the titles normalized, if known
    by_arxiv = {
        aid: int(pid) for aid, pid in _lookup(session, "arxiv_id", (m.arxiv_id for m in metas if m.arxiv_id))
    }
    todo: list[int] = []
    for n, m in enumerate(metas):
        if m.arxiv_id and m.arxiv_id in by_arxiv:
            ids[n] = by_arxiv[m.arxiv_id]
        else:
            todo.append(n)
    # DOIs compare without case (the column's NOCASE collation); the lowest id wins a tie.
    by_doi: dict[str, int] = {}
    for doi, pid in _lookup(session, "doi", (metas[n].doi or "" for n in todo if metas[n].doi)):
        key = str(doi).lower()
        by_doi[key] = min(int(pid), by_doi.get(key, int(pid)))
    titles: dict[int, str] = {}
    rest: list[int] = []
    for n in todo:
        m = metas[n]
        if m.doi and m.doi.lower() in by_doi:
            ids[n] = by_doi[m.doi.lower()]
        elif not m.arxiv_id or m.doi:
            titles[n] = norms[n] if norms is not None else normalize_title(m.title)
            rest.append(n)
        elif m.citekey:
            rest.append(n)
    by_title: dict[str, int] = {}
    # Very short titles ("Introduction") are not evidence.
    usable = [t for t in titles.values() if len(t) >= 12]
    for norm, pid in _lookup(session, "title_norm", usable):
        by_title[norm] = min(int(pid), by_title.get(norm, int(pid)))
    keyed: list[int] = []
    for n in rest:
        norm = titles.get(n, "")
        if len(norm) >= 12 and norm in by_title:
            ids[n] = by_title[norm]
        elif metas[n].citekey:
            keyed.append(n)
    if keyed:
        pairs = [
            (metas[n].citekey or "", norms[n] if norms is not None else normalize_title(metas[n].title))
            for n in keyed
        ]
        found = _by_keys(session, pairs)
        for n, pid in zip(keyed, found, strict=True):
            ids[n] = pid
    return ids


def _by_keys(session: Session, wanted: Sequence[tuple[str, str]]) -> list[int | None]:
    """The papers .bib keys already name (as their key or an alias), where the normalized title
    agrees: how a re-import finds papers with short titles ("DevOps") that title matching
    leaves alone. ``wanted`` is (key, normalized title) pairs; keys compare without case."""
    from readinglist.db.schema import ImportLink

    by_key = {
        str(key).casefold(): (int(pid), norm)
        for key, pid, norm in _lookup(session, "citekey", (k for k, _ in wanted), "title_norm")
    }
    out: list[int | None] = []
    missing: list[int] = []
    for n, (key, norm) in enumerate(wanted):
        hit = by_key.get(key.casefold())
        out.append(hit[0] if hit is not None and hit[1] == norm else None)
        if out[-1] is None:
            missing.append(n)
    if not missing:
        return out
    folded = sorted({wanted[n][0].casefold() for n in missing})
    aliases: dict[str, tuple[int, str]] = {}
    for i in range(0, len(folded), _CHUNK):
        chunk = folded[i : i + _CHUNK]
        rows = session.execute(
            select(ImportLink.key, Paper.id, Paper.title_norm)
            .join(Paper, ImportLink.paper_id == Paper.id)
            .where(ImportLink.source == "citekey-alias", ImportLink.key.in_(chunk))
        )
        for key, pid, norm in rows:
            aliases[str(key)] = (int(pid), str(norm))
    for n in missing:
        key, norm = wanted[n]
        hit = aliases.get(key.casefold())
        if hit is not None and hit[1] == norm:
            out[n] = hit[0]
    return out


def upsert_papers(
    tx: Transaction,
    metas: Sequence[PaperMeta],
    *,
    make_key: MakeKey,
    fill_only: bool = False,
    user_defaults: dict[str, object] | None = None,
    new_columns: Sequence[dict[str, object]] | None = None,
) -> UpsertResult:
    """Insert new papers (with a fresh citation key) and update known ones from ``metas``.

    ``user_defaults`` sets user columns on NEW papers only (e.g. ``saved=True`` for ``add``);
    ``new_columns``, one dict per meta, sets columns on the new paper that meta makes (a feed's
    counts), and must give every meta the same columns.
    Runs inside the caller's change: captures what it updates, records what it creates, and
    marks both touched (so their search rows are rewritten at commit).
    """
    session = tx.session
    result = UpsertResult()
    norms = [normalize_title(m.title) for m in metas]
    existing = find_existing(session, metas, norms=norms)
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
    taken.preload(
        session, (m.citekey for m, pid in zip(metas, existing, strict=True) if pid is None and m.citekey)
    )
    # The keys new papers will be made from: their families are read in one go below.
    bases = {
        n: make_key(m, _never, _no_family)  # nothing taken: the base
        for n, (m, pid) in enumerate(zip(metas, existing, strict=True))
        if pid is None and not (m.citekey and _usable_key(m.citekey))
    }
    taken.preload_families(bases.values())
    inserts: list[dict[str, object]] = []
    insert_slots: list[int] = []
    updates: dict[int, dict[str, object]] = {}
    slot_of_batch_dup: dict[int, int] = {}
    now = utcnow()
    for n, m in enumerate(metas):
        key = m.arxiv_id or (m.doi or "").lower() or norms[n]
        if not m.arxiv_id and not m.doi and len(key) < 12:  # a short title is not evidence
            key = f"{key}\0{m.citekey or n}"
        if key in first_index:
            slot_of_batch_dup[n] = first_index[key]
            continue
        first_index[key] = n
        cols = encode_meta(m, title_norm=norms[n])
        pid = existing[n]
        if pid is None:
            base = bases.get(n)
            if base is not None:
                citekey = base if base not in taken else free_key(base, taken.family(base))
            elif m.citekey and m.citekey not in taken:  # usable: else it would have a base
                citekey = m.citekey
            else:
                citekey = make_key(m, taken.__contains__, taken.family)
            taken.add(citekey)
            row = dict(cols, arxiv_id=m.arxiv_id, citekey=citekey, added_at=now, modified_at=now)
            if user_defaults:
                row.update(user_defaults)
            if new_columns is not None:
                row.update(new_columns[n])
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
        for slot, pid in zip(insert_slots, _insert_papers(session, inserts), strict=True):
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


def _insert_papers(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert new paper rows (each with its own citation key); their ids, in order.

    One executemany, then the ids read back by key (unique without case) in one query per
    chunk: a third of the time of ``INSERT ... RETURNING`` with its ordered batches, and the
    same on PostgreSQL, where ``papers`` is a view written through INSTEAD OF triggers.
    """
    _insert_rows(session, cast(Table, Paper.__table__), rows)
    keys = [str(r["citekey"]) for r in rows]
    by_key = {str(k).casefold(): int(pid) for k, pid in _lookup(session, "citekey", keys)}
    return [by_key[k.casefold()] for k in keys]


def mark_synced(session: Session, days: Sequence[tuple[dt.date, int]]) -> None:
    """Record each ``(day, papers)`` as synced now, in one statement (a merge per day cost
    a read and a write each)."""
    now = utcnow()
    _insert_rows(
        session,
        cast(Table, SyncedDay.__table__),
        [{"feed_date": day, "synced_at": now, "papers": papers} for day, papers in days],
        "ON CONFLICT (feed_date) DO UPDATE SET synced_at = excluded.synced_at, papers = excluded.papers",
    )


def _insert_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, object]], tail: str = ""
) -> None:
    """``INSERT INTO table ... tail`` of rows with the same keys, on the DB-API cursor of the
    session's connection (the same transaction), the columns' Python defaults filled in.

    What SQLAlchemy's executemany does, without its per-row parameter processing: that was
    half the cost of writing a synced paper. Values are converted as its SQLite types store
    them (dates ISO, datetimes with microseconds, booleans 0/1); psycopg takes them as they are.
    """
    if not rows:
        return
    given = list(rows[0])
    filled = [c for c in table.columns if c.name not in rows[0] and c.default is not None]
    defaults = [c.default.arg(None) if c.default.is_callable else c.default.arg for c in filled]  # type: ignore[union-attr]
    names = given + [c.name for c in filled]
    values: list[Sequence[object]] = [tuple(r[n] for n in given) + tuple(defaults) for r in rows]
    if session.get_bind().dialect.name == "sqlite":
        for i, name in enumerate(names):
            store = _SQLITE_STORE.get(type(table.columns[name].type))
            if store is None:
                continue
            memo: dict[object, object] = {None: None}  # a batch shares few dates and times
            for n, row in enumerate(values):
                v = row[i]
                if v not in memo:
                    memo[v] = store(v)
                if not isinstance(row, list):
                    row = values[n] = list(row)
                row[i] = memo[v]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({_marks(session, len(names))}) {tail}"
    session.connection().connection.cursor().executemany(sql, values)


_SQLITE_STORE: dict[type, Callable[[Any], object]] = {
    Date: lambda v: v.isoformat(),
    DateTime: lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f"),
    Boolean: int,
}


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
    make_key: MakeKey,
) -> FeedIngest:
    """Upsert one feed day: papers, their appearance on ``day``, and the denormalized counts."""
    if not items:
        return FeedIngest(set(), set(), set())
    session = tx.session
    # A new paper's denormalized counts are this appearance's, written with the paper.
    counts: list[dict[str, object]] = [
        {"upvotes": it.upvotes, "num_comments": it.num_comments, "last_feed_date": day} for it in items
    ]
    up = upsert_papers(tx, [it.paper for it in items], make_key=make_key, new_columns=counts)
    pids = up.ids
    known = sorted(set(pids) - up.new)  # a new paper has no appearances yet
    before = (
        {
            pid: (upv, com)
            for pid, upv, com in session.execute(
                select(FeedAppearance.paper_id, FeedAppearance.upvotes, FeedAppearance.num_comments).where(
                    FeedAppearance.feed_date == day, FeedAppearance.paper_id.in_(known)
                )
            )
        }
        if known
        else {}
    )
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
    # The same upsert on either engine: each day's row written once.
    _insert_rows(
        session,
        cast(Table, FeedAppearance.__table__),
        rows,
        "ON CONFLICT (paper_id, feed_date) DO UPDATE SET upvotes = excluded.upvotes, "
        "num_comments = excluded.num_comments, submitted_by = excluded.submitted_by, "
        "last_seen = excluded.last_seen",
    )
    # Known papers (and a new one listed twice, whose last listing wins) take their counts
    # from all their appearances.
    seen: set[int] = set()
    twice = {pid for pid in pids if pid in seen or seen.add(pid)}  # type: ignore[func-returns-value]
    recount = set(known) | twice
    marks = ",".join(str(p) for p in sorted(recount))
    if recount:
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

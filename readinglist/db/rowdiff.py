"""Row sets, their before/after images, and the diffs that undo and redo apply.

A unit of work captures the rows an operation is about to change (``table.by IN keys``) before
it changes them; at commit the same row sets are read again and compared by primary key. A
diff records, per table, the rows the operation *created* (primary keys only), *deleted* (the
whole row) and *updated* (only the columns that changed, with their old and new values).

Applying a diff backwards (undo) deletes what was created, re-inserts what was deleted and sets
updated columns back, each only where the row still holds what the operation left there: a
column somebody changed since is left alone and reported. Applying returns the inverse diff,
so redo is the same function run on what undo returned.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from readinglist.db.schema import Base

# The PDF text index is an FTS5 table the ORM does not map; undo needs its rows like any other.
_FTS_META = MetaData()
PDF_FTS = Table(
    "pdf_fts",
    _FTS_META,
    Column("rowid", Integer, primary_key=True),
    Column("body", Text),
    Column("paper_id", Integer),
    Column("page", Integer),
)

# Parents before children: re-inserting follows this order, deleting the reverse.
ORDER = (
    "papers",
    "tags",
    "reading_lists",
    "saved_searches",
    "auto_exports",
    "settings",
    "synced_days",
    "feed_appearances",
    "paper_tags",
    "list_items",
    "attachments",
    "annotations",
    "alert_matches",
    "pdf_fts",
)
# Bookkeeping columns: restored when they can be, never reported as conflicts.
QUIET = frozenset({"modified_at", "modified", "last_seen"})
_CHUNK = 500

Key = tuple[Any, ...]
Row = dict[str, Any]


def table(name: str) -> Table:
    if name == "pdf_fts":
        return PDF_FTS
    t = Base.metadata.tables.get(name)
    if t is None:
        raise KeyError(f"no table {name!r} to capture")
    return t


def _pk(t: Table) -> tuple[str, ...]:
    return tuple(c.name for c in t.primary_key.columns)


def _key(t: Table, row: Row) -> Key:
    return tuple(row[c] for c in _pk(t))


def row_key(name: str, row: Row) -> Key:
    """The primary key of a row of table ``name``."""
    return _key(table(name), row)


def read_rows(session: Session, name: str, by: str, keys: Iterable[Any]) -> dict[Key, Row]:
    """Every row of ``name`` whose ``by`` is one of ``keys``, by primary key."""
    t = table(name)
    values = sorted(set(keys), key=repr)
    out: dict[Key, Row] = {}
    for i in range(0, len(values), _CHUNK):
        res = session.execute(select(t).where(t.c[by].in_(values[i : i + _CHUNK])))
        for r in res.mappings():
            row = dict(r)
            out[_key(t, row)] = row
    return out


def read_keys(session: Session, name: str, by: str, keys: Iterable[Any]) -> set[Key]:
    """The primary keys of the rows of ``name`` whose ``by`` is one of ``keys``."""
    t = table(name)
    values = sorted(set(keys), key=repr)
    cols = [t.c[c] for c in _pk(t)]
    out: set[Key] = set()
    for i in range(0, len(values), _CHUNK):
        out.update(
            tuple(r) for r in session.execute(select(*cols).where(t.c[by].in_(values[i : i + _CHUNK])))
        )
    return out


@dataclass
class TableDiff:
    created: list[Key] = field(default_factory=list)
    deleted: list[Row] = field(default_factory=list)
    updated: list[tuple[Key, dict[str, tuple[Any, Any]]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.created or self.deleted or self.updated)


@dataclass
class Diff:
    """What one step changed, table by table."""

    tables: dict[str, TableDiff] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)  # filled by apply(), never stored

    @property
    def empty(self) -> bool:
        return all(d.empty for d in self.tables.values())

    def of(self, name: str) -> TableDiff:
        return self.tables.setdefault(name, TableDiff())

    def paper_ids(self) -> set[int]:
        """Papers this diff touches (directly or through their child rows)."""
        ids: set[int] = set()
        for name, d in self.tables.items():
            t = table(name)
            if name == "papers":
                ids.update(int(k[0]) for k in d.created)
                ids.update(int(r["id"]) for r in d.deleted)
                ids.update(int(k[0]) for k, _ in d.updated)
            elif "paper_id" in t.c:
                pk = _pk(t)
                if "paper_id" in pk:
                    i = pk.index("paper_id")
                    ids.update(int(k[i]) for k in d.created)
                    ids.update(int(k[i]) for k, _ in d.updated)
                ids.update(int(r["paper_id"]) for r in d.deleted if r.get("paper_id") is not None)
        return ids

    def tables_touched(self) -> set[str]:
        return {n for n, d in self.tables.items() if not d.empty}


def compare(name: str, before: dict[Key, Row], after_keys: set[Key], after: dict[Key, Row]) -> TableDiff:
    """The diff of one row set: ``after`` holds full rows for keys that existed before."""
    d = TableDiff()
    for k in sorted(after_keys - before.keys(), key=repr):
        d.created.append(k)
    for k, row in before.items():
        if k not in after_keys:
            d.deleted.append(row)
            continue
        now = after[k]
        cols = {c: (row[c], now[c]) for c in row if row[c] != now.get(c)}
        if cols:
            d.updated.append((k, cols))
    return d


def compose(first: Diff, second: Diff) -> Diff | None:
    """One diff doing what ``first`` then ``second`` did, or None when they do not compose simply:
    updates on both sides do (coalescing note edits), and so do steps that create rows and then
    add to them (the batches of one import)."""
    if any(d.created or d.deleted for d in (*first.tables.values(), *second.tables.values())):
        return _union(first, second)
    out = Diff()
    for name in sorted(set(first.tables) | set(second.tables)):
        merged: dict[Key, dict[str, tuple[Any, Any]]] = {}
        for diff in (first, second):
            for k, cols in diff.tables.get(name, TableDiff()).updated:
                cur = merged.setdefault(k, {})
                for c, (old, new) in cols.items():
                    cur[c] = (cur[c][0] if c in cur else old, new)
        td = out.of(name)
        for k, cols in merged.items():
            kept = {c: v for c, v in cols.items() if v[0] != v[1]}
            if kept:
                td.updated.append((k, kept))
    return out


def _compose_rows(name: str, a: TableDiff, b: TableDiff) -> TableDiff | None:
    """``a`` then ``b`` on one table: ``b``'s updates to rows ``a`` created are already in them
    (undo deletes them, and redo re-inserts what is there at undo time); ``b`` deleting or
    re-creating a row ``a`` touched does not compose."""
    created = set(a.created)
    deleted = {row_key(name, r) for r in a.deleted}
    a_updated = {k for k, _ in a.updated}
    if any(k in created or k in deleted or k in a_updated for k in b.created):
        return None
    if any(row_key(name, r) in created | deleted for r in b.deleted):
        return None
    if any(k in deleted for k, _ in b.updated):
        return None
    out = TableDiff(created=[*a.created, *b.created], deleted=[*a.deleted, *b.deleted])
    merged: dict[Key, dict[str, tuple[Any, Any]]] = {}
    for k, cols in [*a.updated, *((k, c) for k, c in b.updated if k not in created)]:
        cur = merged.setdefault(k, {})
        for c, (old, new) in cols.items():
            cur[c] = (cur[c][0] if c in cur else old, new)
    out.updated = [
        (k, kept) for k, cols in merged.items() if (kept := {c: v for c, v in cols.items() if v[0] != v[1]})
    ]
    return out


def _union(first: Diff, second: Diff) -> Diff | None:
    out = Diff()
    for name in sorted(set(first.tables) | set(second.tables)):
        td = _compose_rows(name, first.tables.get(name, TableDiff()), second.tables.get(name, TableDiff()))
        if td is None:
            return None
        if not td.empty:
            out.tables[name] = td
    return out


# -- applying ----------------------------------------------------------------------------------


def _where(t: Table, k: Key):  # type: ignore[no-untyped-def]
    return and_(*(t.c[c] == v for c, v in zip(_pk(t), k, strict=True)))


def apply(session: Session, diff: Diff) -> Diff:
    """Undo ``diff`` in ``session``; returns the diff that redoes it (with ``conflicts`` filled).

    Rows the step created are deleted (children first), rows it deleted come back (parents
    first, under their old keys), and updated columns are set back where they still hold what
    the step wrote. A row that cannot come back (its key is taken again) raises KeyError.
    """
    inverse = Diff()
    names = [n for n in ORDER if n in diff.tables] + sorted(set(diff.tables) - set(ORDER))
    for name in reversed(names):
        d, t = diff.tables[name], table(name)
        if not d.created:
            continue
        inv = inverse.of(name)
        for i in range(0, len(d.created), _CHUNK):
            for k in d.created[i : i + _CHUNK]:
                found = session.execute(select(t).where(_where(t, k))).mappings().first()
                if found is None:
                    continue  # gone already (deleted since, or by a cascade above)
                inv.deleted.append(dict(found))
                session.execute(delete(t).where(_where(t, k)))
    for name in names:
        d, t = diff.tables[name], table(name)
        inv = inverse.of(name)
        for row in d.deleted:
            k = _key(t, row)
            if session.execute(select(*[t.c[c] for c in _pk(t)]).where(_where(t, k))).first() is not None:
                raise KeyError(f"{name} {k} exists again")
            session.execute(insert(t).values(**row))
            inv.created.append(k)
        for k, cols in d.updated:
            now = session.execute(select(t).where(_where(t, k))).mappings().first()
            if now is None:
                inverse.conflicts.append(f"{name} {k} no longer exists")
                continue
            back: dict[str, Any] = {}
            for c, (old, new) in cols.items():
                if now[c] == new:
                    back[c] = old
                elif c not in QUIET and now[c] != old:
                    inverse.conflicts.append(f"{name} {k}: {c} was changed since")
            if back:
                session.execute(update(t).where(_where(t, k)).values(**back))
                inv.updated.append((k, {c: (cols[c][1], v) for c, v in back.items()}))
    inverse.tables = {n: d for n, d in inverse.tables.items() if not d.empty}
    return inverse


# -- storing -----------------------------------------------------------------------------------


def _encode_value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$d": v.isoformat()}
    if isinstance(v, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(v)).decode()}
    return v


def _decode_value(v: Any, col: Column[Any] | None) -> Any:
    if isinstance(v, dict):
        if "$dt" in v:
            return dt.datetime.fromisoformat(v["$dt"])
        if "$d" in v:
            return dt.date.fromisoformat(v["$d"])
        if "$b" in v:
            return base64.b64decode(v["$b"])
    if col is not None and v is not None and isinstance(v, str):
        # Values read by raw SQL come back as text; the ORM types want Python objects.
        if isinstance(col.type, DateTime):
            return dt.datetime.fromisoformat(v)
        if isinstance(col.type, Date):
            return dt.date.fromisoformat(v[:10])
        if isinstance(col.type, LargeBinary):
            return base64.b64decode(v)
    return v


def dumps(diff: Diff) -> bytes:
    data = {
        name: {
            "c": [[_encode_value(v) for v in k] for k in d.created],
            "d": [{c: _encode_value(v) for c, v in r.items()} for r in d.deleted],
            "u": [
                [
                    [_encode_value(v) for v in k],
                    {c: [_encode_value(a), _encode_value(b)] for c, (a, b) in cols.items()},
                ]
                for k, cols in d.updated
            ],
        }
        for name, d in diff.tables.items()
        if not d.empty
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def loads(blob: bytes) -> Diff:
    data = json.loads(zlib.decompress(blob))
    diff = Diff()
    for name, d in data.items():
        t = table(name)
        pk_cols: Sequence[Column[Any]] = [t.c[c] for c in _pk(t)]

        def key(raw: list[Any], pk_cols: Sequence[Column[Any]] = pk_cols) -> Key:
            return tuple(_decode_value(v, c) for v, c in zip(raw, pk_cols, strict=True))

        td = diff.of(name)
        td.created = [key(k) for k in d["c"]]
        td.deleted = [{c: _decode_value(v, t.c.get(c)) for c, v in r.items()} for r in d["d"]]
        td.updated = [
            (
                key(k),
                {
                    c: (_decode_value(a, t.c.get(c)), _decode_value(b, t.c.get(c)))
                    for c, (a, b) in cols.items()
                },
            )
            for k, cols in d["u"]
        ]
    return diff

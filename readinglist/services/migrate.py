"""``readinglist migrate --to URL``: copy a library into an empty database on another engine.

The target gets the schema from the same migrations, then every table's rows with their ids
(parents first), in primary-key order and in chunks, each chunk committed with the table's
high-water mark (the last key copied) in the target's ``settings`` under :data:`COPYING`. An
interrupted copy (Ctrl-C, a dropped connection, a reboot) continues after the mark when run
again; nothing is copied twice. The marks are keys as the *source* orders them, so two engines
ordering text differently cannot skip a row.

The copy is finished in one transaction: the row count and a checksum of every row of every
table must equal the source's (a row that changed in the source since it was copied fails it),
then the search index is rebuilt, the id sequences moved past the copied ids and the mark
removed. The PDFs stay where they are, in the library folder (both databases name them relative
to it); copied to a server, they also become the lab's copies (services/labfiles.py), so other
members open them without downloading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, DateTime, Table, delete, func, insert, select, text, tuple_

from readinglist.db.rowdiff import PDF_FTS
from readinglist.db.schema import Base, Setting
from readinglist.errors import StorageError
from readinglist.services.library import Library

if TYPE_CHECKING:
    from readinglist.services.unit import Transaction

SKIP = {"change_log", "alembic_version"}  # each database keeps its own
# The settings key an unfinished copy keeps in the target (services/debris.py knows it too: no
# PDF is "orphaned" by a half-copied attachments table).
COPYING = "migrate/copying"
CHUNK = 1000


@dataclass(frozen=True)
class Progress:
    """How far the copy of one table is: ``done`` of ``total`` rows, ``resumed`` of them
    copied by an earlier, interrupted run."""

    table: str
    done: int
    total: int
    resumed: int = 0


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIP] + [PDF_FTS]


def _order(t: Table) -> list[Any]:
    return [t.c[c.name] for c in t.primary_key.columns]


def _after(t: Table, mark: list[Any]) -> Any:
    cols = _order(t)
    return cols[0] > mark[0] if len(cols) == 1 else tuple_(*cols) > tuple_(*mark)


def _encode_key(values: list[Any]) -> list[Any]:
    return [v.isoformat() if isinstance(v, dt.date) else v for v in values]


def _decode_key(t: Table, values: list[Any]) -> list[Any]:
    out = []
    for col, v in zip(_order(t), values, strict=True):
        if isinstance(col.type, DateTime) and isinstance(v, str):
            v = dt.datetime.fromisoformat(v)
        elif isinstance(col.type, Date) and isinstance(v, str):
            v = dt.date.fromisoformat(v)
        out.append(v)
    return out


def _digests(session: Any, t: Table) -> dict[tuple[Any, ...], str]:
    """Each row's checksum by its key."""
    names = [c.name for c in t.primary_key.columns]
    out: dict[tuple[Any, ...], str] = {}
    for r in session.execute(select(t)).mappings():
        out[tuple(r[n] for n in names)] = hashlib.sha256(repr(sorted(r.items())).encode()).hexdigest()
    return out


def source_name(lib: Library) -> str:
    """What the copy is of (kept with the marks: a copy of another library is not resumed)."""
    return describe_url(lib.database_url) if lib.database_url else str(lib.db_path)


def _read_state(session: Any) -> dict[str, Any] | None:
    raw = session.execute(select(Setting.value).where(Setting.key == COPYING)).scalar_one_or_none()
    return json.loads(raw) if raw else None


def _write_state(session: Any, state: dict[str, Any]) -> None:
    session.execute(delete(Setting).where(Setting.key == COPYING))
    session.execute(insert(Setting), [{"key": COPYING, "value": json.dumps(state, sort_keys=True)}])


def _begin(lib: Library, target: Library, url: str) -> dict[str, Any]:
    """The marks of an unfinished copy of ``lib`` in ``target``, or a fresh start in an empty one."""
    with target.change("Copy the library", undoable=False) as tx:
        state = _read_state(tx.session)
        if state is not None:
            if state.get("source") != source_name(lib):
                raise StorageError(
                    f"{describe_url(url)} holds an unfinished copy of another library "
                    f"({state.get('source')}); finish that one, or empty the database first"
                )
            return state
        held = [
            t.name for t in _tables() if tx.session.execute(select(func.count()).select_from(t)).scalar_one()
        ]
        if held:
            raise StorageError(
                f"{describe_url(url)} already holds a library; migrate copies into an empty one only"
            )
        state = {"source": source_name(lib), "marks": {}}
        _write_state(tx.session, state)
    return state


def _copy_table(
    src: Any,
    target: Library,
    t: Table,
    state: dict[str, Any],
    chunk: int,
    progress: Callable[[Progress], None],
) -> int:
    total = int(src.execute(select(func.count()).select_from(t)).scalar_one())
    saved = state["marks"].get(t.name)
    mark = _decode_key(t, saved) if saved is not None else None
    resumed = 0
    if mark is not None:
        resumed = total - int(
            src.execute(select(func.count()).select_from(t).where(_after(t, mark))).scalar_one()
        )
    done = resumed
    progress(Progress(t.name, done, total, resumed))
    names = [c.name for c in t.primary_key.columns]
    while True:
        q = select(t).order_by(*_order(t)).limit(chunk)
        rows = [dict(r) for r in src.execute(q if mark is None else q.where(_after(t, mark))).mappings()]
        if not rows:
            break
        mark = [rows[-1][n] for n in names]
        state["marks"][t.name] = _encode_key(mark)
        with target.change("Copy the library", undoable=False) as tx:  # the rows and their mark
            tx.session.execute(insert(t), rows)
            _write_state(tx.session, state)
        done += len(rows)
        progress(Progress(t.name, done, total, resumed))
    return done


def _finish(lib: Library, target: Library) -> None:
    with lib.read() as src, target.change("Copy the library", undoable=False) as tx:
        tx.session.execute(delete(Setting).where(Setting.key == COPYING))
        tx.session.flush()
        for t in _tables():  # verified inside the transaction: a mismatch finishes nothing
            a, b = _digests(src, t), _digests(tx.session, t)
            if a != b:
                missing, extra = len(a.keys() - b.keys()), len(b.keys() - a.keys())
                changed = sum(1 for k in a.keys() & b.keys() if a[k] != b[k])
                raise StorageError(
                    f"the copy of {t.name} differs from the source ({missing} rows missing, {extra} "
                    f"extra, {changed} changed: did the library change since the copy began?); the "
                    "copy is not finished. Empty the target database and migrate again"
                )
        tx.rebuild_index()
        if target.is_shared:
            from readinglist.db import pg

            pg.reset_sequences(tx.session.connection())
            _publish_pdfs(lib, tx)
        tx.touched(tags=True, lists=True, feed=True, searches=True)


def _publish_pdfs(lib: Library, tx: Transaction) -> None:
    """Make the library's PDFs the lab's (services/labfiles.py), so every member can open them.
    A file whose content no longer has its recorded hash is left to its owner's folder."""
    from readinglist.pdf.fetch import sha256_file
    from readinglist.services import labfiles

    rows = tx.session.execute(text("SELECT path, sha256, size FROM attachments ORDER BY id")).all()
    for rel, digest, size in rows:
        path = lib.root / str(rel)
        if path.is_file() and path.stat().st_size == int(size) and sha256_file(path) == digest:
            labfiles.publish(tx, path, sha256=str(digest), size=int(size))


def migrate_to(
    lib: Library, url: str, progress: Callable[[Progress], None] = lambda _p: None, *, chunk: int = CHUNK
) -> dict[str, int]:
    """Copy ``lib`` into the empty database at ``url``, or finish an interrupted copy of it
    there. Returns the rows per table; ``progress`` hears after every chunk committed."""
    target = Library.open(lib.root, lib.endpoints, database_url=url)
    try:
        state = _begin(lib, target, url)
        counts: dict[str, int] = {}
        with lib.read() as src:  # one snapshot of the source for the whole run
            if src.execute(text("SELECT count(*) FROM settings WHERE key = :k"), {"k": COPYING}).scalar_one():
                raise StorageError("this library is itself an unfinished copy: finish that migrate first")
            for t in _tables():
                counts[t.name] = _copy_table(src, target, t, state, chunk, progress)
        _finish(lib, target)
        return counts
    finally:
        target.close()


def describe_url(url: str) -> str:
    """A database URL for messages (a server's without its password)."""
    from readinglist.db.pg import describe

    return describe(url) if url.startswith("postgresql") else url

"""``readinglist migrate --to URL``: copy a library into an empty database on another engine.

The target gets the schema from the same migrations, then every table's rows with their ids in
one transaction (parents first), its search index rebuilt from them, and its id sequences moved
past the copied ids. The copy is verified before it commits: the row count and a checksum of
every row of every table must equal the source's, or nothing is kept. The PDFs stay where they
are, in the library folder (both databases name them relative to it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, insert, select, text

from readinglist.db.rowdiff import PDF_FTS
from readinglist.db.schema import Base
from readinglist.errors import StorageError
from readinglist.services.library import Library

SKIP = {"change_log", "alembic_version"}  # each database keeps its own
_CHUNK = 1000


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIP] + [PDF_FTS]


def _order(t: Table) -> list[Any]:
    return [t.c[c.name] for c in t.primary_key.columns]


def _checksum(rows: list[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(repr(sorted(r.items())).encode())
    return h.hexdigest()


def _rows(session: Any, t: Table) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(select(t).order_by(*_order(t))).mappings()]


def migrate_to(lib: Library, url: str, progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """Copy ``lib`` into the empty database at ``url``. Returns the rows copied per table."""
    target = Library.open(lib.root, lib.endpoints, database_url=url)
    try:
        with target.read() as s:
            if s.execute(text("SELECT count(*) FROM papers")).scalar_one():
                raise StorageError(f"{url} already holds a library; migrate copies into an empty one only")
        counts: dict[str, int] = {}
        with lib.read() as src, target.change("Copy the library", undoable=False) as tx:
            for t in _tables():
                rows = _rows(src, t)
                for i in range(0, len(rows), _CHUNK):
                    tx.session.execute(insert(t), rows[i : i + _CHUNK])
                counts[t.name] = len(rows)
                progress(f"{t.name}: {len(rows)} rows")
            tx.session.flush()
            for t in _tables():  # verified inside the transaction: a mismatch keeps nothing
                a, b = _rows(src, t), _rows(tx.session, t)
                if len(a) != len(b) or _checksum(a) != _checksum(b):
                    raise StorageError(f"the copy of {t.name} differs from the source; nothing was kept")
            tx.rebuild_index()
            if target.is_shared:
                from readinglist.db import pg

                pg.reset_sequences(tx.session.connection())
            tx.touched(tags=True, lists=True, feed=True, searches=True)
        progress("verified: every table's row count and checksum match")
        return counts
    finally:
        target.close()


def describe_url(url: str) -> str:
    """A database URL for messages (a server's without its password)."""
    from readinglist.db.pg import describe

    return describe(url) if url.startswith("postgresql") else url

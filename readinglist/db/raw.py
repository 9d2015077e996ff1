"""Reads on the DB-API connection itself (stdlib ``sqlite3``), without SQLAlchemy.

The query functions in :mod:`readinglist.db.queries` are raw SQL with ``:name`` parameters;
they run unchanged on a SQLAlchemy session (inside a change, where they must see its
uncommitted writes) and on a :class:`RawReader` (every other read). The reader costs no
SQLAlchemy import (about 150 ms per process) and fetches rows in C, not one at a time, so a
command that only reads starts near the interpreter's own floor.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from readinglist.errors import StorageError


class Reads(Protocol):
    """What the query functions need of a session: ``execute(sql, params)``."""

    def execute(self, statement: Any, params: Any = None) -> Any: ...


def text(sql: str) -> Any:
    """The statement as the session at hand takes it: a SQLAlchemy ``text()`` once SQLAlchemy is
    loaded (a session can only exist then), else the plain string for a :class:`RawReader`
    (which takes both). While another thread is still importing SQLAlchemy, its module is in
    ``sys.modules`` without ``text`` yet, and no session exists: the plain string."""
    sa_text = getattr(sys.modules.get("sqlalchemy"), "text", None)
    return sa_text(sql) if sa_text is not None else sql


class RawResult:
    """The parts of SQLAlchemy's ``Result`` the query layer uses, over a ``sqlite3`` cursor."""

    def __init__(self, cur: sqlite3.Cursor) -> None:
        self._cur = cur

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._cur)

    def all(self) -> list[tuple[Any, ...]]:
        return self._cur.fetchall()

    fetchall = all

    def first(self) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._cur.fetchone()
        return row

    def one(self) -> tuple[Any, ...]:
        row = self._cur.fetchone()
        if row is None:
            raise LookupError("the query returned no row")
        return row  # type: ignore[no-any-return]

    def scalar(self) -> Any:
        row = self._cur.fetchone()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        return self.scalar()

    def scalars(self) -> list[Any]:
        return [r[0] for r in self._cur.fetchall()]

    def mappings(self) -> list[dict[str, Any]]:
        names = [d[0] for d in self._cur.description or ()]
        return [dict(zip(names, r, strict=True)) for r in self._cur.fetchall()]


class RawReader:
    """One read transaction (one snapshot) on a plain ``sqlite3`` connection."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.connection = con

    def execute(self, statement: Any, params: Any = None) -> RawResult:
        sql = statement if isinstance(statement, str) else str(getattr(statement, "text", statement))
        if isinstance(params, Sequence) and not isinstance(params, Mapping) and params:
            return RawResult(self.connection.executemany(sql, params))
        return RawResult(self.connection.execute(sql, params or {}))


class RawConnections:
    """One ``sqlite3`` connection per thread for reads, opened on first use.

    ``close()`` may come from another thread while a worker is still reading (the app closing a
    library while a query is in flight): a connection in use is then closed by its own thread
    when its read ends, never under it (closing it there crashes the interpreter)."""

    def __init__(self, db_path: Path, uri_flags: str | None = None) -> None:
        self.db_path = db_path
        self.uri_flags = uri_flags  # e.g. "mode=ro&immutable=1" for a read-only folder
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._busy: set[int] = set()  # id() of the connections inside a read
        self._closed = False
        self._lock = threading.RLock()  # connection() takes it again inside _using

    def connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StorageError("the library is closed")
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            if self.uri_flags:
                target, uri = f"file:{self.db_path}?{self.uri_flags}", True
            else:
                target, uri = str(self.db_path), False
            con = sqlite3.connect(target, timeout=10, isolation_level=None, check_same_thread=False, uri=uri)
            con.execute("PRAGMA busy_timeout=10000")
            self._local.con = con
            with self._lock:
                self._all.append(con)
        return con

    @contextlib.contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            con = self.connection()
            self._busy.add(id(con))
        try:
            yield con
        finally:
            with self._lock:
                self._busy.discard(id(con))
                if self._closed and con in self._all:  # closed meanwhile: ours to close now
                    self._all.remove(con)
                    con.close()

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this thread's connection: it changes when any
        other connection commits (so: did anything change since I last looked?)."""
        with self._using() as con:
            return int(con.execute("PRAGMA data_version").fetchone()[0])

    def keep_derived(self, sql: str, rows: Sequence[tuple[Any, ...]], seen: int) -> bool:
        """Store rows of a derived cache (``rendered_entries``) in one ``BEGIN IMMEDIATE`` on this
        thread's connection, only if no other connection committed since ``seen`` (its
        ``data_version``): the rows then match the library as it is. Not library data: no undo
        step, no notification, and the schema's triggers drop a paper's rows whenever it changes.
        A writer at work, a read-only folder or a full disk: nothing is stored (False), never a
        wait, since that writer's commit would make the rows stale anyway."""
        with self._using() as con:
            con.execute("PRAGMA busy_timeout=0")
            try:
                con.execute("BEGIN IMMEDIATE")
                if int(con.execute("PRAGMA data_version").fetchone()[0]) != seen:
                    return False
                con.executemany(sql, rows)
                con.execute("COMMIT")
                return True
            except sqlite3.Error:
                return False
            finally:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                con.execute("PRAGMA busy_timeout=10000")

    def reader(self) -> Iterator[RawReader]:
        """A generator for ``contextlib.contextmanager``: BEGIN, the reads, then the end of the snapshot."""
        with self._using() as con:
            con.execute("BEGIN")
            try:
                yield RawReader(con)
            except sqlite3.OperationalError as exc:
                raise StorageError(f"the library database failed: {exc}") from exc
            finally:
                if con.in_transaction:
                    con.execute("ROLLBACK")  # nothing was written: ends the snapshot

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for con in [c for c in self._all if id(c) not in self._busy]:
                self._all.remove(con)
                con.close()
        self._local = threading.local()

"""The library handle: opening a library folder, its unit of work, and the reads.

``Library`` opens and migrates a library, hands out ``read()`` sessions and ``change()`` units of
work (:mod:`readinglist.services.unit`), and answers the common reads with frozen records.
It changes nothing itself: every change is a function in an operation module
(``services/papers.py``, ``lists.py``, ``annotations.py``, ...) that takes the library first
and runs inside ``lib.change(...)``. Each thread may call it; every call opens its own session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import threading
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist import recordtype
from readinglist.config import Endpoints, default_library_dir, member_name
from readinglist.db import engine as dbengine
from readinglist.db import queries
from readinglist.db.raw import RawConnections, Reads, text
from readinglist.errors import InvalidIdentifier, NotFoundError, StorageError
from readinglist.records import MatchInfo, PaperFilter, PaperMeta, PaperRow, SearchHit

if TYPE_CHECKING:
    # SQLAlchemy, the ORM schema and the unit of work load on the first change or ORM read: a
    # command that only reads runs on the stdlib connection (see readinglist.db.raw).
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from readinglist.records import Changes, FeedDayInfo, HistoryEntry, ListInfo, SavedSearchInfo, TagInfo
    from readinglist.services.debris import OpenLock
    from readinglist.services.unit import Transaction, UnitOfWork
    from readinglist.sources.http import Http


STATUSES = ("unread", "reading", "read")
DB_NAME = "library.sqlite3"

# Library-level settings: they travel with the library. Declared once, with defaults.
SETTINGS_DEFAULTS: dict[str, object] = {
    "citekey_pattern": "{auth}{year}{title}",
    "sync_backfill_days": 7,
    "last_sync": None,  # ISO date of the newest day synced successfully
    "last_daily_backup": None,
    "write_annotations_to_pdf": False,
    "autotag_threshold": None,  # None: off; else the confidence (0..1) a suggested tag needs
}


class Library:
    """A library folder: ``library.sqlite3``, ``pdfs/``, ``backups/`` and ``logs/``."""

    def __init__(
        self, root: Path, endpoints: Endpoints | None = None, database_url: str | None = None
    ) -> None:
        self.root = root.expanduser().resolve()
        # A server (PostgreSQL) holds the data when given, else the SQLite file in the folder.
        self.database_url = database_url or os.environ.get("READINGLIST_DATABASE_URL") or None
        self.endpoints = endpoints or Endpoints.from_env()
        self.db_path = self.root / DB_NAME
        if self.database_url and self.database_url.startswith("sqlite:///"):  # a file elsewhere
            self.db_path = Path(self.database_url.split(":///", 1)[1]).expanduser().resolve()
            self.database_url = None
        self.pdf_dir = self.root / "pdfs"
        self.backups_dir = self.root / "backups"
        self.logs_dir = self.root / "logs"
        self._engine_obj: Engine | None = None
        self._unit: UnitOfWork | None = None
        self._raw: RawConnections | None = None
        self._closed = True  # until _open
        self._opening = threading.Lock()
        self._http: Http | None = None
        self._member: str | None = None  # who is working; looked up when first needed
        self.on_change: list[Callable[[Changes], None]] = []
        self.read_only = False
        self.made_now = False
        self.read_only_reason = ""
        self._lock: OpenLock | None = None
        self.notices: list[
            str
        ] = []  # things the user should know about this library (read-only, cloud folder)

    @property
    def member(self) -> str:
        """Who is working (``READINGLIST_USER``, else the OS user), read when a change or a
        lab library first needs it: a read command never asks the user database."""
        if self._member is None:
            self._member = member_name()
        return self._member

    @member.setter
    def member(self, name: str) -> None:
        self._member = name

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        root: Path | str | None = None,
        endpoints: Endpoints | None = None,
        *,
        database_url: str | None = None,
    ) -> Library:
        """Open (creating if needed) and migrate the library in ``root`` (its data on the server
        at ``database_url`` or ``$READINGLIST_DATABASE_URL``, if given)."""
        lib = cls(Path(root) if root else default_library_dir(), endpoints, database_url)
        lib._open()
        return lib

    def _open(self) -> None:
        from readinglist.db import health

        if self.root.exists() and not self.root.is_dir():
            raise StorageError(f"{self.root} is a file, not a library folder")
        self.read_only = self.db_path.is_file() and not (
            os.access(self.root, os.W_OK) and os.access(self.db_path, os.W_OK)
        )
        free = health.free_megabytes(self.root) if self.db_path.is_file() else None
        if self.read_only:
            self.read_only_reason = (
                f"the library folder {self.root} is read-only (a snapshot or a backup disk?)"
            )
        elif free is not None and free < 1:
            self.read_only = True
            self.read_only_reason = health.disk_full_message(self.root).split(";")[0]
        if self.read_only:
            self.notices.append(f"{self.read_only_reason}: reading works, changes are refused")
        else:
            try:
                for d in (self.root, self.pdf_dir, self.backups_dir, self.logs_dir):
                    d.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                if health.is_disk_full(exc):
                    raise StorageError(health.disk_full_message(self.root)) from exc
                raise StorageError(f"cannot create the library folder {self.root}: {exc.strerror}") from exc
        cloud = health.cloud_folder(self.root)
        if cloud:
            self.notices.append(
                f"the library sits in a cloud-synced folder ({cloud}); a sync tool copying the database "
                "while it is open can damage it: keep the library outside and sync exports instead"
            )
        self._closed = False
        if self.is_shared:
            self._upgrade()  # a server: every read goes through SQLAlchemy sessions
            self._clear_debris()
            return
        self.made_now = not self.db_path.exists()  # this process makes the library
        health.check_at_open(self.db_path)
        revision = dbengine.current_revision(self.db_path)
        current = revision == dbengine.HEAD_REVISION
        if self.read_only:
            if not current:
                raise StorageError(
                    f"the library in the read-only folder {self.root} needs an upgrade this readinglist "
                    "cannot write there; open a writable copy"
                )
            self._raw = RawConnections(self.db_path, dbengine.readonly_flags(self.db_path))
            return
        self._raw = RawConnections(self.db_path)
        if not current:  # else the engine and the unit of work wait for the first change
            from readinglist.db import template

            # A new file gets the newest schema in one script, before any engine exists.
            if revision is not None or not template.create(self.db_path):
                self._upgrade()
        self._clear_debris()

    def _upgrade(self) -> None:
        from sqlalchemy.exc import DatabaseError

        try:
            dbengine.upgrade(self._engine, self.db_path, self.backups_dir)
        except DatabaseError as exc:
            if self.is_shared:
                from readinglist.db import pg

                raise pg.connection_error(str(self.database_url), exc) from exc
            from readinglist.services.unit import database_failure

            raise StorageError(f"cannot open the library: {database_failure(self, exc)}") from exc

    def _clear_debris(self) -> None:
        from readinglist.services.debris import OpenLock, clear_at_open

        self._lock = OpenLock(self.root)
        self.notices.extend(clear_at_open(self, self._lock))

    @property
    def is_shared(self) -> bool:
        """True when the library lives on a database server (PostgreSQL), not in the folder."""
        return bool(self.database_url)

    @property
    def _engine(self) -> Engine:
        if self._closed:
            raise StorageError("the library is closed")
        if self._engine_obj is None:
            with self._opening:
                if self._engine_obj is None:
                    self._engine_obj = dbengine.make_engine(
                        self.db_path, self.database_url, read_only=self.read_only, member=lambda: self.member
                    )
        return self._engine_obj

    def close(self) -> None:
        if self._engine_obj is not None:
            if not self.read_only and not self.is_shared:
                dbengine.checkpoint(self._engine_obj, "TRUNCATE")
            self._engine_obj.dispose()
            self._engine_obj = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        self._unit = None
        self._closed = True

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading and changing ----------------------------------------------------------------
    def _uow(self) -> UnitOfWork:
        if self._unit is None:
            engine = self._engine  # raises once closed
            with self._opening:
                if self._unit is None:
                    from readinglist.services.unit import UnitOfWork

                    writes = engine if self.read_only else dbengine.write_engine(engine)  # refused anyway
                    self._unit = UnitOfWork(
                        self, dbengine.make_session_factory(engine), dbengine.make_session_factory(writes)
                    )
        return self._unit

    @contextlib.contextmanager
    def _reads(self) -> Iterator[Reads]:
        """A read for the query functions: inside a change its own session (to see its writes),
        else a snapshot on the stdlib connection."""
        tx = self._unit.current() if self._unit is not None else None
        if tx is not None:
            yield tx.session
            return
        if self._raw is None:
            if self._closed:
                raise StorageError("the library is closed")
            with self._uow().read() as s:  # a server: its own sessions
                yield s
            return
        yield from self._raw.reader()

    def sql_read(self) -> contextlib.AbstractContextManager[Reads]:
        """A read for raw SQL (``readinglist.db.raw.text``): cheap, no SQLAlchemy on SQLite."""
        return self._reads()

    def read(self) -> contextlib.AbstractContextManager[Session]:
        """A session for reads (inside a change: the change's own session)."""
        return self._uow().read()

    def change(
        self, label: str, *, undoable: bool = True, coalesce: str | None = None
    ) -> contextlib.AbstractContextManager[Transaction]:
        """The one way to change the library: ``with lib.change("Tag 3 papers") as tx: ...``.

        See :mod:`readinglist.services.unit`. ``undoable=False`` for changes the user does not
        undo (a sync); ``coalesce`` folds steps with the same key within a minute (note typing).
        """
        return self._uow().change(label, undoable=undoable, coalesce=coalesce)

    def data_version(self) -> int | None:
        """A number that changes whenever another connection commits (None inside a change)."""
        if self._raw is None or (self._unit is not None and self._unit.current() is not None):
            return None
        return self._raw.data_version()

    @property
    def http(self) -> Http:
        """The shared HTTP client (one requests.Session per thread inside)."""
        if self._http is None:
            from readinglist.sources.http import Http

            e = self.endpoints
            self._http = Http.for_endpoints([e.hf, e.arxiv, e.arxiv_api])
        return self._http

    # -- undo history ----------------------------------------------------------------------
    def history(self, limit: int = 20) -> list[HistoryEntry]:
        """The member's undo steps, newest first: redoable (``undone``) ones above the undoable
        ones. A raw read: ``readinglist history`` loads no ORM."""
        from readinglist.records import HistoryEntry

        with self._reads() as s:
            return [HistoryEntry(*row) for row in queries.history_steps(s, self.member, limit)]

    # -- settings --------------------------------------------------------------------------
    def setting(self, key: str) -> object:
        if key not in SETTINGS_DEFAULTS:
            raise KeyError(key)
        with self._reads() as s:
            raw = s.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).scalar()
            return json.loads(raw) if raw is not None else SETTINGS_DEFAULTS[key]

    # -- identifiers -----------------------------------------------------------------------
    def resolve(self, ident: str) -> int:
        """A paper id from an arXiv id/URL, a citation key, or ``#123`` (internal id)."""
        ident = ident.strip()
        if re.fullmatch(r"#\d+", ident):
            with self._reads() as s:
                if (
                    s.execute(text("SELECT id FROM papers WHERE id = :i"), {"i": int(ident[1:])}).scalar()
                    is None
                ):
                    raise NotFoundError(f"no paper {ident} in the library")
            return int(ident[1:])
        from readinglist.sources.arxiv_ids import parse_id

        with self._reads() as s:
            try:
                aid, _ = parse_id(ident)
            except InvalidIdentifier:
                aid = None
            if aid:
                pid = s.execute(text("SELECT id FROM papers WHERE arxiv_id = :a"), {"a": aid}).scalar()
                if pid is not None:
                    return int(pid)
            pid = s.execute(text("SELECT id FROM papers WHERE citekey = :k"), {"k": ident}).scalar()
            if pid is not None:
                return int(pid)
        if aid:
            raise NotFoundError(f"{aid} is not in the library (add it with: readinglist add {aid})")
        raise NotFoundError(f"no paper with arXiv id or citation key {ident!r} in the library")

    def resolve_many(self, idents: Iterable[str]) -> list[int]:
        return [self.resolve(i) for i in idents]

    # -- reading ---------------------------------------------------------------------------
    def get(self, paper_id: int) -> PaperRow:
        rows = self.get_many([paper_id])
        if not rows:
            raise NotFoundError(f"no paper #{paper_id} in the library")
        return rows[0]

    def get_many(self, ids: Sequence[int]) -> list[PaperRow]:
        with self._reads() as s:
            rows = queries.rows(s, list(ids), self.root)
            tagged = [r.id for r in rows if r.tags]
            auto = _auto_tags(s, tagged) if tagged else {}
        if not auto:
            return rows
        return [recordtype.replace(r, auto_tags=auto[r.id]) if r.id in auto else r for r in rows]

    def paper_ids(
        self, f: PaperFilter, *, sort: str | None = None, descending: bool = True, limit: int | None = None
    ) -> list[int]:
        with self._reads() as s:
            return queries.select_ids(s, f, sort=sort, descending=descending, limit=limit)

    def list_papers(
        self, f: PaperFilter, *, sort: str | None = None, descending: bool = True, limit: int | None = None
    ) -> list[PaperRow]:
        with self._reads() as s:
            ids = queries.select_ids(s, f, sort=sort, descending=descending, limit=limit)
            return queries.rows(s, ids, self.root)

    def count(self, f: PaperFilter) -> int:
        with self._reads() as s:
            return queries.count(s, f)

    def search(self, query: str, *, f: PaperFilter | None = None, limit: int | None = 200) -> list[SearchHit]:
        """Full-text search (see :mod:`readinglist.search` for the syntax)."""
        from readinglist.search import parse_query

        parsed = parse_query(query)
        f = f or PaperFilter(dismissed=None)
        with self._reads() as s:
            if parsed.text:
                return queries.search(s, parsed, f, limit=limit)
            ids = queries.select_ids(s, PaperFilter(**{**f.__dict__, "query": query}), limit=limit)
            return [SearchHit(i) for i in ids]

    def match_info(self, query: str, ids: Sequence[int], *, full: bool = False) -> dict[int, MatchInfo]:
        """Why these papers match ``query``: highlighted title, a fragment, PDF pages."""
        from readinglist.search import parse_query

        with self._reads() as s:
            return queries.match_info(s, parse_query(query), ids, full=full)

    def search_papers(
        self, query: str, *, f: PaperFilter | None = None, limit: int | None = 200
    ) -> list[tuple[PaperRow, SearchHit]]:
        hits = self.search(query, f=f, limit=limit)
        rows = {r.id: r for r in self.get_many([h.paper_id for h in hits])}
        return [(rows[h.paper_id], h) for h in hits if h.paper_id in rows]

    def feed_days(self, limit: int = 60) -> list[FeedDayInfo]:
        """The newest feed days with the number of papers a day's view lists (dismissed ones
        are hidden there, so they are not counted here either)."""
        with self._reads() as s:
            res = s.execute(
                text(
                    "SELECT fa.feed_date, sum(NOT p.dismissed) FROM feed_appearances fa "
                    "JOIN papers p ON p.id = fa.paper_id GROUP BY fa.feed_date "
                    "ORDER BY fa.feed_date DESC LIMIT :n"
                ),
                {"n": limit},
            )
            from readinglist.records_more import FeedDayInfo

            return [FeedDayInfo(queries._date(d), int(n or 0)) for d, n in res]  # type: ignore[arg-type]

    def tags(self) -> list[TagInfo]:
        with self._reads() as s:
            res = s.execute(
                text(
                    "SELECT t.name, count(pt.paper_id), t.color FROM tags t "
                    "LEFT JOIN paper_tags pt ON pt.tag_id = t.id GROUP BY t.id ORDER BY lower(t.name)"
                )
            )
            from readinglist.records_more import TagInfo

            return [TagInfo(n, c, col) for n, c, col in res]

    def reading_lists(self) -> list[ListInfo]:
        with self._reads() as s:
            res = s.execute(
                text(
                    "SELECT rl.name, count(li.paper_id), rl.position FROM reading_lists rl "
                    "LEFT JOIN list_items li ON li.list_id = rl.id GROUP BY rl.id ORDER BY rl.position, rl.name"
                )
            )
            from readinglist.records_more import ListInfo

            return [ListInfo(n, c, p) for n, c, p in res]

    def counts(self) -> dict[str, int]:
        """Sidebar counts in one query."""
        with self._reads() as s:
            r = s.execute(
                text(
                    "SELECT sum(saved AND NOT dismissed), sum(saved AND status='unread' AND NOT dismissed), "
                    "sum(saved AND status='reading' AND NOT dismissed), sum(saved AND status='read' AND NOT dismissed), "
                    "sum(starred), sum(dismissed), count(*) FROM papers"
                )
            ).one()
        keys = ("library", "unread", "reading", "read", "starred", "dismissed", "all")
        return {k: int(v or 0) for k, v in zip(keys, r, strict=True)}

    # -- citation keys --------------------------------------------------------------------
    def make_citekey(
        self,
        meta: PaperMeta,
        taken: Callable[[str], bool],
        family: Callable[[str], Container[str]] | None = None,
    ) -> str:
        from readinglist.bibtex.citekeys import make_citekey

        return make_citekey(meta, pattern=str(self._pattern()), taken=taken, family=family)

    def _pattern(self) -> object:
        # Read once per transaction's thread of use; a change of the pattern clears it.
        if "_pattern_cache" not in self.__dict__:
            self.__dict__["_pattern_cache"] = self.setting("citekey_pattern")
        return self.__dict__["_pattern_cache"]

    def forget_pattern(self) -> None:
        """New papers use a changed citation-key pattern at once."""
        self.__dict__.pop("_pattern_cache", None)

    # -- saved searches --------------------------------------------------------------------
    def saved_searches(self) -> list[SavedSearchInfo]:
        with self._reads() as s:
            res = s.execute(
                text(
                    "SELECT s.name, s.query, s.is_alert, "
                    "(SELECT count(*) FROM alert_matches am WHERE am.search_id = s.id AND NOT am.seen) "
                    "FROM saved_searches s ORDER BY s.position, s.name"
                )
            )
            from readinglist.records_more import SavedSearchInfo

            return [SavedSearchInfo(n, q, bool(a), int(u)) for n, q, a, u in res]

    # -- maintenance -----------------------------------------------------------------------
    def backup(self, reason: str = "manual") -> Path:
        if self.is_shared:
            from readinglist.db import pg

            assert self._engine is not None
            return pg.backup(self._engine, self.backups_dir, reason)
        return dbengine.backup_database(self.db_path, self.backups_dir, reason=reason)

    def maybe_daily_backup(self) -> Path | None:
        """Back up once a day (verified; the newest three are kept).

        The day is claimed in the same write transaction that checks it, so two processes
        starting at once make one backup, not two (which would push out an older one).
        """
        today = dt.date.today().isoformat()
        if self.is_shared:  # a server's backups are its administrator's (pg_dump, WAL archiving)
            return None
        if self.setting("last_daily_backup") == today:
            return None
        from readinglist.db.schema import Setting

        with self.change("Daily backup", undoable=False) as tx:
            row = tx.session.get(Setting, "last_daily_backup")
            if row is not None and json.loads(row.value) == today:
                return None
            tx.session.merge(Setting(key="last_daily_backup", value=json.dumps(today)))
            tx.touched(settings=("last_daily_backup",))
            # Copy inside the claim: the backup API reads a consistent snapshot from its own
            # connection, and a failure rolls the claim back, so tomorrow is not skipped.
            return self.backup("daily")


def _auto_tags(s: Reads, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Which tags of ``ids`` auto-tagging put there (``PaperRow.auto_tags``)."""
    out: dict[int, list[str]] = {}
    for n in range(0, len(ids), 500):
        marks = ", ".join(str(int(i)) for i in ids[n : n + 500])
        res = s.execute(
            text(
                "SELECT pt.paper_id, t.name FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id "
                f"WHERE pt.auto AND pt.paper_id IN ({marks}) ORDER BY t.name"
            ),
            {},
        )
        for pid, name in res:
            out.setdefault(int(pid), []).append(str(name))
    return {k: tuple(v) for k, v in out.items()}

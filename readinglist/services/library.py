"""The facade the CLI and the GUI call. It owns sessions and transactions.

Callers pass plain values (ids, strings, dates) and get plain values or frozen records back;
no ORM object leaves this module. Each thread may call it; every call opens its own session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from readinglist.config import Endpoints, default_library_dir
from readinglist.db import engine as dbengine
from readinglist.db import fts, queries
from readinglist.db.queries import PaperFilter, SearchHit
from readinglist.db.schema import (
    ListItem,
    Paper,
    PaperTag,
    ReadingList,
    SavedSearch,
    Setting,
    Tag,
    utcnow,
)
from readinglist.errors import InvalidIdentifier, NotFoundError, ReadingListError, StorageError
from readinglist.records import Changes, PaperMeta, PaperRow
from readinglist.services import ingest

log = logging.getLogger(__name__)

STATUSES = ("unread", "reading", "read")
DB_NAME = "library.sqlite3"

# Library-level settings: they travel with the library. Declared once, with defaults.
SETTINGS_DEFAULTS: dict[str, object] = {
    "citekey_pattern": "{auth}{year}{title}",
    "sync_backfill_days": 7,
    "last_sync": None,  # ISO date of the newest day synced successfully
    "last_daily_backup": None,
    "write_annotations_to_pdf": False,
}


@dataclass(frozen=True)
class TagInfo:
    name: str
    count: int
    color: str | None


@dataclass(frozen=True)
class ListInfo:
    name: str
    count: int
    position: int


@dataclass(frozen=True)
class SavedSearchInfo:
    name: str
    query: str
    is_alert: bool
    unseen: int = 0


@dataclass(frozen=True)
class FeedDayInfo:
    date: dt.date
    count: int


class Library:
    """A library folder: ``library.sqlite3``, ``pdfs/``, ``backups/`` and ``logs/``."""

    def __init__(self, root: Path, endpoints: Endpoints | None = None) -> None:
        self.root = root.expanduser().resolve()
        self.endpoints = endpoints or Endpoints.from_env()
        self.db_path = self.root / DB_NAME
        self.pdf_dir = self.root / "pdfs"
        self.backups_dir = self.root / "backups"
        self.logs_dir = self.root / "logs"
        self._engine = None
        self._sessions = None
        self._http = None
        self.on_change: list[Callable[[Changes], None]] = []

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path | str | None = None, endpoints: Endpoints | None = None) -> Library:
        """Open (creating if needed) and migrate the library in ``root``."""
        lib = cls(Path(root) if root else default_library_dir(), endpoints)
        lib._open()
        return lib

    def _open(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise StorageError(f"{self.root} is a file, not a library folder")
        try:
            for d in (self.root, self.pdf_dir, self.backups_dir, self.logs_dir):
                d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the library folder {self.root}: {exc.strerror}") from exc
        self._engine = dbengine.make_engine(self.db_path)
        self._sessions = dbengine.make_session_factory(self._engine)
        try:
            dbengine.upgrade(self._engine, self.db_path, self.backups_dir)
        except OperationalError as exc:
            raise StorageError(f"cannot open the library database {self.db_path}: {exc.orig}") from exc

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on any error."""
        if self._sessions is None:
            raise StorageError("the library is closed")
        with self._sessions() as s:
            try:
                yield s
                s.commit()
            except OperationalError as exc:
                s.rollback()
                raise StorageError(f"the library database failed: {exc.orig}; nothing was changed") from exc
            except BaseException:
                s.rollback()
                raise

    @property
    def http(self):  # type: ignore[no-untyped-def]
        """The shared HTTP client (one requests.Session per thread inside)."""
        if self._http is None:
            from readinglist.sources.http import Http

            e = self.endpoints
            self._http = Http.for_endpoints([e.hf, e.arxiv, e.arxiv_api])
        return self._http

    def _notify(self, changes: Changes) -> Changes:
        if not changes.empty:
            for cb in list(self.on_change):
                try:
                    cb(changes)
                except Exception:  # a listener must never break a mutation that committed
                    log.exception("change listener failed")
        return changes

    # -- settings --------------------------------------------------------------------------
    def setting(self, key: str) -> object:
        if key not in SETTINGS_DEFAULTS:
            raise KeyError(key)
        with self.session() as s:
            raw = s.get(Setting, key)
            return json.loads(raw.value) if raw else SETTINGS_DEFAULTS[key]

    def set_setting(self, key: str, value: object) -> None:
        if key not in SETTINGS_DEFAULTS:
            raise KeyError(key)
        if key == "citekey_pattern":
            from readinglist.bibtex.citekeys import validate_pattern

            validate_pattern(str(value))
        with self.session() as s:
            s.merge(Setting(key=key, value=json.dumps(value)))
        if key == "citekey_pattern":
            self.__dict__.pop("_pattern_cache", None)  # new papers use the new pattern at once

    # -- identifiers -----------------------------------------------------------------------
    def resolve(self, ident: str) -> int:
        """A paper id from an arXiv id/URL, a citation key, or ``#123`` (internal id)."""
        ident = ident.strip()
        if re.fullmatch(r"#\d+", ident):
            with self.session() as s:
                if s.get(Paper, int(ident[1:])) is None:
                    raise NotFoundError(f"no paper {ident} in the library")
            return int(ident[1:])
        from readinglist.sources.arxiv import parse_id

        with self.session() as s:
            try:
                aid, _ = parse_id(ident)
            except InvalidIdentifier:
                aid = None
            if aid:
                pid = s.execute(select(Paper.id).where(Paper.arxiv_id == aid)).scalar_one_or_none()
                if pid is not None:
                    return pid
            pid = s.execute(select(Paper.id).where(Paper.citekey == ident)).scalar_one_or_none()
            if pid is not None:
                return pid
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
        with self.session() as s:
            return queries.rows(s, list(ids), self.root)

    def paper_ids(
        self, f: PaperFilter, *, sort: str | None = None, descending: bool = True, limit: int | None = None
    ) -> list[int]:
        with self.session() as s:
            return queries.select_ids(s, f, sort=sort, descending=descending, limit=limit)

    def list_papers(
        self, f: PaperFilter, *, sort: str | None = None, descending: bool = True, limit: int | None = None
    ) -> list[PaperRow]:
        with self.session() as s:
            ids = queries.select_ids(s, f, sort=sort, descending=descending, limit=limit)
            return queries.rows(s, ids, self.root)

    def count(self, f: PaperFilter) -> int:
        with self.session() as s:
            return queries.count(s, f)

    def search(self, query: str, *, f: PaperFilter | None = None, limit: int | None = 200) -> list[SearchHit]:
        """Full-text search (see :mod:`readinglist.search` for the syntax)."""
        from readinglist.search import parse_query

        parsed = parse_query(query)
        f = f or PaperFilter(dismissed=None)
        with self.session() as s:
            if parsed.text:
                return queries.search(s, parsed, f, limit=limit)
            ids = queries.select_ids(s, PaperFilter(**{**f.__dict__, "query": query}), limit=limit)
            return [SearchHit(i) for i in ids]

    def search_papers(
        self, query: str, *, f: PaperFilter | None = None, limit: int | None = 200
    ) -> list[tuple[PaperRow, SearchHit]]:
        hits = self.search(query, f=f, limit=limit)
        rows = {r.id: r for r in self.get_many([h.paper_id for h in hits])}
        return [(rows[h.paper_id], h) for h in hits if h.paper_id in rows]

    def feed_days(self, limit: int = 60) -> list[FeedDayInfo]:
        with self.session() as s:
            res = s.execute(
                text(
                    "SELECT feed_date, count(*) FROM feed_appearances GROUP BY feed_date "
                    "ORDER BY feed_date DESC LIMIT :n"
                ),
                {"n": limit},
            )
            return [FeedDayInfo(queries._date(d), n) for d, n in res]  # type: ignore[arg-type]

    def tags(self) -> list[TagInfo]:
        with self.session() as s:
            res = s.execute(
                select(Tag.name, func.count(PaperTag.paper_id), Tag.color)
                .outerjoin(PaperTag, PaperTag.tag_id == Tag.id)
                .group_by(Tag.id)
                .order_by(func.lower(Tag.name))
            )
            return [TagInfo(n, c, col) for n, c, col in res]

    def reading_lists(self) -> list[ListInfo]:
        with self.session() as s:
            res = s.execute(
                select(ReadingList.name, func.count(ListItem.paper_id), ReadingList.position)
                .outerjoin(ListItem, ListItem.list_id == ReadingList.id)
                .group_by(ReadingList.id)
                .order_by(ReadingList.position, ReadingList.name)
            )
            return [ListInfo(n, c, p) for n, c, p in res]

    def counts(self) -> dict[str, int]:
        """Sidebar counts in one query."""
        with self.session() as s:
            r = s.execute(
                text(
                    "SELECT sum(saved AND NOT dismissed), sum(saved AND status='unread' AND NOT dismissed), "
                    "sum(saved AND status='reading' AND NOT dismissed), sum(saved AND status='read' AND NOT dismissed), "
                    "sum(starred), sum(dismissed), count(*) FROM papers"
                )
            ).one()
        keys = ("library", "unread", "reading", "read", "starred", "dismissed", "all")
        return {k: int(v or 0) for k, v in zip(keys, r, strict=True)}

    # -- adding ----------------------------------------------------------------------------
    def make_citekey(self, meta: PaperMeta, taken: Callable[[str], bool]) -> str:
        from readinglist.bibtex.citekeys import make_citekey

        return make_citekey(meta, pattern=str(self._pattern()), taken=taken)

    def _pattern(self) -> object:
        if not hasattr(self, "_pattern_cache"):
            self._pattern_cache = self.setting("citekey_pattern")
        return self._pattern_cache

    def upsert(
        self, metas: Sequence[PaperMeta], *, save: bool = False, fill_only: bool = False
    ) -> tuple[list[int], Changes]:
        """Insert or update papers from metadata. ``save`` marks them saved (new and old)."""
        with self.session() as s:
            res = ingest.upsert_papers(s, metas, make_key=self.make_citekey, fill_only=fill_only)
            if save and res.ids:
                s.execute(update(Paper).where(Paper.id.in_(res.ids)).values(saved=True, dismissed=False))
        return res.ids, self._notify(Changes(papers=frozenset(res.ids)))

    def add(self, idents: Sequence[str], *, cancelled: Callable[[], bool] | None = None) -> list[int]:
        """Fetch arXiv metadata for ids/URLs and save the papers. Returns their ids."""
        from readinglist.sources.arxiv import ArxivClient, format_id, parse_id

        parsed = [parse_id(i) for i in idents]
        client = ArxivClient(self.http, self.endpoints.arxiv_api, self.endpoints.arxiv_delay)
        metas = client.fetch([format_id(a, v) for a, v in parsed], cancelled=cancelled)
        found = {m.arxiv_id for m in metas}
        missing = [format_id(a, v) for a, v in parsed if a not in found]
        if missing:
            raise NotFoundError(f"arXiv does not know {', '.join(missing)}; nothing was added")
        ids, _ = self.upsert(metas, save=True)
        return ids

    # -- user data -------------------------------------------------------------------------
    def _set(self, ids: Sequence[int], **values: object) -> Changes:
        ids = list(ids)
        if not ids:
            return Changes()
        with self.session() as s:
            found = s.execute(select(func.count()).where(Paper.id.in_(ids))).scalar_one()
            if found != len(set(ids)):
                raise NotFoundError("some of these papers are not in the library; nothing was changed")
            s.execute(update(Paper).where(Paper.id.in_(ids)).values(**values, modified_at=utcnow()))
        return self._notify(Changes(papers=frozenset(ids)))

    def save(self, ids: Sequence[int], saved: bool = True) -> Changes:
        return self._set(ids, saved=saved, **({"dismissed": False} if saved else {}))

    def dismiss(self, ids: Sequence[int], dismissed: bool = True) -> Changes:
        return self._set(ids, dismissed=dismissed)

    def star(self, ids: Sequence[int], starred: bool = True) -> Changes:
        return self._set(ids, starred=starred)

    def set_status(self, ids: Sequence[int], status: str) -> Changes:
        if status not in STATUSES:
            raise ReadingListError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        return self._set(ids, status=status)

    def set_rating(self, ids: Sequence[int], rating: int) -> Changes:
        if not 0 <= rating <= 5:
            raise ReadingListError("rating must be between 0 and 5")
        return self._set(ids, rating=rating)

    def set_note(self, paper_id: int, note: str) -> Changes:
        with self.session() as s:
            n = s.execute(update(Paper).where(Paper.id == paper_id).values(note=note, modified_at=utcnow()))
            if n.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFoundError(f"no paper #{paper_id} in the library")
            fts.refresh_papers(s, [paper_id])
        return self._notify(Changes(papers=frozenset({paper_id})))

    def append_note(self, paper_id: int, addition: str) -> Changes:
        note = self.get(paper_id).note
        sep = (
            "" if not note else ("\n" if note.endswith("\n\n") else ("\n" if note.endswith("\n") else "\n\n"))
        )
        return self.set_note(paper_id, note + sep + addition.rstrip() + "\n")

    def tag(self, ids: Sequence[int], tags: Sequence[str], *, remove: bool = False) -> Changes:
        names = [t.strip() for t in tags if t.strip()]
        for t in names:
            if len(t) > 100 or any(c in t for c in ",\n\t"):
                raise ReadingListError(f"{t!r} is not a usable tag name (no commas, tabs or new lines)")
        if not ids or not names:
            return Changes()
        with self.session() as s:
            found = s.execute(select(func.count()).where(Paper.id.in_(list(ids)))).scalar_one()
            if found != len(set(ids)):
                raise NotFoundError("some of these papers are not in the library; nothing was changed")
            tag_ids = []
            for name in names:
                tag = s.execute(select(Tag).where(Tag.name == name)).scalar_one_or_none()
                if tag is None:
                    if remove:
                        continue
                    tag = Tag(name=name)
                    s.add(tag)
                    s.flush()
                tag_ids.append(tag.id)
            if remove:
                s.execute(
                    delete(PaperTag).where(PaperTag.paper_id.in_(list(ids)), PaperTag.tag_id.in_(tag_ids))
                )
            else:
                s.execute(
                    text("INSERT OR IGNORE INTO paper_tags(paper_id, tag_id) VALUES (:p, :t)"),
                    [{"p": p, "t": t} for p in ids for t in tag_ids],
                )
            s.execute(update(Paper).where(Paper.id.in_(list(ids))).values(modified_at=utcnow()))
            fts.refresh_papers(s, ids)
        return self._notify(Changes(papers=frozenset(ids), tags=True))

    def set_tag_color(self, name: str, color: str | None) -> Changes:
        if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            raise ReadingListError(f"{color!r} is not a colour like #3b82f6")
        with self.session() as s:
            n = s.execute(update(Tag).where(Tag.name == name).values(color=color))
            if n.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFoundError(f"no tag {name!r}")
        return self._notify(Changes(tags=True))

    def rename_tag(self, old: str, new: str) -> Changes:
        new = new.strip()
        with self.session() as s:
            tag = s.execute(select(Tag).where(Tag.name == old)).scalar_one_or_none()
            if tag is None:
                raise NotFoundError(f"no tag {old!r}")
            other = s.execute(select(Tag).where(Tag.name == new)).scalar_one_or_none()
            ids = list(s.execute(select(PaperTag.paper_id).where(PaperTag.tag_id == tag.id)).scalars())
            if other is not None and other.id != tag.id:  # merge into the existing tag
                s.execute(
                    text(
                        "INSERT OR IGNORE INTO paper_tags(paper_id, tag_id) SELECT paper_id, :n FROM paper_tags WHERE tag_id = :o"
                    ),
                    {"n": other.id, "o": tag.id},
                )
                s.delete(tag)
            else:
                tag.name = new
            s.flush()
            fts.refresh_papers(s, ids)
        return self._notify(Changes(papers=frozenset(ids), tags=True))

    def delete_tag(self, name: str) -> Changes:
        with self.session() as s:
            tag = s.execute(select(Tag).where(Tag.name == name)).scalar_one_or_none()
            if tag is None:
                raise NotFoundError(f"no tag {name!r}")
            ids = list(s.execute(select(PaperTag.paper_id).where(PaperTag.tag_id == tag.id)).scalars())
            s.delete(tag)
            s.flush()
            fts.refresh_papers(s, ids)
        return self._notify(Changes(papers=frozenset(ids), tags=True))

    # -- reading lists ---------------------------------------------------------------------
    def create_list(self, name: str) -> Changes:
        name = name.strip()
        if not name:
            raise ReadingListError("a reading list needs a name")
        with self.session() as s:
            if s.execute(select(ReadingList).where(ReadingList.name == name)).scalar_one_or_none():
                raise ReadingListError(f"a reading list named {name!r} already exists")
            pos = s.execute(select(func.coalesce(func.max(ReadingList.position), -1))).scalar_one() + 1
            s.add(ReadingList(name=name, position=pos))
        return self._notify(Changes(lists=True))

    def _list(self, s: Session, name: str) -> ReadingList:
        rl = s.execute(select(ReadingList).where(ReadingList.name == name)).scalar_one_or_none()
        if rl is None:
            raise NotFoundError(f"no reading list named {name!r}")
        return rl

    def rename_list(self, old: str, new: str) -> Changes:
        with self.session() as s:
            self._list(s, old).name = new.strip()
        return self._notify(Changes(lists=True))

    def delete_list(self, name: str) -> Changes:
        with self.session() as s:
            s.delete(self._list(s, name))
        return self._notify(Changes(lists=True))

    def add_to_list(self, name: str, ids: Sequence[int]) -> Changes:
        with self.session() as s:
            rl = self._list(s, name)
            pos = s.execute(
                select(func.coalesce(func.max(ListItem.position), -1)).where(ListItem.list_id == rl.id)
            ).scalar_one()
            for pid in ids:
                pos += 1
                s.execute(
                    text("INSERT OR IGNORE INTO list_items(list_id, paper_id, position) VALUES (:l, :p, :n)"),
                    {"l": rl.id, "p": pid, "n": pos},
                )
        return self._notify(Changes(papers=frozenset(ids), lists=True))

    def remove_from_list(self, name: str, ids: Sequence[int]) -> Changes:
        with self.session() as s:
            rl = self._list(s, name)
            s.execute(delete(ListItem).where(ListItem.list_id == rl.id, ListItem.paper_id.in_(list(ids))))
        return self._notify(Changes(papers=frozenset(ids), lists=True))

    def reorder_list(self, name: str, ordered_ids: Sequence[int]) -> Changes:
        """Set the order of a reading list; ids not given keep their relative order after these."""
        with self.session() as s:
            rl = self._list(s, name)
            current = list(
                s.execute(
                    select(ListItem.paper_id).where(ListItem.list_id == rl.id).order_by(ListItem.position)
                ).scalars()
            )
            wanted = [i for i in ordered_ids if i in set(current)]
            order = wanted + [i for i in current if i not in set(wanted)]
            for pos, pid in enumerate(order):
                s.execute(
                    update(ListItem)
                    .where(ListItem.list_id == rl.id, ListItem.paper_id == pid)
                    .values(position=pos)
                )
        return self._notify(Changes(lists=True))

    def reorder_lists(self, names: Sequence[str]) -> Changes:
        with self.session() as s:
            for pos, name in enumerate(names):
                s.execute(update(ReadingList).where(ReadingList.name == name).values(position=pos))
        return self._notify(Changes(lists=True))

    # -- saved searches --------------------------------------------------------------------
    def save_search(self, name: str, query: str, *, alert: bool = False) -> Changes:
        from readinglist.search import parse_query

        parse_query(query)  # refuse what we could never run
        name = name.strip()
        if not name:
            raise ReadingListError("a saved search needs a name")
        with self.session() as s:
            existing = s.execute(select(SavedSearch).where(SavedSearch.name == name)).scalar_one_or_none()
            if existing:
                existing.query, existing.is_alert = query, alert
            else:
                pos = s.execute(select(func.coalesce(func.max(SavedSearch.position), -1))).scalar_one() + 1
                s.add(SavedSearch(name=name, query=query, is_alert=alert, position=pos))
        return self._notify(Changes(searches=True))

    def delete_search(self, name: str) -> Changes:
        with self.session() as s:
            n = s.execute(delete(SavedSearch).where(SavedSearch.name == name))
            if n.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFoundError(f"no saved search named {name!r}")
        return self._notify(Changes(searches=True))

    def saved_searches(self) -> list[SavedSearchInfo]:
        with self.session() as s:
            res = s.execute(
                text(
                    "SELECT s.name, s.query, s.is_alert, "
                    "(SELECT count(*) FROM alert_matches am WHERE am.search_id = s.id AND NOT am.seen) "
                    "FROM saved_searches s ORDER BY s.position, s.name"
                )
            )
            return [SavedSearchInfo(n, q, bool(a), int(u)) for n, q, a, u in res]

    # -- maintenance -----------------------------------------------------------------------
    def backup(self, reason: str = "manual") -> Path:
        return dbengine.backup_database(self.db_path, self.backups_dir, reason=reason)

    def maybe_daily_backup(self) -> Path | None:
        """Back up once a day (verified; the newest three are kept)."""
        today = dt.date.today().isoformat()
        if self.setting("last_daily_backup") == today:
            return None
        path = self.backup("daily")
        self.set_setting("last_daily_backup", today)
        return path

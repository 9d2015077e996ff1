"""The engine: SQLite (pragmas: WAL, foreign keys, busy timeout) or PostgreSQL by URL
(:mod:`readinglist.db.pg`), sessions, migrations, backups."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from readinglist.errors import StorageError
from readinglist.fileutil import free_megabytes

if TYPE_CHECKING:  # imported where used: a command that only reads never loads SQLAlchemy
    from sqlalchemy import Connection, Engine
    from sqlalchemy.orm import Session, sessionmaker


MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Keep in step with the newest file in migrations/versions: a fast path that avoids importing
# Alembic (about 100 ms) on every start when the library is already current.
HEAD_REVISION = "0017_export"
BACKUPS_KEPT = 3


# A connection that writes gets a bigger page cache: SQLite's default (2 MiB) is smaller than
# one sync window's or one import's dirty pages, so it spilled them into the -wal mid-change
# and read them back. SQLite's checkpoint at every commit past 1,000 -wal pages copied the same
# index pages into the main file again and again, while the unit of work checkpoints after a
# change anyway (at most once a second). A sync of 10,000 papers wrote 274 MB and read 318 MB;
# with both, 190 and 83 MB. The cache fills only as far as a change uses it; a pooled
# connection keeps it for the reads it serves later, connections that never wrote keep 2 MiB.
WRITER_CACHE_KIB = 32 * 1024
AUTOCHECKPOINT_PAGES = 8192  # 32 MiB of -wal at 4 KiB pages


def _set_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # The driver's own transaction handling begins only before DML, so a read-modify-write
    # would read outside the lock it later takes. We issue BEGIN ourselves (see _begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cur.close()


def _begin(conn: Connection) -> None:
    """Every transaction starts explicitly: reads get one snapshot, and a write transaction
    (``sqlite_begin="IMMEDIATE"``) takes the write lock before its first read, so two writers
    doing read-modify-write cannot interleave and lose an update."""
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    if mode == "IMMEDIATE":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
    conn.exec_driver_sql(f"BEGIN {mode}")


def readonly_flags(db_path: Path) -> str:
    """URI flags to read a library that cannot be written. A WAL reader needs the -shm file; a
    read-only folder or a full disk cannot create it, so then the file is opened immutable,
    which is safe only while no -wal holds changes (with one, its -shm is there already)."""
    wal = Path(f"{db_path}-wal")
    shm = Path(f"{db_path}-shm")
    has_wal = wal.exists() and wal.stat().st_size > 0
    if shm.exists() or has_wal:
        return "mode=ro"
    writable = os.access(db_path.parent, os.W_OK) and (free_megabytes(db_path.parent) or 0) >= 1
    return "mode=ro" if writable else "mode=ro&immutable=1"


def _set_read_only_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA busy_timeout=10000")


def make_engine(
    db_path: Path, url: str | None = None, *, read_only: bool = False, member: Callable[[], str] | None = None
) -> Engine:
    """The library's engine: the SQLite file ``db_path``, or the server at ``url`` (PostgreSQL).
    ``read_only`` opens the file immutable (a read-only folder can hold neither the -wal nor the
    -shm file, and nobody can write there anyway). ``member`` names who is working on a server
    (asked at every transaction; default ``READINGLIST_USER``)."""
    from sqlalchemy import create_engine, event

    if url and not url.startswith("sqlite"):
        from readinglist.db import pg

        return pg.make_engine(url, member) if member else pg.make_engine(url)
    if url:
        db_path = Path(url.split(":///", 1)[1])
    if read_only:
        url = f"sqlite:///file:{db_path}?{readonly_flags(db_path)}&uri=true"
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _set_read_only_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False, "timeout": 10})
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", _begin)
    return engine


def write_engine(engine: Engine) -> Engine:
    """The same engine (and pool) whose transactions begin with the write lock held (on
    PostgreSQL: a transaction-scoped advisory lock, see :mod:`readinglist.db.pg`)."""
    if engine.dialect.name != "sqlite":
        return engine.execution_options(pg_write_lock=True)
    return engine.execution_options(sqlite_begin="IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)


def current_revision(db_path: Path) -> str | None:
    """The Alembic revision of a library file, or None for a new or empty file."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    try:
        con = sqlite3.connect(f"file:{db_path}?{readonly_flags(db_path)}", uri=True)
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise StorageError(f"cannot read the library database {db_path}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{db_path} is not a readinglist library (or it is damaged): {exc}") from exc
    return row[0] if row else None


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def upgrade(engine: Engine, db_path: Path, backups_dir: Path) -> str | None:
    """Bring the database to the newest schema, backing it up first if it holds data.

    Returns the path of the backup taken, if any.
    """
    if engine.dialect.name != "sqlite":
        from readinglist.db import pg

        return pg.upgrade(engine, backups_dir)
    rev = current_revision(db_path)
    if rev == HEAD_REVISION:
        return None
    if rev is not None and rev not in known_revisions():
        raise StorageError(
            f"this library was written by a newer readinglist (schema {rev}); "
            "upgrade readinglist to open it. Nothing was changed."
        )
    backup = None  # (a file with no schema at all got db/template.py's script before this)
    if rev is not None:
        backup = str(backup_database(db_path, backups_dir, reason=f"before-upgrade-{rev}"))
    run_migrations(engine)
    return backup


def run_migrations(engine: Engine) -> None:
    """Every migration the database lacks, by Alembic."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def checkpoint(engine: Engine, mode: str = "PASSIVE") -> None:
    """Move committed pages from the -wal file into the database file, so an acknowledged
    change does not live only in -wal (which sync tools and careless copies lose)."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA wal_checkpoint({mode})")
            conn.rollback()
    except Exception as exc:  # a checkpoint is housekeeping: never fail a committed change for it
        import logging

        logging.getLogger(__name__).debug("wal_checkpoint(%s) failed: %s", mode, exc)


def backup_database(
    db_path: Path, backups_dir: Path, *, reason: str = "daily", keep: int = BACKUPS_KEPT
) -> Path:
    """Copy the database with SQLite's online backup API, verify the copy, keep the newest ``keep``."""
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backups_dir / f"library-{stamp}-{reason}.sqlite3"
    tmp = target.with_suffix(".tmp")
    copy_database(db_path, tmp)
    tmp.replace(target)
    backups = sorted(backups_dir.glob("library-*.sqlite3"))
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)
    return target


def copy_database(src: Path, dst: Path) -> None:
    """Copy a database with SQLite's online backup API (consistent while it is open) and verify
    the copy with ``integrity_check``; a bad copy is removed and raises :class:`StorageError`."""
    try:
        source = sqlite3.connect(str(src))
        try:
            target = sqlite3.connect(str(dst))
            try:
                source.backup(target)
                ok = target.execute("PRAGMA integrity_check").fetchone()
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        dst.unlink(missing_ok=True)
        raise StorageError(f"could not copy the library database {src}: {exc}; nothing was changed") from exc
    if not ok or ok[0] != "ok":
        dst.unlink(missing_ok=True)
        raise StorageError(f"the copy of {src} failed its integrity check; nothing was changed")


def latest_backup(backups_dir: Path) -> Path | None:
    backups = sorted(backups_dir.glob("library-*.sqlite3"))
    return backups[-1] if backups else None

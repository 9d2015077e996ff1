"""PostgreSQL as the library's store (a lab library shared by a group).

``READINGLIST_DATABASE_URL=postgresql+psycopg://user@host/db`` points a library at a server.
Writers serialise on one transaction-scoped advisory lock taken as their transaction begins
(what ``BEGIN IMMEDIATE`` is on SQLite), so a read-modify-write never loses an update, whoever
else is writing. The schema comes from the same Alembic migrations as SQLite's; an upgrade of
a database holding data is preceded by a ``pg_dump`` (or refused, when there is no pg_dump and
``READINGLIST_PG_NO_BACKUP=1`` does not say the user has a backup of their own).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from readinglist.config import member_name
from readinglist.db.pgmembers import MEMBER_SETTING
from readinglist.errors import StorageError

log = logging.getLogger(__name__)

# The advisory lock every write transaction holds (an arbitrary constant: "rl" + "write").
WRITE_LOCK = 0x726C_7772
# The session-level advisory lock a schema upgrade holds ("rl" + "upgr").
UPGRADE_LOCK = 0x726C_7570
CHANGES_CHANNEL = "readinglist_changes"
CONNECT_TIMEOUT = 5


def is_postgres(url: str | None) -> bool:
    return bool(url) and str(url).startswith("postgresql")


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database server"


def libpq_url(url: str) -> str:
    """The URL as libpq (psycopg.connect) takes it: no SQLAlchemy driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_engine(url: str, member: Callable[[], str] = member_name) -> Engine:
    """The engine for the server at ``url``. Every transaction begins by naming the member
    (``member()``, asked each time: the library's member may change), whose triage the
    ``papers`` view shows (``db/pgmembers.py``), and writers take the write lock."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise StorageError("a PostgreSQL library needs psycopg: pip install 'readinglist[postgres]'") from exc
    engine = create_engine(
        url,
        pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
        pool_size=5,
        max_overflow=10,
        connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "readinglist"},
    )

    def begin(conn: Connection) -> None:
        conn.execute(text(f"SELECT set_config('{MEMBER_SETTING}', :m, true)"), {"m": member()})
        if conn.get_execution_options().get("pg_write_lock"):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")

    event.listen(engine, "begin", begin)
    return engine


# What libpq says (its messages are stable across versions), and what the user can do about it.
_CAUSES = (
    ("connection refused", "nothing answers there: is PostgreSQL running on that host and port, "
     "and listening on that address (listen_addresses)?"),
    ("password authentication failed", "the server refused the password for this user"),
    ("no password supplied", "the server wants a password: put it in the URL (user:password@host) "
     "or in ~/.pgpass"),
    ("does not exist", None),  # role or database "x" does not exist: libpq's words say it best
    ("no pg_hba.conf entry", "the server does not let this user connect from this machine "
     "(pg_hba.conf)"),
    ("could not translate host name", "the host name is unknown (a typo, or no network?)"),
    ("timeout expired", f"the server did not answer within {CONNECT_TIMEOUT} s"),
)  # fmt: skip


def connection_error(url: str, exc: BaseException) -> StorageError:
    """One clear sentence for a server that cannot be reached or refuses us."""
    orig = getattr(exc, "orig", exc)
    text_ = " ".join(str(orig).split())
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    reason = first
    for needle, said in _CAUSES:
        if needle in text_.lower():
            if said is None:  # libpq puts its own reason after "FATAL:"
                said = text_.split("FATAL:")[-1].strip()
            reason = said
            break
    return StorageError(f"cannot reach the PostgreSQL library at {describe(url)}: {reason}")


def probe(url: str) -> str:
    """Connect to ``url`` once and say what is there (the server's version, and whether it
    holds a library yet); :class:`StorageError` with the reason when it cannot."""
    try:
        import psycopg
    except ImportError as exc:
        raise StorageError("a PostgreSQL library needs psycopg: pip install 'readinglist[postgres]'") from exc
    try:
        with psycopg.connect(
            libpq_url(url), connect_timeout=CONNECT_TIMEOUT, application_name="readinglist"
        ) as con:
            version = str(con.info.server_version // 10000)
            has = con.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
            papers = None
            if has and has[0]:
                row = con.execute("SELECT count(*) FROM papers").fetchone()
                papers = int(row[0]) if row else 0
    except psycopg.Error as exc:
        raise connection_error(url, exc) from exc
    held = (
        "an empty database: the library is created there"
        if papers is None
        else f"a library of {papers} papers"
    )
    return f"connected to PostgreSQL {version} at {describe(url)}: {held}"


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as con:
        has = con.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
        if not has:
            return None
        return con.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _pg_dump() -> str | None:
    found = shutil.which("pg_dump")
    if found:
        return found
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / "pg_dump").exists():
            return str(d / "pg_dump")
    return None


def backup(engine: Engine, backups_dir: Path, reason: str, keep: int = 3) -> Path:
    """``pg_dump`` the library (custom format) into ``backups_dir``; the newest ``keep`` stay."""
    dump = _pg_dump()
    if dump is None:
        raise StorageError(
            "cannot back up the PostgreSQL library: pg_dump is not installed. Install PostgreSQL's "
            "client tools, or back the database up yourself and set READINGLIST_PG_NO_BACKUP=1. "
            "Nothing was changed."
        )
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backups_dir / f"library-{stamp}-{reason}.pgdump"
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(password=None).render_as_string(hide_password=False)
    res = subprocess.run(
        [dump, "--format=custom", "--file", str(target), dsn], env=env, capture_output=True, text=True
    )
    if res.returncode != 0:
        target.unlink(missing_ok=True)
        raise StorageError(f"pg_dump failed ({res.stderr.strip()}); nothing was changed")
    for old in sorted(backups_dir.glob("library-*.pgdump"))[:-keep]:
        old.unlink(missing_ok=True)
    return target


def upgrade(engine: Engine, backups_dir: Path) -> str | None:
    """Bring the server's schema to the newest revision (backing up first if it holds data)."""
    from readinglist.db import engine as dbengine

    try:
        rev = current_revision(engine)
    except OperationalError as exc:
        raise connection_error(str(engine.url), exc) from exc
    if rev == dbengine.HEAD_REVISION:
        return None
    # Members opening a new (or older) library at once: one upgrades, the others wait for it
    # and then find nothing to do.
    with engine.connect() as holder:
        holder.exec_driver_sql(f"SELECT pg_advisory_lock({UPGRADE_LOCK})")
        holder.commit()
        try:
            return _upgrade_locked(engine, backups_dir)
        finally:
            holder.exec_driver_sql(f"SELECT pg_advisory_unlock({UPGRADE_LOCK})")
            holder.commit()


def _upgrade_locked(engine: Engine, backups_dir: Path) -> str | None:
    from readinglist.db import engine as dbengine

    rev = current_revision(engine)
    if rev == dbengine.HEAD_REVISION:
        return None
    if rev is not None and rev not in dbengine.known_revisions():
        raise StorageError(
            f"this library was written by a newer readinglist (schema {rev}); "
            "upgrade readinglist to open it. Nothing was changed."
        )
    taken = None
    if rev is not None and os.environ.get("READINGLIST_PG_NO_BACKUP") != "1":
        taken = str(backup(engine, backups_dir, f"before-upgrade-{rev}"))
    from alembic import command

    try:
        command.upgrade(dbengine._alembic_config(engine), "head")
    except DBAPIError as exc:
        raise StorageError(f"could not upgrade the PostgreSQL library: {exc.orig}") from exc
    return taken


def reset_sequences(con: Connection) -> None:
    """Move every serial id past the largest id in its table (after rows came with their ids)."""
    rows = con.execute(
        text(
            "SELECT c.table_name, c.column_name, pg_get_serial_sequence(c.table_name, c.column_name) "
            "FROM information_schema.columns c WHERE c.table_schema = current_schema() "
            "AND pg_get_serial_sequence(c.table_name, c.column_name) IS NOT NULL"
        )
    ).all()
    for table, column, seq in rows:
        con.execute(
            text(f'SELECT setval(:s, COALESCE((SELECT max("{column}") FROM "{table}"), 0) + 1, false)'),
            {"s": seq},
        )

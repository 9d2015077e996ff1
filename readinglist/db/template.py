"""A new SQLite library's schema, made in one script instead of by every migration.

Running the migrations into an empty file took 0.5 s, imports of Alembic and SQLAlchemy's
DDL included: a first import, a first sync and every test paid it. ``schema_head.sql`` holds
what the migrations make, as SQL: each schema object's own ``CREATE`` text (SQLite keeps it
verbatim, ``ALTER TABLE`` edits included) and the rows the migrations write. A test rebuilds
it from a migrated library and compares; regenerate it with
``python -m readinglist.db.template`` after adding a migration.

The library uses the script only for a file with no schema at all, before it makes an
engine; anything else goes through Alembic (``engine.upgrade``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

TEMPLATE = Path(__file__).with_name("schema_head.sql")
_ORDER = {"table": 0, "index": 1, "view": 2, "trigger": 3}


def _shadow(name: str, virtual: set[str]) -> bool:
    """A table SQLite makes for a virtual table (``papers_fts_data`` …) or for itself."""
    return name.startswith("sqlite_") or any(name.startswith(v + "_") for v in virtual)


def schema_script(con: sqlite3.Connection) -> str:
    """The SQL that makes ``con``'s schema and rows again, in an order SQLite accepts."""
    objects = con.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    virtual = {
        name for kind, name, sql in objects if kind == "table" and sql.upper().startswith("CREATE VIRTUAL")
    }
    kept = [(kind, name, sql) for kind, name, sql in objects if not _shadow(name, virtual)]
    kept.sort(key=lambda o: _ORDER[o[0]])  # stable: creation order within a kind
    lines = [f"{sql};" for _kind, _name, sql in kept]
    for kind, name, _sql in kept:
        if kind != "table" or name in virtual:
            continue
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')]
        values = " || ', ' || ".join(f'quote("{c}")' for c in cols)
        for (row,) in con.execute(f'SELECT {values} FROM "{name}" ORDER BY rowid'):
            lines.append(f'INSERT INTO "{name}" VALUES ({row});')
    return "\n".join(lines) + "\n"


def create(db_path: Path) -> bool:
    """Make a library file's schema from the template, in one transaction; False (nothing
    done) when the file already has a schema or the template is missing."""
    try:
        script = TEMPLATE.read_text(encoding="utf-8")
    except OSError:
        return False
    try:
        con = sqlite3.connect(db_path, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                con.execute("ROLLBACK")
                return False
            for statement in _statements(script):
                con.execute(statement)
            con.execute("COMMIT")
            return True
        finally:
            if con.in_transaction:
                con.execute("ROLLBACK")
            con.close()
    except sqlite3.Error as exc:
        from readinglist.errors import StorageError

        raise StorageError(
            f"cannot create the library database {db_path}: {exc}; nothing was written"
        ) from exc


def _statements(script: str) -> list[str]:
    """The script's statements (each complete by sqlite3.complete_statement)."""
    out: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            out.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError("the schema template ends inside a statement")
    return out


def main() -> None:
    """Rewrite schema_head.sql from a library made by the migrations."""
    import tempfile

    from readinglist.config import Endpoints
    from readinglist.db import engine
    from readinglist.services.library import Library

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = root / "library.sqlite3"
        eng = engine.make_engine(db)
        engine.run_migrations(eng)
        eng.dispose()
        con = sqlite3.connect(db)
        try:
            TEMPLATE.write_text(schema_script(con), encoding="utf-8")
        finally:
            con.close()
        Library.open(root / "fresh", Endpoints()).close()  # a new library made from it opens
    print(f"wrote {TEMPLATE}")


if __name__ == "__main__":
    main()

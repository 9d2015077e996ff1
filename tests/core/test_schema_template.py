"""A new library's schema comes from db/schema_head.sql: it must be what the migrations make."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from readinglist.config import Endpoints
from readinglist.db import engine, template
from readinglist.errors import StorageError
from readinglist.services.library import Library


def _script(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return template.schema_script(con)
    finally:
        con.close()


_SHADOW = ("_config", "_content", "_data", "_docsize", "_idx")


def _catalog(db: Path) -> list[tuple[object, ...]]:
    """Every schema object. SQLite writes an FTS table's shadow tables itself, quoting their
    names with ' when it makes them and with " when a rename rewrote them (as 0016 did)."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        con.close()
    return [
        (kind, name, tbl, sql.replace("'", '"') if sql and "_fts" in name and name.endswith(_SHADOW) else sql)
        for kind, name, tbl, sql in rows
    ]


def test_the_template_is_what_the_migrations_make(tmp_path: Path) -> None:
    db = tmp_path / "migrated.sqlite3"
    eng = engine.make_engine(db)
    engine.run_migrations(eng)
    eng.dispose()
    assert _script(db) == template.TEMPLATE.read_text(encoding="utf-8"), (
        "db/schema_head.sql is stale: run python -m readinglist.db.template"
    )
    made = tmp_path / "made.sqlite3"
    assert template.create(made)
    # every object (FTS shadow tables and automatic indexes included) and every row the same
    assert _catalog(made) == _catalog(db)
    assert _script(made) == _script(db)


def test_a_new_library_is_made_from_the_template_at_the_newest_revision(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib", Endpoints(arxiv_delay=0))
    try:
        assert engine.current_revision(lib.db_path) == engine.HEAD_REVISION
        assert not list(lib.backups_dir.iterdir())  # nothing to back up in a new file
    finally:
        lib.close()


def test_the_template_never_touches_a_file_with_a_schema(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE mine (x)")
    con.execute("INSERT INTO mine VALUES (1)")
    con.commit()
    con.close()
    assert not template.create(db)
    assert _catalog(db) == [("table", "mine", "mine", "CREATE TABLE mine (x)")]


def test_a_failing_script_leaves_the_file_without_a_schema(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.sql"
    broken.write_text("CREATE TABLE a (x);\nCREATE TABLE a (x);\n", encoding="utf-8")
    monkeypatch.setattr(template, "TEMPLATE", broken)
    db = tmp_path / "new.sqlite3"
    with pytest.raises(StorageError, match="already exists"):
        template.create(db)
    assert _catalog(db) == []  # rolled back: the migrations can still make it

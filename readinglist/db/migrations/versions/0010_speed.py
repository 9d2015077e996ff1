"""speed: FTS5 prefix indexes (prefix='2 3'), sort indexes for every sort order, rendered entries

Revision ID: 0010_speed
Revises: 0009_lab

The FTS5 tables are rebuilt with prefix indexes by copying every row, rowid included, from the
old table into the new one (the PDF text exists only there, so nothing is recomputed), then
swapping the names. Rebuilt the same way without them on downgrade.
"""

from __future__ import annotations

from alembic import op

revision = "0010_speed"
down_revision = "0009_lab"
branch_labels = None
depends_on = None

_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
# Spelled out here so later changes to db/fts.py cannot rewrite history.
_TABLES = {
    "papers_fts": ("title, abstract, authors, tags, notes, annots", "title, abstract, authors, tags, notes, annots"),
    "pdf_fts": ("body, paper_id UNINDEXED, page UNINDEXED", "body, paper_id, page"),
}
_INDEXES = (
    "CREATE INDEX ix_papers_sort_upvotes ON papers (dismissed, upvotes)",
    "CREATE INDEX ix_papers_sort_published ON papers (dismissed, published)",
    "CREATE INDEX ix_papers_sort_added ON papers (dismissed, added_at)",
    "CREATE INDEX ix_papers_sort_feed ON papers (dismissed, last_feed_date, upvotes)",
    "CREATE INDEX ix_papers_sort_status ON papers (dismissed, status)",
    "CREATE INDEX ix_papers_sort_citekey ON papers (dismissed, citekey)",
    "CREATE INDEX ix_papers_sort_comments ON papers (dismissed, num_comments)",
    "CREATE INDEX ix_papers_sort_title ON papers (dismissed, title COLLATE NOCASE)",
    "CREATE INDEX ix_papers_sort_author ON papers (dismissed, json_extract(authors, '$[0]') COLLATE NOCASE)",
)


def _rebuild_fts(prefix: str) -> None:
    for table, (decl, cols) in _TABLES.items():
        op.execute(f"CREATE VIRTUAL TABLE {table}_new USING fts5({decl}, {prefix}{_TOKENIZE})")
        op.execute(f"INSERT INTO {table}_new(rowid, {cols}) SELECT rowid, {cols} FROM {table}")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")


# A paper's rendered export entries go whenever its row changes or is deleted, whoever does it.
_TRIGGERS = (
    "CREATE TRIGGER rendered_entries_on_update AFTER UPDATE ON papers BEGIN "
    "DELETE FROM rendered_entries WHERE paper_id = OLD.id; END",
    "CREATE TRIGGER rendered_entries_on_delete AFTER DELETE ON papers BEGIN "
    "DELETE FROM rendered_entries WHERE paper_id = OLD.id; END",
)


_RENDERED = (
    "CREATE TABLE rendered_entries (paper_id INTEGER NOT NULL, fmt VARCHAR(20) NOT NULL, "
    "version VARCHAR(40) NOT NULL, text TEXT NOT NULL, "
    "CONSTRAINT pk_rendered_entries PRIMARY KEY (paper_id, fmt))"
)
# On PostgreSQL: no FTS5 (search has its own tables, 0009_lab), a trigger function instead of
# SQLite's trigger bodies, and the sort indexes on the plain columns.
_PG_TRIGGERS = (
    "CREATE FUNCTION rendered_entries_drop() RETURNS trigger AS $$ BEGIN "
    "DELETE FROM rendered_entries WHERE paper_id = OLD.id; RETURN NULL; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER rendered_entries_on_change AFTER UPDATE OR DELETE ON papers "
    "FOR EACH ROW EXECUTE FUNCTION rendered_entries_drop()",
)
_PG_INDEXES = tuple(sql for sql in _INDEXES if "COLLATE" not in sql)


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    if _postgres():
        for sql in (*_PG_INDEXES, _RENDERED, *_PG_TRIGGERS):
            op.execute(sql)
        return
    _rebuild_fts("prefix='2 3', ")
    for sql in _INDEXES:
        op.execute(sql)
    op.execute(
        "CREATE TABLE rendered_entries (paper_id INTEGER NOT NULL, fmt VARCHAR(20) NOT NULL, "
        "version VARCHAR(40) NOT NULL, text TEXT NOT NULL, "
        "CONSTRAINT pk_rendered_entries PRIMARY KEY (paper_id, fmt))"
    )
    for sql in _TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS rendered_entries_on_change ON papers")
        op.execute("DROP FUNCTION IF EXISTS rendered_entries_drop()")
        op.execute("DROP TABLE IF EXISTS rendered_entries")
        for sql in _PG_INDEXES:
            op.execute("DROP INDEX IF EXISTS " + sql.split()[2])
        return
    op.execute("DROP TRIGGER IF EXISTS rendered_entries_on_update")
    op.execute("DROP TRIGGER IF EXISTS rendered_entries_on_delete")
    op.execute("DROP TABLE IF EXISTS rendered_entries")
    for sql in _INDEXES:
        op.execute("DROP INDEX IF EXISTS " + sql.split()[2])
    _rebuild_fts("")

"""speed: FTS5 prefix indexes (prefix='2 3'), sort indexes for every sort order, rendered entries

Revision ID: 0010_speed
Revises: 0006_interop

The FTS5 tables are rebuilt with prefix indexes by copying every row, rowid included, from the
old table into the new one (the PDF text exists only there, so nothing is recomputed), then
swapping the names. Rebuilt the same way without them on downgrade.
"""

from __future__ import annotations

from alembic import op

revision = "0010_speed"
down_revision = "0006_interop"  # main's newest; the integrator re-chains at merge
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


def upgrade() -> None:
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
    op.execute("DROP TRIGGER IF EXISTS rendered_entries_on_update")
    op.execute("DROP TRIGGER IF EXISTS rendered_entries_on_delete")
    op.execute("DROP TABLE IF EXISTS rendered_entries")
    for sql in _INDEXES:
        op.execute("DROP INDEX IF EXISTS " + sql.split()[2])
    _rebuild_fts("")

"""search: one-letter prefixes read an index, and year filters read one

Revision ID: 0016_search
Revises: 0015_versions

``papers_fts`` is rebuilt with ``prefix='1 2 3'`` (``m*`` reads one prefix doclist instead of
every term that starts with m) by copying every row, rowid included, as 0010_speed did. The PDF
text index keeps ``'2 3'``: it is many times larger and a one-letter prefix over PDF pages
matches nearly every page anyway. ``ix_papers_year`` indexes the exact expression the queries
filter ``year:`` on, so a year filter reads the index instead of computing ``strftime`` for
every paper. Nothing changes on PostgreSQL: its search has its own tsvector tables (0009_lab).
"""

from __future__ import annotations

from alembic import op

revision = "0016_search"
down_revision = "0015_versions"
branch_labels = None
depends_on = None

# Spelled out here so later changes to db/fts.py or db/queries.py cannot rewrite history.
_COLS = "title, abstract, authors, tags, notes, annots"
_TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
_YEAR_INDEX = (
    "CREATE INDEX ix_papers_year ON papers (COALESCE(year, CAST(strftime('%Y', published) AS INTEGER)))"
)


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _rebuild(prefix: str) -> None:
    op.execute(f"CREATE VIRTUAL TABLE papers_fts_new USING fts5({_COLS}, prefix='{prefix}', {_TOKENIZE})")
    op.execute(f"INSERT INTO papers_fts_new(rowid, {_COLS}) SELECT rowid, {_COLS} FROM papers_fts")
    op.execute("DROP TABLE papers_fts")
    op.execute("ALTER TABLE papers_fts_new RENAME TO papers_fts")


def upgrade() -> None:
    if _postgres():
        return
    _rebuild("1 2 3")
    op.execute(_YEAR_INDEX)


def downgrade() -> None:
    if _postgres():
        return
    op.execute("DROP INDEX IF EXISTS ix_papers_year")
    _rebuild("2 3")

"""lab: a note version (stale writes refused), a change log (live updates), and on PostgreSQL
the search tables and the few SQLite functions the queries use

Revision ID: 0009_lab
Revises: 0007_reliability
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_lab"
down_revision = "0007_reliability"
branch_labels = None
depends_on = None

# SQLite's functions that the core's SQL uses, defined on PostgreSQL with the same meaning, so
# one statement runs on both: group_concat, json_each over a JSON text, sum of booleans, and
# strftime for the few formats the queries use. Spelled out here so later code cannot rewrite
# history.
PG_COMPAT = (
    # ``ORDER BY name COLLATE NOCASE`` unquoted folds to nocase.
    """CREATE COLLATION IF NOT EXISTS nocase
       (provider = icu, locale = 'und-u-ks-level2', deterministic = false)""",
    """CREATE OR REPLACE FUNCTION rl_gc2(state text, val text, sep text) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$
       SELECT CASE WHEN val IS NULL THEN state WHEN state IS NULL THEN val
                   ELSE state || sep || val END $$""",
    "CREATE OR REPLACE AGGREGATE group_concat(text, text) (SFUNC = rl_gc2, STYPE = text)",
    """CREATE OR REPLACE FUNCTION rl_gc1(state text, val anyelement) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$
       SELECT CASE WHEN val IS NULL THEN state WHEN state IS NULL THEN val::text
                   ELSE state || ',' || val::text END $$""",
    "CREATE OR REPLACE AGGREGATE group_concat(anyelement) (SFUNC = rl_gc1, STYPE = text)",
    """CREATE OR REPLACE FUNCTION json_each(doc text) RETURNS TABLE(value text)
       LANGUAGE sql IMMUTABLE AS $$ SELECT jsonb_array_elements_text(doc::jsonb) $$""",
    """CREATE OR REPLACE FUNCTION rl_sum_bool(state bigint, val boolean) RETURNS bigint
       LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN val IS NULL THEN state
                                         ELSE COALESCE(state, 0) + val::int END $$""",
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = rl_sum_bool, STYPE = bigint)",
    """CREATE OR REPLACE FUNCTION strftime(fmt text, d date) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$
       SELECT to_char(d, replace(replace(replace(fmt, '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD')) $$""",
    """CREATE OR REPLACE FUNCTION strftime(fmt text, d timestamp) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$
       SELECT to_char(d, replace(replace(replace(fmt, '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD')) $$""",
    r"""CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$
       SELECT (doc::jsonb) #>> string_to_array(ltrim(regexp_replace(
         regexp_replace(path, '^[$]', ''), '\[(\d+)\]', '.\1', 'g'), '.'), '.') $$""",
    # Words as FTS5's unicode61 sees them (remove_diacritics 2): runs of letters and digits
    # without their accents, everything else a break. rl_unaccent is defined in upgrade().
    """CREATE OR REPLACE FUNCTION rl_words(t text) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$
       SELECT regexp_replace(rl_unaccent(COALESCE(t, '')), '[^[:alnum:]]+', ' ', 'g') $$""",
)
UNACCENT = """CREATE OR REPLACE FUNCTION rl_unaccent(t text) RETURNS text LANGUAGE sql IMMUTABLE
   AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, t) $$"""
NO_UNACCENT = """CREATE OR REPLACE FUNCTION rl_unaccent(t text) RETURNS text LANGUAGE sql IMMUTABLE
   AS $$ SELECT t $$"""


def _unaccent() -> None:
    """Accents folded with the unaccent extension where the server has it (it is a trusted
    extension: a database owner may create it); without it, accents stay significant."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
        schema = bind.exec_driver_sql(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'"
        ).scalar()
        op.execute(UNACCENT.format(schema=schema))
    except sa.exc.DBAPIError:
        op.execute(NO_UNACCENT)

# The search tables: the rows the core writes into FTS5 on SQLite, here with a generated
# tsvector (title A, authors B, abstract C, tags/notes/annotations D) and a GIN index.
PG_SEARCH = (
    """CREATE TABLE papers_fts (
         rowid integer PRIMARY KEY, title text, abstract text, authors text, tags text,
         notes text, annots text,
         tsv tsvector GENERATED ALWAYS AS (
           setweight(to_tsvector('simple', rl_words(title)), 'A') ||
           setweight(to_tsvector('simple', rl_words(authors)), 'B') ||
           setweight(to_tsvector('simple', rl_words(abstract)), 'C') ||
           setweight(to_tsvector('simple', rl_words(tags) || ' ' || rl_words(notes) || ' '
                                           || rl_words(annots)), 'D')) STORED)""",
    "CREATE INDEX ix_papers_fts_tsv ON papers_fts USING gin (tsv)",
    """CREATE TABLE pdf_fts (
         rowid serial PRIMARY KEY, body text, paper_id integer, page integer,
         tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', rl_words(body))) STORED)""",
    "CREATE INDEX ix_pdf_fts_tsv ON pdf_fts USING gin (tsv)",
    "CREATE INDEX ix_pdf_fts_paper_id ON pdf_fts (paper_id)",
    # Citation keys by prefix without case (services/ingest.py probes a range of them).
    'CREATE INDEX ix_papers_citekey_fold ON papers ((lower(citekey) COLLATE "C"))',
)


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        _unaccent()
        for statement in (*PG_COMPAT, *PG_SEARCH):
            op.execute(statement)
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "change_log",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
    )
    if pg:
        # The papers already there (a database upgraded from 0006) get their search rows.
        op.execute(
            "INSERT INTO papers_fts(rowid, title, abstract, authors, tags, notes, annots) "
            "SELECT p.id, p.title, p.abstract, "
            "(SELECT group_concat(value, ', ') FROM json_each(p.authors)), "
            "(SELECT group_concat(t.name, ' ') FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id "
            "WHERE pt.paper_id = p.id), p.note, "
            "(SELECT group_concat(a.text || ' ' || a.comment, ' ') FROM annotations a "
            "WHERE a.paper_id = p.id) FROM papers p"
        )


def downgrade() -> None:
    op.drop_table("change_log")
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.drop_column("note_version")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS papers_fts")
        op.execute("DROP TABLE IF EXISTS pdf_fts")

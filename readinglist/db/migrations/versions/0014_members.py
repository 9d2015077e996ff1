"""members: on PostgreSQL each member of a lab library keeps their own triage and saved searches

Revision ID: 0014_members
Revises: 0013_authors

A lab library's papers, tags, lists, notes and annotations are shared; whether a paper is saved,
dismissed, starred, its reading status and rating, and the saved searches (alerts) are each
member's own. On PostgreSQL this migration moves those five columns out of ``papers`` into
``member_papers`` (one row per member and paper, only where the member's triage differs from
the defaults) and renames the table to ``papers_shared``. ``papers`` becomes a view that joins
the two for the member the session names (``rl_member()``, set at the start of every
transaction by ``db/pg.py``), with INSTEAD OF triggers that send shared columns to
``papers_shared`` and personal ones to ``member_papers``. Every query and write of the core
stays one text for both engines. ``saved_searches`` gets the same treatment as a plain
filtering view over ``saved_searches_all`` (PostgreSQL updates such a view itself). And
``pdf_blobs`` holds the lab's copies of attached PDFs as large objects (services/labfiles.py).

The triage already in the database is given to every member the library knows (whoever has an
undo history, a change in the log, a note or an annotation, and the member running the
upgrade), so nobody's view changes at the upgrade. On SQLite (one person's library) nothing
changes.

A later migration that adds or drops a column of ``papers`` on PostgreSQL must call
``readinglist.db.pgmembers.rebuild`` afterwards (it derives the view and triggers from the
columns ``papers_shared`` has then).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Connection, text

from readinglist.db import pgmembers

revision = "0014_members"
down_revision = "0013_authors"
branch_labels = None
depends_on = None

# Spelled out here so later code cannot rewrite history.
_PERSONAL = (
    ("saved", "boolean NOT NULL DEFAULT false"),
    ("dismissed", "boolean NOT NULL DEFAULT false"),
    ("starred", "boolean NOT NULL DEFAULT false"),
    ("status", "varchar(10) NOT NULL DEFAULT 'unread'"),
    ("rating", "integer NOT NULL DEFAULT 0"),
)
_NOT_DEFAULT = "p.saved OR p.dismissed OR p.starred OR p.status <> 'unread' OR p.rating <> 0"
_SEARCH_COLUMNS = "id, name, query, is_alert, position, created_at"
# Everyone the library knows, and whoever runs the upgrade.
_MEMBERS = """CREATE TEMPORARY TABLE rl_upgrade_members ON COMMIT DROP AS
    SELECT DISTINCT member FROM (
      SELECT member FROM undo_steps UNION SELECT member FROM change_log
      UNION SELECT note_author FROM papers UNION SELECT author FROM annotations
      UNION SELECT rl_member()) m WHERE member <> ''"""
# The plain sort columns the dropped (dismissed, column) indexes served.
_SORT_INDEXES = (
    "CREATE INDEX ix_papers_shared_added_at ON papers_shared (added_at)",
    "CREATE INDEX ix_papers_shared_num_comments ON papers_shared (num_comments)",
)


# The lab's copies of attached PDFs without a shared folder (services/labfiles.py).
_PDF_BLOBS = (
    "CREATE TABLE pdf_blobs (sha256 varchar(64) NOT NULL, oid oid NOT NULL, size bigint NOT NULL, "
    "added_at timestamp NOT NULL, CONSTRAINT pk_pdf_blobs PRIMARY KEY (sha256))"
)


def _split(bind: Connection) -> None:
    bind.execute(
        text(
            "CREATE FUNCTION rl_member() RETURNS text LANGUAGE sql STABLE AS "
            f"$$ SELECT COALESCE(current_setting('{pgmembers.MEMBER_SETTING}', true), '') $$"
        )
    )
    bind.execute(text(_MEMBERS))
    columns = ", ".join(f"{name} {decl}" for name, decl in _PERSONAL)
    bind.execute(
        text(
            f"CREATE TABLE member_papers (member varchar(100) NOT NULL, paper_id integer NOT NULL "
            f"REFERENCES papers(id) ON DELETE CASCADE, {columns}, "
            "CONSTRAINT pk_member_papers PRIMARY KEY (member, paper_id))"
        )
    )
    bind.execute(text("CREATE INDEX ix_member_papers_paper_id ON member_papers (paper_id)"))
    names = ", ".join(name for name, _ in _PERSONAL)
    bind.execute(
        text(
            f"INSERT INTO member_papers (member, paper_id, {names}) "
            f"SELECT m.member, p.id, {', '.join('p.' + n for n, _ in _PERSONAL)} "
            f"FROM papers p CROSS JOIN rl_upgrade_members m WHERE {_NOT_DEFAULT}"
        )
    )
    for name, _ in _PERSONAL:  # their indexes (every sort index led by dismissed) go with them
        bind.execute(text(f"ALTER TABLE papers DROP COLUMN {name}"))
    bind.execute(text("ALTER TABLE papers RENAME TO papers_shared"))
    for sql in _SORT_INDEXES:
        bind.execute(text(sql))
    pgmembers.rebuild(bind)

    # Saved searches and alerts: each member's own, the existing ones copied to every member.
    bind.execute(text("ALTER TABLE saved_searches RENAME TO saved_searches_all"))
    bind.execute(text("ALTER TABLE saved_searches_all ADD COLUMN member varchar(100) NOT NULL DEFAULT ''"))
    bind.execute(text("ALTER TABLE saved_searches_all DROP CONSTRAINT uq_saved_searches_name"))
    first = bind.execute(text("SELECT min(member) FROM rl_upgrade_members")).scalar()
    if first is not None:
        bind.execute(text("UPDATE saved_searches_all SET member = :m"), {"m": first})
        bind.execute(
            text(
                "INSERT INTO saved_searches_all (name, query, is_alert, position, created_at, member) "
                "SELECT s.name, s.query, s.is_alert, s.position, s.created_at, m.member "
                "FROM saved_searches_all s CROSS JOIN rl_upgrade_members m "
                "WHERE s.member = :f AND m.member <> :f"
            ),
            {"f": first},
        )
        bind.execute(
            text(
                "INSERT INTO alert_matches (search_id, paper_id, feed_date, seen, matched_at) "
                "SELECT c.id, a.paper_id, a.feed_date, a.seen, a.matched_at FROM alert_matches a "
                "JOIN saved_searches_all o ON o.id = a.search_id AND o.member = :f "
                "JOIN saved_searches_all c ON c.name = o.name AND c.member <> :f"
            ),
            {"f": first},
        )
    bind.execute(text("ALTER TABLE saved_searches_all ALTER COLUMN member SET DEFAULT rl_member()"))
    bind.execute(
        text(
            "ALTER TABLE saved_searches_all ADD CONSTRAINT uq_saved_searches_all_member "
            "UNIQUE (member, name)"
        )
    )
    bind.execute(
        text(
            f"CREATE VIEW saved_searches AS SELECT {_SEARCH_COLUMNS} FROM saved_searches_all "
            "WHERE member = rl_member() WITH CHECK OPTION"
        )
    )
    bind.execute(text(_PDF_BLOBS))


def _join(bind: Connection) -> None:
    """Back to one triage: the downgrading member's (everybody else's is dropped)."""
    bind.execute(text("SELECT lo_unlink(oid) FROM pdf_blobs"))
    bind.execute(text("DROP TABLE pdf_blobs"))
    bind.execute(text("DROP VIEW saved_searches"))
    bind.execute(text("DELETE FROM saved_searches_all WHERE member <> rl_member()"))
    bind.execute(text("ALTER TABLE saved_searches_all DROP CONSTRAINT uq_saved_searches_all_member"))
    bind.execute(text("ALTER TABLE saved_searches_all DROP COLUMN member"))
    bind.execute(text("ALTER TABLE saved_searches_all RENAME TO saved_searches"))
    bind.execute(text("ALTER TABLE saved_searches ADD CONSTRAINT uq_saved_searches_name UNIQUE (name)"))

    bind.execute(text("DROP VIEW papers"))
    bind.execute(text("DROP FUNCTION rl_papers_write()"))
    for sql in _SORT_INDEXES:
        bind.execute(text("DROP INDEX " + sql.split()[2]))
    bind.execute(text("ALTER TABLE papers_shared RENAME TO papers"))
    for name, decl in _PERSONAL:
        bind.execute(text(f"ALTER TABLE papers ADD COLUMN {name} {decl}"))
    bind.execute(
        text(
            f"UPDATE papers p SET {', '.join(f'{n} = m.{n}' for n, _ in _PERSONAL)} "
            "FROM member_papers m WHERE m.paper_id = p.id AND m.member = rl_member()"
        )
    )
    bind.execute(text("DROP TABLE member_papers"))
    bind.execute(text("DROP FUNCTION rl_member()"))
    for sql in _DISMISSED_INDEXES:
        bind.execute(text(sql))


# What 0010_speed and 0001 made on the columns that came back.
_DISMISSED_INDEXES = (
    "CREATE INDEX ix_papers_saved ON papers (saved)",
    "CREATE INDEX ix_papers_status ON papers (status)",
    "CREATE INDEX ix_papers_sort_upvotes ON papers (dismissed, upvotes)",
    "CREATE INDEX ix_papers_sort_published ON papers (dismissed, published)",
    "CREATE INDEX ix_papers_sort_added ON papers (dismissed, added_at)",
    "CREATE INDEX ix_papers_sort_feed ON papers (dismissed, last_feed_date, upvotes)",
    "CREATE INDEX ix_papers_sort_status ON papers (dismissed, status)",
    "CREATE INDEX ix_papers_sort_citekey ON papers (dismissed, citekey)",
    "CREATE INDEX ix_papers_sort_comments ON papers (dismissed, num_comments)",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _split(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _join(bind)

"""authors: who wrote each paper's note (papers.note_author) and each annotation (annotations.author)

Revision ID: 0013_authors
Revises: 0011_autotag

Plain ``ADD COLUMN`` / ``DROP COLUMN`` on purpose, never a batch copy: on SQLite a batch
operation recreates ``papers`` (copy, drop, rename), and dropping the old table with foreign keys
on deletes every tag link, list place, annotation and attachment of every paper (ON DELETE
CASCADE). ``DROP COLUMN`` needs SQLite 3.35 or newer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_authors"
down_revision = "0011_autotag"
branch_labels = None
depends_on = None

_COLUMNS = (("papers", "note_author"), ("annotations", "author"))


def upgrade() -> None:
    for table, column in _COLUMNS:
        op.add_column(table, sa.Column(column, sa.String(length=100), nullable=False, server_default=""))


def downgrade() -> None:
    for table, column in _COLUMNS:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")

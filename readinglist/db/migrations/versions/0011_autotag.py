"""autotag: paper_tags.auto marks a tag the For you model put there (not the user)

Revision ID: 0011_autotag
Revises: 0010_speed

A plain ADD COLUMN / DROP COLUMN, never a batch copy: on SQLite a batch rebuild of a table
that references papers could cascade-delete child rows. DROP COLUMN needs SQLite 3.35.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_autotag"
down_revision = "0010_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "paper_tags", sa.Column("auto", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("paper_tags", "auto")

"""versions: annotations carry a row version (optimistic concurrency for a lab's edits)

Revision ID: 0015_versions
Revises: 0014_members

Plain ``ADD COLUMN`` (never a batch copy of a table with foreign keys; see 0013_authors).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_versions"
down_revision = "0014_members"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("annotations", sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    op.execute("ALTER TABLE annotations DROP COLUMN row_version")

"""reliability: every field of an imported BibTeX entry is kept (papers.bib_source)

Revision ID: 0007_reliability
Revises: 0006_interop
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_reliability"
down_revision = "0006_interop"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bib_source", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("papers", schema=None) as batch_op:
        batch_op.drop_column("bib_source")

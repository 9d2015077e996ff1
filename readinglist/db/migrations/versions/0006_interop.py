"""interop: auto-export formats, annotation tags, links to records of other tools

Revision ID: 0006_interop
Revises: 0002_history
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_interop"
down_revision = "0002_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auto_exports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.String(length=20), nullable=False, server_default="bibtex"))
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tags", sa.Text(), nullable=False, server_default="[]"))
    op.create_table(
        "import_links",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_import_links_paper_id_papers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("source", "key", name=op.f("pk_import_links")),
    )
    with op.batch_alter_table("import_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_links_paper_id"), ["paper_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_links_paper_id"))
    op.drop_table("import_links")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_column("tags")
    with op.batch_alter_table("auto_exports", schema=None) as batch_op:
        batch_op.drop_column("format")

"""the estimated bill: api_usage.usd_mills; billed_reads (what was read today, billed once)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new column with a default and a new table: every row stored before stays as it was
    # (months counted before this revision have no estimate: 0).
    with op.batch_alter_table("api_usage") as batch:
        batch.add_column(
            sa.Column("usd_mills", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "billed_reads",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "item_id", name=op.f("pk_billed_reads")),
    )


def downgrade() -> None:
    op.drop_table("billed_reads")
    with op.batch_alter_table("api_usage") as batch:
        batch.drop_column("usd_mills")

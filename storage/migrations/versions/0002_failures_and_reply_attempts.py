"""a subject's last collection and failure; when a mention's reply was attempted; operators
looked up and not found

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only new nullable columns: every row stored before stays as it was.
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("failure", sa.Text(), nullable=True))
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("named_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("operators") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM operators WHERE user_id IS NULL")
    with op.batch_alter_table("operators") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("attempted_at")
    with op.batch_alter_table("subjects") as batch:
        batch.drop_column("named_at")
        batch.drop_column("collected_at")
        batch.drop_column("failed_at")
        batch.drop_column("failure")

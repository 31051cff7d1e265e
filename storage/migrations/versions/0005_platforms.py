"""a second platform: subjects, posts, mentions, operators and API use carry their platform;
the platform's own ids outside posts become strings (Mastodon's are opaque)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_X = sa.text("'x'")


def _platform() -> sa.Column[str]:
    # Every row stored before this revision is X's.
    return sa.Column("platform", sa.String(16), nullable=False, server_default=_X)


def _to_text(batch: object, column: str, *, nullable: bool, length: int = 64) -> None:
    # A BIGINT id becomes its decimal text: exactly the id X gave (PostgreSQL by a cast,
    # SQLite by copying into the rebuilt table's TEXT column).
    batch.alter_column(  # type: ignore[attr-defined]
        column,
        type_=sa.String(length),
        existing_type=sa.BigInteger(),
        existing_nullable=nullable,
        postgresql_using=f"{column}::text",
    )


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(_platform())
        batch.drop_constraint("uq_subjects_kind", type_="unique")
        batch.alter_column("key", type_=sa.String(128), existing_type=sa.String(64),
                           existing_nullable=False)  # fmt: skip
        _to_text(batch, "platform_id", nullable=True)
        _to_text(batch, "poll_id", nullable=True)
        batch.create_unique_constraint("uq_subjects_platform", ["platform", "kind", "key"])
    with op.batch_alter_table("posts") as batch:
        batch.add_column(_platform())
        batch.add_column(sa.Column("ext", sa.JSON(), nullable=True))
    with op.batch_alter_table("summary_parts") as batch:
        _to_text(batch, "post_id", nullable=True)
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(_platform())
        batch.drop_constraint("pk_mentions", type_="primary")
        _to_text(batch, "post_id", nullable=False)
        _to_text(batch, "author_id", nullable=False)
        _to_text(batch, "reply_id", nullable=True)
        batch.create_primary_key("pk_mentions", ["platform", "post_id"])
    with op.batch_alter_table("operators") as batch:
        batch.add_column(_platform())
        batch.drop_constraint("pk_operators", type_="primary")
        batch.alter_column("username", type_=sa.String(128), existing_type=sa.String(32),
                           existing_nullable=False)  # fmt: skip
        _to_text(batch, "user_id", nullable=True)
        batch.create_primary_key("pk_operators", ["platform", "username"])
    with op.batch_alter_table("api_usage") as batch:
        batch.add_column(_platform())
        batch.drop_constraint("pk_api_usage", type_="primary")
        batch.create_primary_key("pk_api_usage", ["month", "platform", "endpoint"])


def downgrade() -> None:
    raise NotImplementedError("0005 keeps other platforms' rows, which 0004 cannot hold")

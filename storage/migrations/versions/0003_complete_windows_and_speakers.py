"""summaries that tell the truth: how far each subject's collection is complete, who wrote
each reply and whether it is a copy, a summary's counts and state ``waiting``

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.textkey import copy_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_AUTHORS = ["subject_id", "author_id", "created_at", "compound"]
_COPIES = ["subject_id", "copy_key", "created_at"]
_BATCH = 5000


def upgrade() -> None:
    # New nullable columns, filled from what is stored: every row stays.
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("copy_key", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("subject_posts") as batch:
        batch.add_column(sa.Column("author_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("copy_key", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("collected_through", sa.DateTime(timezone=True)))
    with op.batch_alter_table("cursors") as batch:
        batch.add_column(sa.Column("pass_started_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("complete_through", sa.DateTime(timezone=True)))
    with op.batch_alter_table("summaries") as batch:
        batch.add_column(sa.Column("counts", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("collected_through", sa.DateTime(timezone=True)))
    _fill_copy_keys()
    op.execute(
        "UPDATE subject_posts SET author_id = "
        "(SELECT posts.author_id FROM posts WHERE posts.id = subject_posts.post_id), "
        "copy_key = (SELECT posts.copy_key FROM posts WHERE posts.id = subject_posts.post_id)"
    )
    op.create_index("ix_subject_posts_authors", "subject_posts", _AUTHORS)
    op.create_index("ix_subject_posts_copies", "subject_posts", _COPIES)


def _fill_copy_keys() -> None:
    """Each stored post's copy key, computed here as insert_posts computes it, in batches of
    ids (constant memory however many posts are stored)."""
    conn = op.get_bind()
    last = None
    while True:
        query = "SELECT id, text FROM posts"
        params: dict[str, object] = {"n": _BATCH}
        if last is not None:
            query += " WHERE id > :last"
            params["last"] = last
        rows = conn.execute(sa.text(query + " ORDER BY id LIMIT :n"), params).all()
        if not rows:
            return
        keyed = [{"id": r.id, "k": copy_key(r.text)} for r in rows]
        keyed = [k for k in keyed if k["k"] is not None]
        if keyed:
            conn.execute(sa.text("UPDATE posts SET copy_key = :k WHERE id = :id"), keyed)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_subject_posts_copies", table_name="subject_posts")
    op.drop_index("ix_subject_posts_authors", table_name="subject_posts")
    with op.batch_alter_table("summaries") as batch:
        batch.drop_column("collected_through")
        batch.drop_column("counts")
    with op.batch_alter_table("cursors") as batch:
        batch.drop_column("complete_through")
        batch.drop_column("pass_started_at")
    with op.batch_alter_table("subjects") as batch:
        batch.drop_column("collected_through")
    with op.batch_alter_table("subject_posts") as batch:
        batch.drop_column("copy_key")
        batch.drop_column("author_id")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("copy_key")

"""Platform posts -> storage rows, scored on the way in (English only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jobs.platform import Post
from jobs.sentiment import score_posts
from storage.posts import PostRow


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def to_rows(posts: Sequence[Post], *, fetched_at: datetime) -> list[PostRow]:
    scores = score_posts([(p.text, p.lang) for p in posts])
    rows = []
    for post, score in zip(posts, scores, strict=True):
        rows.append(
            PostRow(
                id=int(post.id),
                author_id=int(post.author_id),
                text=post.text,
                created_at=post.created_at,
                fetched_at=fetched_at,
                conversation_id=_int(post.conversation_id),
                in_reply_to_user_id=_int(post.in_reply_to_user_id),
                replied_to_id=_int(post.replied_to_id),
                lang=post.lang,
                poll_id=_int(post.poll_id),
                metrics=dict(post.metrics) or None,
                compound=score.compound if score else None,
                pos=score.pos if score else None,
                neu=score.neu if score else None,
                neg=score.neg if score else None,
                label=score.label if score else None,
            )
        )
    return rows

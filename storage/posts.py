"""Posts and the subject streams they arrived on: idempotent bulk insert, export."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import Post, SubjectPost


@dataclass(frozen=True, slots=True)
class PostRow:
    id: int
    author_id: int
    text: str
    created_at: datetime
    fetched_at: datetime
    conversation_id: int | None = None
    in_reply_to_user_id: int | None = None
    replied_to_id: int | None = None
    lang: str | None = None
    poll_id: int | None = None
    metrics: dict[str, int] | None = None
    compound: float | None = None
    pos: float | None = None
    neu: float | None = None
    neg: float | None = None
    label: str | None = None


_POST_FIELDS = tuple(f.name for f in fields(PostRow))


def insert_posts(session: Session, rows: Sequence[PostRow], *, subject_id: int | None) -> int:
    """Store a page of posts once each (``ON CONFLICT DO NOTHING``) and link them to the
    subject. Returns how many were new *to this subject's stream*, which is what a run
    reports; a post already stored through another subject is linked, not stored twice.

    One cached statement executed for many parameter sets (SQLAlchemy batches it into
    multi-row INSERTs itself), not a new statement per page: compiling dominated ingest."""
    if not rows:
        return 0
    unique = list({r.id: r for r in rows}.values())
    # Sorted so two concurrent writers take row locks in the same order (no deadlock on PG).
    unique.sort(key=lambda r: r.id)
    posts = Post.__table__
    stmt = insert_for(session, posts).on_conflict_do_nothing().returning(posts.c.id)
    params = [{name: getattr(r, name) for name in _POST_FIELDS} for r in unique]
    new_ids = session.execute(stmt, params).scalars().all()
    if subject_id is None:
        return len(new_ids)
    links = SubjectPost.__table__
    link_stmt = insert_for(session, links).on_conflict_do_nothing().returning(links.c.post_id)
    link_params = [
        {
            "subject_id": subject_id,
            "post_id": r.id,
            "created_at": r.created_at,
            "label": r.label,
            "compound": r.compound,
        }
        for r in unique
    ]
    return len(session.execute(link_stmt, link_params).scalars().all())


def count_posts(session: Session, *, subject_id: int | None = None) -> int:
    if subject_id is None:
        return session.scalar(select(func.count()).select_from(Post)) or 0
    q = select(func.count()).select_from(SubjectPost).where(SubjectPost.subject_id == subject_id)
    return session.scalar(q) or 0


def stored_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Post.id).order_by(Post.id)))


def iter_replies(
    session: Session,
    *,
    subject_id: int | None = None,
    since: datetime | None = None,
    batch: int = 1000,
) -> Iterator[Post]:
    """Stored posts oldest first, in constant memory (keyset pagination, not OFFSET)."""
    last: tuple[datetime, int] | None = None
    while True:
        q = select(Post)
        if subject_id is not None:
            q = q.where(
                Post.id.in_(select(SubjectPost.post_id).where(SubjectPost.subject_id == subject_id))
            )
        if since is not None:
            q = q.where(Post.created_at >= since)
        if last is not None:
            q = q.where(
                (Post.created_at > last[0]) | ((Post.created_at == last[0]) & (Post.id > last[1]))
            )
        page = list(session.scalars(q.order_by(Post.created_at, Post.id).limit(batch)))
        if not page:
            return
        yield from page
        last = (page[-1].created_at, page[-1].id)
        session.expunge_all()

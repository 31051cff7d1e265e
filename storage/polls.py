"""Poll vote snapshots: a time series per tracked poll."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import PollSnapshot


def add_snapshot(
    session: Session,
    *,
    subject_id: int,
    taken_at: datetime,
    voting_status: str,
    labels: list[str],
    votes: list[int],
) -> bool:
    """Store a snapshot; False if one was already stored for that instant."""
    stmt = insert_for(session, PollSnapshot).values(
        subject_id=subject_id,
        taken_at=taken_at,
        voting_status=voting_status,
        labels=labels,
        votes=votes,
        total=sum(votes),
    )
    return bool(list(session.scalars(stmt.on_conflict_do_nothing().returning(PollSnapshot.id))))


def latest_snapshot(
    session: Session, subject_id: int, *, at_or_before: datetime | None = None
) -> PollSnapshot | None:
    q = select(PollSnapshot).where(PollSnapshot.subject_id == subject_id)
    if at_or_before is not None:
        q = q.where(PollSnapshot.taken_at <= at_or_before)
    return session.scalars(q.order_by(PollSnapshot.taken_at.desc()).limit(1)).first()


def snapshots(
    session: Session,
    subject_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[PollSnapshot]:
    q = select(PollSnapshot).where(PollSnapshot.subject_id == subject_id)
    if since is not None:
        q = q.where(PollSnapshot.taken_at >= since)
    if until is not None:
        q = q.where(PollSnapshot.taken_at <= until)
    return list(session.scalars(q.order_by(PollSnapshot.taken_at)))

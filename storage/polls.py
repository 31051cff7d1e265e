"""Poll vote snapshots: a time series per tracked poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import PollSnapshot


@dataclass(frozen=True, slots=True)
class Snapshot:
    taken_at: datetime
    voting_status: str  # open | closed
    labels: tuple[str, ...]
    votes: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.votes)

    @property
    def closed(self) -> bool:
        return self.voting_status == "closed"


def _snapshot(row: PollSnapshot) -> Snapshot:
    return Snapshot(row.taken_at, row.voting_status, tuple(row.labels), tuple(row.votes))


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
    inserted = stmt.on_conflict_do_nothing().returning(PollSnapshot.id)
    return bool(list(session.scalars(inserted)))


def latest_snapshot(
    session: Session, subject_id: int, *, at_or_before: datetime | None = None
) -> Snapshot | None:
    query = select(PollSnapshot).where(PollSnapshot.subject_id == subject_id)
    if at_or_before is not None:
        query = query.where(PollSnapshot.taken_at <= at_or_before)
    row = session.scalars(query.order_by(PollSnapshot.taken_at.desc()).limit(1)).first()
    return _snapshot(row) if row else None


def first_snapshot_after(session: Session, subject_id: int, *, after: datetime) -> Snapshot | None:
    """The earliest snapshot taken after ``after``."""
    query = select(PollSnapshot).where(
        PollSnapshot.subject_id == subject_id, PollSnapshot.taken_at > after
    )
    row = session.scalars(query.order_by(PollSnapshot.taken_at).limit(1)).first()
    return _snapshot(row) if row else None


def snapshots(
    session: Session,
    subject_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Snapshot]:
    query = select(PollSnapshot).where(PollSnapshot.subject_id == subject_id)
    if since is not None:
        query = query.where(PollSnapshot.taken_at >= since)
    if until is not None:
        query = query.where(PollSnapshot.taken_at <= until)
    return [_snapshot(r) for r in session.scalars(query.order_by(PollSnapshot.taken_at))]


def count_snapshots(session: Session, subject_id: int) -> int:
    query = select(func.count()).where(PollSnapshot.subject_id == subject_id)
    return int(session.scalar(query) or 0)

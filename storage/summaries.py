"""Summaries and the aggregates they are made of (one range scan of a covering index)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import Subject, SubjectPost, Summary, SummaryPart


@dataclass(frozen=True, slots=True)
class Aggregate:
    scored: int
    positive: int
    neutral: int
    negative: int
    unscored: int
    compound_sum: float


def aggregate(session: Session, subject_id: int, start: datetime, end: datetime) -> Aggregate:
    """Counts by label and the compound sum of a subject's replies in ``[start, end)``."""
    label = SubjectPost.label
    q = select(
        func.count(),
        func.sum(case((label == "positive", 1), else_=0)),
        func.sum(case((label == "neutral", 1), else_=0)),
        func.sum(case((label == "negative", 1), else_=0)),
        func.sum(case((label.is_(None), 1), else_=0)),
        func.coalesce(func.sum(SubjectPost.compound), 0.0),
    ).where(
        SubjectPost.subject_id == subject_id,
        SubjectPost.created_at >= start,
        SubjectPost.created_at < end,
    )
    total, pos, neu, neg, unscored, csum = session.execute(q).one()
    unscored = int(unscored or 0)
    return Aggregate(
        scored=int(total or 0) - unscored,
        positive=int(pos or 0),
        neutral=int(neu or 0),
        negative=int(neg or 0),
        unscored=unscored,
        compound_sum=float(csum or 0.0),
    )


def last_summary(session: Session, subject_id: int) -> Summary | None:
    q = select(Summary).where(Summary.subject_id == subject_id)
    return session.scalars(q.order_by(Summary.window_end.desc()).limit(1)).first()


def create_summary(
    session: Session,
    *,
    subject_id: int,
    window_start: datetime,
    window_end: datetime,
    final: bool,
    state: str,
    parts: Sequence[str],
    now: datetime,
    chart_png: bytes | None = None,
) -> int | None:
    """Store a summary and its parts; None when one exists already for that window."""
    stmt = insert_for(session, Summary).values(
        subject_id=subject_id,
        window_start=window_start,
        window_end=window_end,
        final=final,
        state=state,
        created_at=now,
        chart_png=chart_png,
    )
    new_id = session.scalars(stmt.on_conflict_do_nothing().returning(Summary.id)).first()
    if new_id is None:
        return None
    for position, text in enumerate(parts):
        session.add(SummaryPart(summary_id=new_id, position=position, text=text))
    return new_id


def summary_parts(session: Session, summary_id: int) -> list[SummaryPart]:
    q = select(SummaryPart).where(SummaryPart.summary_id == summary_id)
    return list(session.scalars(q.order_by(SummaryPart.position)))


def pending_summaries(session: Session) -> list[Summary]:
    q = select(Summary).where(Summary.state == "pending")
    return list(session.scalars(q.order_by(Summary.window_end, Summary.id)))


def list_summaries(session: Session, *, limit: int) -> list[tuple[Summary, Subject]]:
    q = (
        select(Summary, Subject)
        .join(Subject, Subject.id == Summary.subject_id)
        .order_by(Summary.window_end.desc(), Summary.id.desc())
        .limit(limit)
    )
    return [(s, subj) for s, subj in session.execute(q).all()]

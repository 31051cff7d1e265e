"""Summaries, their parts, and the aggregates they are made of (range scans of one covering
index)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import SubjectPost, SubjectRow, SummaryPart, SummaryRow
from storage.reads import WAITING as WAITING
from storage.rows import update_row
from storage.subjects import Subject, _subject


@dataclass(frozen=True, slots=True)
class Aggregate:
    scored: int
    positive: int
    neutral: int
    negative: int
    unscored: int
    compound_sum: float


@dataclass(frozen=True, slots=True)
class Speakers:
    """Who wrote a window's replies: the distinct accounts; how many replies the 10 most
    active wrote; each account's mean compound averaged once per account (None when no
    reply was scored); the copies (replies whose copy key was already seen in the window)."""

    authors: int
    top_authors_replies: int
    mean_per_author: float | None
    copies: int


TOP_AUTHORS = 10


@dataclass(frozen=True, slots=True)
class SummaryMark:
    """Where a subject's summaries stand: the end of its last window, and whether that was
    the poll's final summary."""

    last_window_end: datetime
    final: bool


@dataclass(frozen=True, slots=True)
class Part:
    position: int
    text: str
    post_id: str | None  # as the platform gave it


@dataclass(frozen=True, slots=True)
class StoredSummary:
    id: int
    subject: Subject
    window_start: datetime
    window_end: datetime
    final: bool
    state: str  # waiting, pending, posted, dry_run, failed
    created_at: datetime
    error: str | None
    parts: tuple[Part, ...]
    counts: dict[str, Any] | None = None
    collected_through: datetime | None = None


# What a stored summary carries over from its row, beyond its subject and parts.
_SUMMARY_FIELDS = (
    "id", "window_start", "window_end", "final", "state", "created_at", "error", "counts",
    "collected_through",
)  # fmt: skip


def _window(
    subject_id: int, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    where = [SubjectPost.subject_id == subject_id]
    if start is not None:
        where.append(SubjectPost.created_at >= start)
    if end is not None:
        where.append(SubjectPost.created_at < end)
    return where


def aggregate(
    session: Session, subject_id: int, start: datetime | None, end: datetime | None
) -> Aggregate:
    """Counts by label and the compound sum of a subject's replies in ``[start, end)``
    (an open bound when None)."""
    label = SubjectPost.label
    query = select(
        func.count(),
        func.sum(case((label == "positive", 1), else_=0)),
        func.sum(case((label == "neutral", 1), else_=0)),
        func.sum(case((label == "negative", 1), else_=0)),
        func.sum(case((label.is_(None), 1), else_=0)),
        func.coalesce(func.sum(SubjectPost.compound), 0.0),
    ).where(*_window(subject_id, start, end))
    total, pos, neu, neg, unscored, csum = session.execute(query).one()
    unscored = int(unscored or 0)
    return Aggregate(
        scored=int(total or 0) - unscored,
        positive=int(pos or 0),
        neutral=int(neu or 0),
        negative=int(neg or 0),
        unscored=unscored,
        compound_sum=float(csum or 0.0),
    )


def speakers(
    session: Session, subject_id: int, start: datetime | None, end: datetime | None
) -> Speakers:
    """Who wrote the subject's replies in ``[start, end)``: two scans, grouped by author and
    by copy key, each along the covering index in that order (no sort)."""
    where = _window(subject_id, start, end)
    per_author = (
        select(func.count().label("n"), func.avg(SubjectPost.compound).label("mean"))
        .where(*where)
        .group_by(SubjectPost.author_id)
        .subquery()
    )
    ranked = select(
        per_author.c.n,
        per_author.c.mean,
        func.row_number().over(order_by=per_author.c.n.desc()).label("rank"),
    ).subquery()
    authors, top, mean = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((ranked.c.rank <= TOP_AUTHORS, ranked.c.n), else_=0)), 0),
            func.avg(ranked.c.mean),
        )
    ).one()
    per_key = (
        select(func.count().label("n"))
        .where(*where, SubjectPost.copy_key.is_not(None))
        .group_by(SubjectPost.copy_key)
        .subquery()
    )
    copies = session.scalar(select(func.coalesce(func.sum(per_key.c.n) - func.count(), 0)))
    return Speakers(
        authors=int(authors or 0),
        top_authors_replies=int(top or 0),
        mean_per_author=None if mean is None else float(mean),
        copies=int(copies or 0),
    )


def reply_span(session: Session, subject_id: int) -> tuple[datetime, datetime] | None:
    """When the subject's first and last stored replies were created (None: none yet)."""
    first, last = session.execute(
        select(func.min(SubjectPost.created_at), func.max(SubjectPost.created_at)).where(
            SubjectPost.subject_id == subject_id
        )
    ).one()
    if first is None or last is None:
        return None
    return first, last  # min() and max() keep the column's type: aware UTC datetimes


def summary_mark(session: Session, subject_id: int) -> SummaryMark | None:
    """The subject's last summary window, or None before its first summary (a summary
    still waiting for collection does not count: its window is still the one due)."""
    query = select(SummaryRow.window_end, SummaryRow.final).where(
        SummaryRow.subject_id == subject_id, SummaryRow.state != WAITING
    )
    row = session.execute(query.order_by(SummaryRow.window_end.desc()).limit(1)).first()
    return SummaryMark(row.window_end, bool(row.final)) if row else None


def _waiting(session: Session, subject_id: int) -> SummaryRow | None:
    query = select(SummaryRow).where(
        SummaryRow.subject_id == subject_id, SummaryRow.state == WAITING
    )
    return session.scalars(query.with_for_update()).first()


def wait_summary(
    session: Session,
    *,
    subject_id: int,
    window_start: datetime,
    window_end: datetime,
    final: bool,
    now: datetime,
    collected_through: datetime | None,
) -> int:
    """The subject's due window waits for its collection: one ``waiting`` summary per subject,
    no parts, moved to the window now due (a later fire time can pass while it waits)."""
    row = _waiting(session, subject_id)
    if row is None:
        row = SummaryRow(subject_id=subject_id, state=WAITING, created_at=now)
        session.add(row)
    row.window_start, row.window_end, row.final = window_start, window_end, final
    row.collected_through = collected_through
    session.flush()
    return row.id


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
    counts: dict[str, Any] | None = None,
    collected_through: datetime | None = None,
) -> int | None:
    """Store a summary and its parts (the subject's waiting summary becomes it); None when
    one exists already for that window."""
    values = {
        "window_start": window_start,
        "window_end": window_end,
        "final": final,
        "state": state,
        "created_at": now,
        "chart_png": chart_png,
        "counts": counts,
        "collected_through": collected_through,
    }
    waiting = _waiting(session, subject_id)
    if waiting is not None:
        for name, value in values.items():
            setattr(waiting, name, value)
        session.flush()
        new_id: int | None = waiting.id
    else:
        stmt = insert_for(session, SummaryRow).values(subject_id=subject_id, **values)
        new_id = session.scalars(stmt.on_conflict_do_nothing().returning(SummaryRow.id)).first()
    if new_id is None:
        return None
    for position, text in enumerate(parts):
        session.add(SummaryPart(summary_id=new_id, position=position, text=text))
    return new_id


def summary_parts(session: Session, summary_id: int) -> list[Part]:
    query = select(SummaryPart).where(SummaryPart.summary_id == summary_id)
    rows = session.scalars(query.order_by(SummaryPart.position))
    return [Part(p.position, p.text, p.post_id) for p in rows]


def summary_chart(session: Session, summary_id: int) -> bytes | None:
    return session.scalar(select(SummaryRow.chart_png).where(SummaryRow.id == summary_id))


def pending_summaries(session: Session) -> list[tuple[int, datetime]]:
    """(id, created at) of each summary not fully posted yet, oldest window first."""
    query = select(SummaryRow.id, SummaryRow.created_at).where(SummaryRow.state == "pending")
    rows = session.execute(query.order_by(SummaryRow.window_end, SummaryRow.id))
    return [(r.id, r.created_at) for r in rows]


def part_posted(session: Session, summary_id: int, position: int, *, post_id: str) -> None:
    """A part went out as ``post_id``: recorded the moment it is known."""
    update_row(session, SummaryPart, (summary_id, position), post_id=post_id)


def summary_posted(session: Session, summary_id: int, *, at: datetime) -> None:
    row = session.get(SummaryRow, summary_id)
    if row is not None:
        row.state, row.posted_at, row.error = "posted", at, None


def summary_failed(session: Session, summary_id: int, *, error: str) -> None:
    update_row(session, SummaryRow, summary_id, state="failed", error=error)


def count_summaries(session: Session, subject_id: int, *, state: str) -> int:
    query = select(func.count()).where(
        SummaryRow.subject_id == subject_id, SummaryRow.state == state
    )
    return int(session.scalar(query) or 0)


def list_summaries(
    session: Session,
    *,
    limit: int | None = None,
    states: Sequence[str] | None = None,
    oldest_first: bool = False,
    subject_id: int | None = None,
) -> list[StoredSummary]:
    """Summaries (newest first, or oldest first) with their subjects and parts; of one
    subject when ``subject_id`` is given."""
    query = select(SummaryRow, SubjectRow).join(SubjectRow, SubjectRow.id == SummaryRow.subject_id)
    if subject_id is not None:
        query = query.where(SummaryRow.subject_id == subject_id)
    if states is not None:
        query = query.where(SummaryRow.state.in_(states))
    if oldest_first:
        query = query.order_by(SummaryRow.window_end, SummaryRow.id)
    else:
        query = query.order_by(SummaryRow.window_end.desc(), SummaryRow.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        StoredSummary(
            subject=_subject(subject),
            parts=tuple(summary_parts(session, s.id)),
            **{name: getattr(s, name) for name in _SUMMARY_FIELDS},
        )
        for s, subject in session.execute(query).all()
    ]

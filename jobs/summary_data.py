"""From the store to the plain inputs of composition and charts (SQL aggregates only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from jobs.due import SubjectDue
from jobs.summary import ChartSeries, PollCounts, SentimentCounts, SummaryInput
from storage.models import PollSnapshot, Subject
from storage.polls import latest_snapshot, snapshots
from storage.subjects import list_subjects
from storage.summaries import aggregate, last_summary

CHART_BUCKETS = 24
CHART_SPAN = timedelta(hours=24)


def counts(session: Session, subject_id: int, start: datetime, end: datetime) -> SentimentCounts:
    a = aggregate(session, subject_id, start, end)
    return SentimentCounts(
        scored=a.scored,
        positive=a.positive,
        neutral=a.neutral,
        negative=a.negative,
        unscored=a.unscored,
        compound_sum=a.compound_sum,
    )


def _poll_counts(snap: PollSnapshot | None) -> PollCounts | None:
    if snap is None:
        return None
    return PollCounts(tuple(snap.labels), tuple(snap.votes), snap.voting_status == "closed")


def subject_name(subject: Subject) -> str:
    if subject.kind == "account":
        return subject.display or f"@{subject.key}"
    return subject.display or f"poll {subject.key}"


def summary_input(
    session: Session,
    subject: Subject,
    *,
    start: datetime,
    end: datetime,
    final: bool,
    tz: ZoneInfo,
) -> SummaryInput:
    length = end - start
    previous_start = start - length
    has_previous = subject.kind == "account" or (
        subject.created_at is not None and previous_start >= subject.created_at - length
    )
    previous = counts(session, subject.id, previous_start, start) if has_previous else None
    if previous is not None and previous.total == 0 and subject.kind == "poll":
        previous = None
    poll = poll_before = None
    if subject.kind == "poll":
        # The final summary reports the closed poll's last snapshot, taken after the close.
        at = None if final else end
        poll = _poll_counts(latest_snapshot(session, subject.id, at_or_before=at))
        poll_before = _poll_counts(latest_snapshot(session, subject.id, at_or_before=start))
    return SummaryInput(
        subject_kind="poll" if subject.kind == "poll" else "account",
        subject_name=subject_name(subject),
        window_start=start,
        window_end=end,
        current=counts(session, subject.id, start, end),
        previous=previous,
        poll=poll,
        poll_previous=poll_before,
        final=final,
        tz=tz,
    )


def chart_series(
    session: Session, subject: Subject, *, start: datetime, end: datetime, tz: ZoneInfo
) -> ChartSeries:
    """Sentiment shares over the day up to ``end`` (at least the window; for a poll, from its
    start) in 24 buckets, and the poll's option shares at each snapshot."""
    start = min(start, end - CHART_SPAN)
    if subject.kind == "poll" and subject.created_at is not None:
        start = max(start, subject.created_at)
    step = max((end - start) / CHART_BUCKETS, timedelta(minutes=1))
    times, pos, neu, neg = [], [], [], []
    at = start
    while at < end:
        c = counts(session, subject.id, at, min(at + step, end))
        if c.scored:
            times.append(at + step / 2)
            pos.append(c.positive / c.scored)
            neu.append(c.neutral / c.scored)
            neg.append(c.negative / c.scored)
        at += step
    labels: tuple[str, ...] = ()
    points: list[tuple[datetime, tuple[float, ...]]] = []
    if subject.kind == "poll":
        snaps = [s for s in snapshots(session, subject.id, until=end) if s.total > 0]
        if snaps:
            labels = tuple(snaps[-1].labels)
            points = [
                (s.taken_at, tuple(v / s.total for v in s.votes))
                for s in snaps
                if len(s.votes) == len(labels)
            ]
    return ChartSeries(
        title=subject_name(subject),
        times=tuple(times),
        positive=tuple(pos),
        neutral=tuple(neu),
        negative=tuple(neg),
        poll_labels=labels if points else (),
        poll_times=tuple(t for t, _ in points),
        poll_shares=tuple(row for _, row in points),
        tz=str(tz),
    )


def due_inputs(session: Session) -> list[SubjectDue]:
    out = []
    for s in list_subjects(session):
        last = last_summary(session, s.id)
        out.append(
            SubjectDue(
                id=s.id,
                kind=s.kind,
                last_window_end=last.window_end if last else None,
                final_done=bool(last and last.final),
                created_at=s.created_at,
                poll_ends_at=s.poll_ends_at,
                poll_closed=s.closed_at is not None,
            )
        )
    return out

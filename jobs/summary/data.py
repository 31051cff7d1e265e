"""From the store to the plain inputs of composition and charts (SQL aggregates only)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jobs.chart import ChartSeries
from jobs.summary.due import DueWindow, Standing
from jobs.summary.model import PollCounts, SentimentCounts, Speakers, SummaryInput
from storage.engine import Tx
from storage.polls import Snapshot, first_snapshot_after, latest_snapshot, snapshots
from storage.subjects import Subject, list_subjects
from storage.summaries import aggregate, speakers, summary_mark

CHART_BUCKETS = 24
CHART_SPAN = timedelta(hours=24)


def counts(session: Tx, subject_id: int, start: datetime, end: datetime) -> SentimentCounts:
    return SentimentCounts(**asdict(aggregate(session, subject_id, start, end)))


def who(session: Tx, subject_id: int, start: datetime, end: datetime) -> Speakers:
    return Speakers(**asdict(speakers(session, subject_id, start, end)))


def _poll_counts(snap: Snapshot | None) -> PollCounts | None:
    if snap is None:
        return None
    return PollCounts(snap.labels, snap.votes, snap.closed, snap.taken_at)


def poll_figures(session: Tx, subject_id: int, *, end: datetime, final: bool) -> Snapshot | None:
    """The snapshot a summary ending at ``end`` reports: a final summary's is the last (taken
    once voting closed); otherwise the last at or before ``end``, or, when the first came
    later, that one (its time is said with it)."""
    if final:
        return latest_snapshot(session, subject_id)
    found = latest_snapshot(session, subject_id, at_or_before=end)
    return found or first_snapshot_after(session, subject_id, after=end)


def summary_input(
    session: Tx,
    subject: Subject,
    *,
    start: datetime,
    end: datetime,
    final: bool,
    tz: ZoneInfo,
    counted_until: datetime | None = None,
    stuck: str = "",
) -> SummaryInput:
    """What a summary of ``[start, end)`` says. With ``counted_until`` (collection did not get
    to ``end``), the replies are counted up to it, and ``stuck`` says why."""
    length = end - start
    previous_start = start - length
    has_previous = subject.is_account or (
        subject.created_at is not None and previous_start >= subject.created_at - length
    )
    previous = counts(session, subject.stored_id, previous_start, start) if has_previous else None
    if previous is not None and previous.total == 0 and subject.is_poll:
        previous = None
    poll = poll_before = None
    if subject.is_poll:
        poll = _poll_counts(poll_figures(session, subject.stored_id, end=end, final=final))
        poll_before = _poll_counts(latest_snapshot(session, subject.stored_id, at_or_before=start))
    until = counted_until or end
    return SummaryInput(
        subject_kind=subject.kind,
        # A poll not looked up yet has no text: it is named by its id, not as if it said so.
        subject_name=subject.name if subject.is_account else subject.display or "",
        subject_key=subject.key,
        window_start=start,
        window_end=end,
        current=counts(session, subject.stored_id, start, until),
        speakers=who(session, subject.stored_id, start, until),
        counted_until=counted_until,
        stuck=stuck,
        previous=previous,
        poll=poll,
        poll_previous=poll_before,
        final=final,
        tz=tz,
    )


def window_input(
    session: Tx,
    subject: Subject,
    window: DueWindow,
    *,
    tz: ZoneInfo,
    counted_until: datetime | None = None,
    stuck: str = "",
) -> SummaryInput:
    """``summary_input`` of one window."""
    return summary_input(
        session,
        subject,
        start=window.start,
        end=window.end,
        final=window.final,
        tz=tz,
        counted_until=counted_until,
        stuck=stuck,
    )


def chart_series(
    session: Tx, subject: Subject, *, start: datetime, end: datetime, tz: ZoneInfo
) -> ChartSeries:
    """Sentiment shares over the day up to ``end`` (at least the window; for a poll, from its
    start) in 24 buckets, and the poll's option shares at each snapshot."""
    start = min(start, end - CHART_SPAN)
    if subject.is_poll and subject.created_at is not None:
        start = max(start, subject.created_at)
    step = max((end - start) / CHART_BUCKETS, timedelta(minutes=1))
    times, pos, neu, neg = [], [], [], []
    at = start
    while at < end:
        c = counts(session, subject.stored_id, at, min(at + step, end))
        if c.scored:
            times.append(at + step / 2)
            pos.append(c.positive / c.scored)
            neu.append(c.neutral / c.scored)
            neg.append(c.negative / c.scored)
        at += step
    labels: tuple[str, ...] = ()
    points: list[tuple[datetime, tuple[float, ...]]] = []
    if subject.is_poll:
        snaps = [s for s in snapshots(session, subject.stored_id, until=end) if s.total > 0]
        if snaps:
            labels = snaps[-1].labels
            points = [
                (s.taken_at, tuple(v / s.total for v in s.votes))
                for s in snaps
                if len(s.votes) == len(labels)
            ]
    return ChartSeries(
        title=subject.name,
        times=tuple(times),
        positive=tuple(pos),
        neutral=tuple(neu),
        negative=tuple(neg),
        poll_labels=labels if points else (),
        poll_times=tuple(t for t, _ in points),
        poll_shares=tuple(row for _, row in points),
        tz=str(tz),
    )


def standings(session: Tx, only: Subject | None = None) -> list[Standing]:
    """Each active subject (or the one named) with where its summaries stand."""
    subjects = list_subjects(session)
    if only is not None:
        subjects = [s for s in subjects if s.same(only)]
    return [(s, summary_mark(session, s.stored_id)) for s in subjects]

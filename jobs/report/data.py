"""What the report shows, gathered from the store as plain data (SQL aggregates only: a
subject with a million replies costs a few range scans, never its rows in memory)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobs.status import StatusReport
from storage.engine import Tx
from storage.polls import Snapshot, snapshots
from storage.posts import count_posts
from storage.subjects import Subject, list_subjects
from storage.summaries import (
    Aggregate,
    Speakers,
    StoredSummary,
    aggregate,
    list_summaries,
    reply_span,
    speakers,
    summary_chart,
)

# A page name: platform, kind and key, in the characters a key can hold.
PAGE = re.compile(r"(x|mastodon)-(account|poll)-[A-Za-z0-9_.@-]{1,120}")
MAX_BUCKETS = 168
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def page_name(subject: Subject) -> str:
    """The subject's page, ``x-poll-1593767953706921985`` (``.html`` added by the writer)."""
    return f"{subject.platform}-{subject.kind}-{subject.key}"


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    end: datetime
    counts: Aggregate


@dataclass(frozen=True, slots=True)
class SubjectReport:
    subject: Subject
    page: str
    replies: int
    speakers: Speakers
    summaries: list[StoredSummary]  # oldest first
    charts: dict[int, bytes]  # summary id -> its chart PNG, where it has one
    votes: list[Snapshot]
    sentiment: list[Bucket]
    bucket: timedelta  # an hour or a day


@dataclass(frozen=True, slots=True)
class IndexRow:
    subject: Subject
    page: str
    replies: int
    authors: int
    last_summary: StoredSummary | None


@dataclass(frozen=True, slots=True)
class ReportIndex:
    rows: list[IndexRow]
    status: StatusReport
    generated_at: datetime


def subjects_named(session: Tx, pages: list[str] | None = None) -> list[Subject]:
    """The tracked subjects (or those whose page names are given), in their usual order."""
    found = list_subjects(session, active_only=False)
    if pages is None:
        return found
    return [s for s in found if page_name(s) in pages]


def index_rows(session: Tx, subjects: list[Subject]) -> list[IndexRow]:
    rows = []
    for s in subjects:
        last = list_summaries(session, limit=1, subject_id=s.stored_id)
        who = speakers(session, s.stored_id, None, None)
        rows.append(
            IndexRow(
                s,
                page_name(s),
                count_posts(session, subject_id=s.stored_id),
                who.authors,
                last[0] if last else None,
            )
        )
    return rows


def subject_report(session: Tx, subject: Subject) -> SubjectReport:
    sid = subject.stored_id
    made = list_summaries(session, subject_id=sid, oldest_first=True)
    charts = {}
    for s in made:
        png = summary_chart(session, s.id)
        if png:
            charts[s.id] = png
    sentiment, size = _buckets(session, sid)
    return SubjectReport(
        subject=subject,
        page=page_name(subject),
        replies=count_posts(session, subject_id=sid),
        speakers=speakers(session, sid, None, None),
        summaries=made,
        charts=charts,
        votes=[v for v in snapshots(session, sid) if v.total > 0] if subject.is_poll else [],
        sentiment=sentiment,
        bucket=size,
    )


def _buckets(session: Tx, subject_id: int) -> tuple[list[Bucket], timedelta]:
    """The sentiment of the subject's replies per hour (per day past three days), from its
    first reply to its last: one range scan of the covering index per bucket."""
    span = reply_span(session, subject_id)
    if span is None:
        return [], HOUR
    first, last = span
    size = HOUR if last - first <= 3 * DAY else DAY
    start = first.replace(minute=0, second=0, microsecond=0)
    if size == DAY:
        start = start.replace(hour=0)
    count = int((last - start) / size) + 1
    if count > MAX_BUCKETS:  # the most recent ones
        start += size * (count - MAX_BUCKETS)
        count = MAX_BUCKETS
    out = []
    for i in range(count):
        a = start + size * i
        out.append(Bucket(a, a + size, aggregate(session, subject_id, a, a + size)))
    return out, size

"""``summary preview``: compose from stored data without posting or storing anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jobs.chart import ChartRenderer
from jobs.errors import UsageError
from jobs.subjects import Subject
from jobs.summary.compose import compose_summary
from jobs.summary.data import chart_series, standings, window_input
from jobs.summary.due import open_window
from jobs.summary.model import window_counts
from storage.engine import Database
from storage.subjects import get_subject
from storage.summaries import summary_mark


@dataclass(frozen=True, slots=True)
class Preview:
    subject: str
    window_start: datetime
    window_end: datetime
    final: bool
    parts: tuple[str, ...]
    chart: bytes | None
    counts: dict[str, int | float | str | None]  # as ``summaries --json`` gives them
    collected_through: datetime | None  # how far collection of the subject is complete


def preview(
    db: Database,
    *,
    subject: Subject | None,
    now: datetime,
    cron: str,
    tz: ZoneInfo,
    chart: ChartRenderer | None = None,
    limit: int = 280,
) -> list[Preview]:
    """For each subject (or the one named): the summary of its open window (``open_window``)
    as it would be posted now."""
    out = []
    with db.read() as session:
        if subject is None:
            items = standings(session)
        else:
            named = get_subject(session, subject.kind, subject.key, platform=subject.platform)
            if named is None or named.id is None:
                raise UsageError(f"not tracked: {subject} (see 'pollbot track list')")
            items = [(named, summary_mark(session, named.id))]
        for standing in items:
            found = standing[0]
            window = open_window(standing, cron=cron, tz=tz, now=now)
            start, end = window.start, window.end
            data = window_input(session, found, window, tz=tz)
            png = None
            if chart is not None:
                png = chart(chart_series(session, found, start=start, end=end, tz=tz))
            parts = compose_summary(data, limit=limit).parts
            out.append(
                Preview(
                    data.subject_name,
                    start,
                    end,
                    window.final,
                    parts,
                    png,
                    window_counts(data),
                    found.collected_through,
                )
            )
    return out

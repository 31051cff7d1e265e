"""``summary preview``: compose from stored data without posting or storing anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jobs.due import due_windows
from jobs.errors import UsageError
from jobs.subjects import SubjectRef
from jobs.summary import ChartRenderer, compose_summary
from jobs.summary_data import chart_series, due_inputs, summary_input
from storage.engine import Database
from storage.subjects import get_subject, list_subjects


@dataclass(frozen=True, slots=True)
class Preview:
    subject: str
    window_start: datetime
    window_end: datetime
    final: bool
    parts: tuple[str, ...]
    chart: bytes | None


def preview(
    db: Database,
    *,
    ref: SubjectRef | None,
    now: datetime,
    cron: str,
    tz: ZoneInfo,
    chart: ChartRenderer | None = None,
    limit: int = 280,
) -> list[Preview]:
    """For each subject (or the one named): the summary of the window from its last summary
    to ``now`` (or to the poll's close), as it would be posted now."""
    out = []
    with db.read() as session:
        if ref is not None:
            found = get_subject(session, ref.kind, ref.key)
            if found is None:
                raise UsageError(f"not tracked: {ref} (see 'pollbot track list')")
            subjects = [found]
        else:
            subjects = list_subjects(session)
        dues = {d.id: d for d in due_inputs(session)}
        for subject in subjects:
            due = dues.get(subject.id)
            windows = due_windows([due], cron=cron, tz=tz, now=now) if due else []
            final = bool(windows and windows[0].final)
            start = (
                windows[0].start
                if windows
                else (due.last_window_end if due and due.last_window_end else None)
            )
            start = start or subject.created_at or now - timedelta(days=1)
            end = windows[0].end if final else now
            if end <= start:
                start = end - timedelta(days=1)
            data = summary_input(session, subject, start=start, end=end, final=final, tz=tz)
            png = None
            if chart is not None:
                png = chart(chart_series(session, subject, start=start, end=end, tz=tz))
            out.append(
                Preview(
                    data.subject_name,
                    start,
                    end,
                    final,
                    compose_summary(data, limit=limit).parts,
                    png,
                )
            )
    return out

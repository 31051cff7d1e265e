"""Job ``summarize``: compose the summaries that are due, store them, post them once."""

from __future__ import annotations

import logging

from jobs.base import JobContext, JobResult
from jobs.due import DueWindow, due_windows
from jobs.publish import publish_pending
from jobs.subjects import parse_subject
from jobs.summary import compose_summary
from jobs.summary_data import chart_series, due_inputs, summary_input
from storage.models import Subject
from storage.summaries import create_summary

log = logging.getLogger("pollbot.summarize")


class SummarizeJob:
    name = "summarize"
    description = "compose and post the summaries that are due"

    def run(self, ctx: JobContext) -> JobResult:
        now = ctx.clock.now()
        opts = ctx.options
        with ctx.db.read() as session:
            subjects = due_inputs(session)
        if ctx.subject:
            ref = parse_subject(ctx.subject)
            with ctx.db.read() as session:
                keep = {
                    s.id for s in session.query(Subject).filter_by(kind=ref.kind, key=ref.key).all()
                }
            subjects = [s for s in subjects if s.id in keep]
        made = 0
        for window in due_windows(subjects, cron=opts.summary_cron, tz=opts.timezone, now=now):
            if self._make(ctx, window):
                made += 1
        posted = 0 if opts.dry_run else publish_pending(ctx)
        return JobResult(made + posted, note=None)

    def _make(self, ctx: JobContext, window: DueWindow) -> bool:
        opts = ctx.options
        with ctx.db.read() as session:
            subject = session.get(Subject, window.subject_id)
            if subject is None:
                return False
            data = summary_input(
                session,
                subject,
                start=window.start,
                end=window.end,
                final=window.final,
                tz=opts.timezone,
            )
            series = (
                chart_series(session, subject, start=window.start, end=window.end, tz=opts.timezone)
                if ctx.chart is not None
                else None
            )
        summary = compose_summary(data, limit=ctx.platform.max_post_length)
        png = ctx.chart(series) if ctx.chart is not None and series is not None else None
        with ctx.db.write() as session:
            summary_id = create_summary(
                session,
                subject_id=window.subject_id,
                window_start=window.start,
                window_end=window.end,
                final=window.final,
                state="dry_run" if opts.dry_run else "pending",
                parts=summary.parts,
                now=ctx.clock.now(),
                chart_png=png,
            )
        if summary_id is None:
            return False
        log.info(
            "summary %d composed for %s (%s parts)%s: %s",
            summary_id,
            data.subject_name[:60],
            len(summary.parts),
            " [dry run]" if opts.dry_run else "",
            summary.parts[0],
        )
        return True

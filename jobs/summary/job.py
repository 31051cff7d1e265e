"""Job ``summarize``: compose the summaries that are due, store them, post them once."""

from __future__ import annotations

import logging

from jobs.base import JobContext, JobResult
from jobs.subjects import parse_subject
from jobs.summary.compose import compose_summary
from jobs.summary.data import chart_series, standings, window_input
from jobs.summary.due import DueWindow, due_windows
from jobs.summary.publish import publish_pending
from storage.subjects import Subject
from storage.summaries import create_summary

log = logging.getLogger("pollbot.summarize")


class SummarizeJob:
    name = "summarize"
    description = "compose and post the summaries that are due"

    def run(self, ctx: JobContext) -> JobResult:
        now = ctx.clock.now()
        opts = ctx.options
        only = parse_subject(ctx.subject) if ctx.subject else None
        with ctx.read() as session:
            subjects = standings(session, only)
        by_id = {s.id: s for s, _ in subjects}
        made = 0
        for window in due_windows(subjects, cron=opts.summary_cron, tz=opts.timezone, now=now):
            if self._make(ctx, by_id[window.subject_id], window):
                made += 1
        posted = 0 if opts.dry_run else publish_pending(ctx)
        return JobResult(made + posted, note=None)

    def _make(self, ctx: JobContext, subject: Subject, window: DueWindow) -> bool:
        opts = ctx.options
        with ctx.read() as session:
            data = window_input(session, subject, window, tz=opts.timezone)
            series = (
                chart_series(session, subject, start=window.start, end=window.end, tz=opts.timezone)
                if ctx.chart is not None
                else None
            )
        summary = compose_summary(data, limit=ctx.platform.max_post_length)
        png = ctx.chart(series) if ctx.chart is not None and series is not None else None
        with ctx.write() as tx:
            summary_id = create_summary(
                tx,
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

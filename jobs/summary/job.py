"""Job ``summarize``: compose the summaries that are due, store them, post them once."""

from __future__ import annotations

import logging
from datetime import datetime

from jobs.base import JobContext, JobResult
from jobs.budget import cap_reached
from jobs.clock import iso
from jobs.subjects import parse_subject
from jobs.summary.compose import compose_summary
from jobs.summary.data import chart_series, standings, window_input
from jobs.summary.due import DueWindow, due_windows
from jobs.summary.model import window_counts
from jobs.summary.publish import publish_pending
from jobs.summary.ready import readiness
from storage.subjects import Subject
from storage.summaries import create_summary, wait_summary

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
        made = waiting = 0
        for window in due_windows(subjects, cron=opts.summary_cron, tz=opts.timezone, now=now):
            subject = by_id[window.subject_id]
            ready = readiness(subject, window, now=now, grace=opts.collect_every)
            if ready.state == "waiting":
                self._wait(ctx, subject, window)
                waiting += 1
            elif self._make(ctx, subject, window, counted_until=ready.counted_until):
                made += 1
        posted = 0 if opts.dry_run else publish_pending(ctx)
        note = f"{waiting} waiting for collection" if waiting else None
        return JobResult(made + posted, note=note)

    def _wait(self, ctx: JobContext, subject: Subject, window: DueWindow) -> None:
        with ctx.write() as tx:
            wait_summary(
                tx,
                subject_id=window.subject_id,
                window_start=window.start,
                window_end=window.end,
                final=window.final,
                now=ctx.clock.now(),
                collected_through=subject.collected_through,
            )
        log.debug(
            "%s: summary to %s waits for collection (complete through %s)",
            subject.label,
            iso(window.end),
            iso(subject.collected_through),
        )

    def _make(
        self,
        ctx: JobContext,
        subject: Subject,
        window: DueWindow,
        *,
        counted_until: datetime | None,
    ) -> bool:
        opts = ctx.options
        stuck = stuck_reason(ctx, subject) if counted_until is not None else ""
        with ctx.read() as session:
            data = window_input(
                session, subject, window, tz=opts.timezone, counted_until=counted_until,
                stuck=stuck,
            )  # fmt: skip
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
                counts=window_counts(data),
                collected_through=subject.collected_through,
            )
        if summary_id is None:
            return False
        if counted_until is not None:
            log.warning(
                "%s: summary to %s counts until %s only: %s",
                subject.label,
                iso(window.end),
                iso(counted_until),
                stuck,
            )
        log.info(
            "summary %d composed for %s (%s parts)%s: %s",
            summary_id,
            data.subject_name[:60],
            len(summary.parts),
            " [dry run]" if opts.dry_run else "",
            summary.parts[0],
        )
        return True


def stuck_reason(ctx: JobContext, subject: Subject) -> str:
    """Why collection of ``subject`` did not reach a window's end, as a summary says it."""
    cap = cap_reached(ctx)
    if cap is not None:
        return f"collection paused at the monthly {cap} cap"
    if subject.failure is not None:
        return "its collection is failing"
    return "collection is behind"

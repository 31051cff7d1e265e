"""The month's read cap (POLLBOT_MONTHLY_POST_READS): checked before every read of posts, by
every job that reads them, and what a job that meets it records."""

from __future__ import annotations

import logging

from jobs.base import JobContext, JobResult
from jobs.errors import BudgetExhausted
from storage.events import add_event

log = logging.getLogger("pollbot.budget")


def check_budget(ctx: JobContext) -> None:
    """Raises BudgetExhausted when this month's reads (every process's) reached the cap."""
    used = ctx.usage.posts_read_this_month()
    cap = ctx.options.monthly_post_reads
    if used >= cap:
        raise BudgetExhausted(
            f"monthly read cap reached: {used} of {cap} posts read in {ctx.usage.month()}; "
            "reading resumes next month (POLLBOT_MONTHLY_POST_READS)"
        )


def skipped_for_budget(ctx: JobContext, job: str, cause: BudgetExhausted, items: int) -> JobResult:
    """The run that met the cap: an event for ``status``, a warning, and a skipped result."""
    with ctx.write() as tx:
        add_event(tx, at=ctx.wall(), kind="budget", job=job, message=str(cause))
    log.warning("%s: %s", job, cause)
    return JobResult(items, status="skipped", note=str(cause))

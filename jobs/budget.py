"""The month's read cap (POLLBOT_MONTHLY_POST_READS) and spend cap (POLLBOT_MONTHLY_BUDGET_USD,
the estimate at X's pay-per-use prices): checked before every read of posts, by every job that
reads them, and what a job that meets either records. Posting what is already due goes on."""

from __future__ import annotations

import logging
from typing import Literal

from jobs.base import JobContext, JobResult
from jobs.errors import BudgetExhausted
from storage.events import add_event

log = logging.getLogger("pollbot.budget")


def cap_reached(ctx: JobContext) -> Literal["read", "spend"] | None:
    """Which of this month's caps stops reading (every process's use counts), or None.
    The caps are X's (its reads are paid for); another platform's reads are never stopped."""
    if not ctx.usage.capped:
        return None
    if ctx.usage.posts_read_this_month() >= ctx.options.monthly_post_reads:
        return "read"
    if ctx.usage.usd_this_month() >= ctx.options.monthly_budget_usd:
        return "spend"
    return None


def budget_spent(ctx: JobContext) -> str | None:
    """Why reading must stop this month, as the run records and logs say it, or None."""
    cap = cap_reached(ctx)
    month = ctx.usage.month()
    if cap == "read":
        used, limit = ctx.usage.posts_read_this_month(), ctx.options.monthly_post_reads
        return (
            f"monthly read cap reached: {used} of {limit} posts read in {month}; "
            "reading resumes next month (POLLBOT_MONTHLY_POST_READS)"
        )
    if cap == "spend":
        spent, budget = ctx.usage.usd_this_month(), ctx.options.monthly_budget_usd
        return (
            f"monthly budget reached: about ${spent:.2f} of ${budget:.2f} spent at X's "
            f"pay-per-use prices in {month}; reading resumes next month "
            "(POLLBOT_MONTHLY_BUDGET_USD)"
        )
    return None


def check_budget(ctx: JobContext) -> None:
    """Raises BudgetExhausted when this month's reads or estimated spend reached its cap."""
    why = budget_spent(ctx)
    if why is not None:
        raise BudgetExhausted(why)


def skipped_for_budget(ctx: JobContext, job: str, cause: BudgetExhausted, items: int) -> JobResult:
    """The run that met the cap: an event for ``status``, a warning, and a skipped result."""
    with ctx.write() as tx:
        add_event(tx, at=ctx.wall(), kind="budget", job=job, message=str(cause))
    log.warning("%s: %s", job, cause)
    return JobResult(items, status="skipped", note=str(cause))

"""Running a job in the test's own process, as ``pollbot jobs run`` does."""

from __future__ import annotations

from bot.app import App
from bot.registry import get_job
from jobs.runner import Holder, RunOutcome, run_job


def run_now(app: App, job: str, *, trigger: str = "cli", subject: str | None = None) -> RunOutcome:
    """Run ``job`` under its lease, as ``trigger``; what the run record says."""
    ctx = app.job_context(trigger=trigger, subject=subject)
    return run_job(get_job(job), ctx, holder=Holder.here("test"))

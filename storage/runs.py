"""Run records: one row per run of a job, whatever triggered it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import JobRun
from storage.reads import last_errors as last_errors
from storage.reads import last_runs as last_runs


def start_run(
    session: Session,
    *,
    job: str,
    trigger: str,
    holder: str,
    now: datetime,
    subject: str | None = None,
    status: str = "running",
) -> int:
    run = JobRun(
        job=job,
        trigger=trigger,
        holder=holder,
        started_at=now,
        status=status,
        subject=subject,
        items=0,
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session, run_id: int, *, now: datetime, status: str, items: int, error: str | None
) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(finished_at=now, status=status, items=items, error=error)
    )


def fail_abandoned_runs(
    session: Session, *, job: str, holder_alive: set[str], now: datetime
) -> int:
    """Runs left 'running' by a holder that died are closed as failed."""
    q = select(JobRun).where(JobRun.job == job, JobRun.status == "running")
    count = 0
    for run in session.scalars(q):
        if run.holder not in holder_alive:
            run.status, run.finished_at = "failed", now
            run.error = run.error or "abandoned: the process running it died"
            count += 1
    return count


def run_history(session: Session, *, job: str | None = None, limit: int = 20) -> list[JobRun]:
    q = select(JobRun)
    if job is not None:
        q = q.where(JobRun.job == job)
    return list(
        session.scalars(q.order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit))
    )

"""Run records: one row per run of a job, whatever triggered it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import JobRun


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


def last_runs(session: Session) -> dict[str, JobRun]:
    """The newest run of each job: one short index lookup per job (ix_job_runs_job_started),
    not a scan of the whole history, which grows by a run a minute."""
    out: dict[str, JobRun] = {}
    for job in list(session.scalars(select(JobRun.job).distinct())):
        newest = select(JobRun).where(JobRun.job == job)
        newest = newest.order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
        out[job] = session.scalars(newest).one()
    return out


def last_errors(session: Session, *, limit: int = 5) -> list[JobRun]:
    q = (
        select(JobRun)
        .where(JobRun.status == "failed")
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(q))

"""Job leases, run records, the daemon heartbeat and operator-visible events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import Event, Heartbeat, JobLease, JobRun


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    job: str
    holder: str
    host: str
    pid: int
    acquired_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        return f"{self.holder} (pid {self.pid} on {self.host}, until {self.expires_at:%H:%M:%S}Z)"


def _info(row: JobLease) -> LeaseInfo | None:
    if row.holder is None or row.expires_at is None:
        return None
    return LeaseInfo(
        row.job,
        row.holder,
        row.host or "?",
        row.pid or 0,
        row.acquired_at or row.expires_at,
        row.expires_at,
    )


def lock_lease(session: Session, *, job: str) -> JobLease:
    """The job's lease row, locked for this transaction (``FOR UPDATE`` on PostgreSQL; SQLite
    writers are serialised by ``BEGIN IMMEDIATE``). Waits while another taker holds it, so a
    clock read after this is later than anything that taker committed."""
    session.execute(insert_for(session, JobLease).values(job=job).on_conflict_do_nothing())
    return session.scalars(select(JobLease).where(JobLease.job == job).with_for_update()).one()


def acquire_lease(
    session: Session,
    *,
    job: str,
    holder: str,
    host: str,
    pid: int,
    now: datetime,
    ttl: timedelta,
    steal_from: str | None = None,
) -> LeaseInfo | None:
    """Take the job's lease if free, expired, or held by ``steal_from`` (a holder known to
    be dead). Returns None when taken, else who holds it.

    The row is locked for the check (``lock_lease``), so two takers can never both win."""
    row = lock_lease(session, job=job)
    current = _info(row)
    live = current is not None and current.expires_at > now
    if current is not None and live and current.holder not in (holder, steal_from):
        return current
    row.holder, row.host, row.pid = holder, host, pid
    row.acquired_at, row.expires_at = now, now + ttl
    return None


def renew_lease(session: Session, *, job: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend our lease; False when it is no longer ours (it expired and was taken over)."""
    result = session.execute(
        update(JobLease)
        .where(JobLease.job == job, JobLease.holder == holder)
        .values(expires_at=now + ttl)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_lease(session: Session, *, job: str, holder: str) -> None:
    session.execute(
        update(JobLease)
        .where(JobLease.job == job, JobLease.holder == holder)
        .values(holder=None, host=None, pid=None, acquired_at=None, expires_at=None)
    )


def current_leases(session: Session, *, now: datetime) -> list[LeaseInfo]:
    rows = session.scalars(select(JobLease).where(JobLease.expires_at > now).order_by(JobLease.job))
    return [info for row in rows if (info := _info(row)) is not None]


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


def beat(
    session: Session, *, name: str, pid: int, host: str, started_at: datetime, now: datetime
) -> None:
    stmt = insert_for(session, Heartbeat).values(
        name=name, pid=pid, host=host, started_at=started_at, heartbeat_at=now, stopped_at=None
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={
                "pid": pid,
                "host": host,
                "started_at": started_at,
                "heartbeat_at": now,
                "stopped_at": None,
            },
        )
    )


def stop_beat(session: Session, *, name: str, pid: int, now: datetime) -> None:
    session.execute(
        update(Heartbeat).where(Heartbeat.name == name, Heartbeat.pid == pid).values(stopped_at=now)
    )


def heartbeat(session: Session, name: str = "daemon") -> Heartbeat | None:
    return session.get(Heartbeat, name)


def add_event(
    session: Session, *, at: datetime, kind: str, message: str, job: str | None = None
) -> None:
    session.add(Event(at=at, kind=kind, job=job, message=message))


def recent_events(session: Session, *, limit: int = 10) -> list[Event]:
    return list(
        session.scalars(select(Event).order_by(Event.at.desc(), Event.id.desc()).limit(limit))
    )

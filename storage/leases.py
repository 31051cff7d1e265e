"""Job leases: at most one holder runs a job at a time, across processes and hosts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import JobLease
from storage.reads import LeaseInfo, lease_info
from storage.reads import current_leases as current_leases


def _info(row: JobLease) -> LeaseInfo | None:
    return lease_info(row.job, row.holder, row.host, row.pid, row.acquired_at, row.expires_at)


def lock_lease(session: Session, *, job: str) -> JobLease:
    """The job's lease row, locked for this transaction (``FOR UPDATE`` on PostgreSQL; SQLite
    writers are serialised by ``BEGIN IMMEDIATE``). Waits while another taker holds it, so a
    clock read after this is later than anything that taker committed."""
    session.execute(insert_for(session, JobLease).values(job=job).on_conflict_do_nothing())
    query = select(JobLease).where(JobLease.job == job).with_for_update()
    return session.scalars(query).one()


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


def release_lease(
    session: Session, *, job: str, holder: str, taken_before: datetime | None = None
) -> None:
    """Give the lease back if ``holder`` has it; with ``taken_before``, only if it was taken
    no later than that (a run recorded late must not free the lease of a newer run)."""
    query = update(JobLease).where(JobLease.job == job, JobLease.holder == holder)
    if taken_before is not None:
        query = query.where(JobLease.acquired_at <= taken_before)
    session.execute(
        query.values(holder=None, host=None, pid=None, acquired_at=None, expires_at=None)
    )

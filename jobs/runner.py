"""The one entry point that runs any job for any trigger: take the job's lease, record the
run, run it, record how it ended, release the lease. The daemon, ``pollbot jobs run`` and
operator mentions all come through here, so two of them never run the same job at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from jobs.base import Job, JobContext, JobResult, PartialRun
from jobs.errors import LeaseHeld, PollbotError, RateLimited
from storage.leases import acquire_lease, lock_lease, release_lease, renew_lease
from storage.runs import fail_abandoned_runs, finish_run, start_run

log = logging.getLogger("pollbot.runner")
LEASE_TTL = timedelta(seconds=60)
TRIGGERS = ("schedule", "cli", "mention", "startup")


@dataclass(frozen=True, slots=True)
class Holder:
    name: str
    host: str
    pid: int

    @classmethod
    def here(cls, kind: str) -> Holder:
        host = socket.gethostname()
        pid = os.getpid()
        return cls(f"{kind}:{host}:{pid}:{uuid.uuid4().hex[:6]}", host, pid)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: int
    job: str
    status: str
    items: int
    error: str | None
    seconds: float


class _Renewer(threading.Thread):
    """Keeps the lease alive while the job runs, even inside a long wait on the network;
    if the lease is lost (we were presumed dead), asks the job to stop."""

    def __init__(self, ctx: JobContext, job: str, holder: Holder, ttl: timedelta) -> None:
        super().__init__(name=f"lease-{job}", daemon=True)
        self.ctx, self.job, self.holder, self.ttl = ctx, job, holder, ttl
        self.done = threading.Event()
        self.lost = False

    def run(self) -> None:
        while not self.done.wait(self.ttl.total_seconds() / 3):
            try:
                with self.ctx.db.write() as session:
                    ok = renew_lease(
                        session,
                        job=self.job,
                        holder=self.holder.name,
                        now=self.ctx.wall(),
                        ttl=self.ttl,
                    )
            except Exception:
                log.exception("renewing the lease of %s failed", self.job)
                continue
            if not ok:
                self.lost = True
                log.error("lost the lease of %s; stopping it", self.job)
                self.ctx.stop.set()
                return


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user
    return True


def run_job(
    job: Job,
    ctx: JobContext,
    *,
    holder: Holder,
    ttl: timedelta = LEASE_TTL,
) -> RunOutcome:
    """Run ``job`` under its lease. Raises LeaseHeld (nothing recorded) when it is busy."""
    if ctx.trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {ctx.trigger!r}")
    with ctx.db.write() as session:
        # Read the clock only once the row is ours: a run that finished while we waited for
        # the lock must not appear to overlap this one.
        lock_lease(session, job=job.name)
        now = ctx.wall()
        take = partial(
            acquire_lease, session, job=job.name, holder=holder.name, host=holder.host,
            pid=holder.pid, now=now, ttl=ttl,
        )  # fmt: skip
        busy = take()
        if busy is not None and busy.host == holder.host and not _pid_alive(busy.pid):
            # Its holder died on this very machine: no need to wait out the lease.
            log.warning("%s: the lease holder %s is dead; taking over", job.name, busy.holder)
            busy = take(steal_from=busy.holder)
        if busy is not None:
            raise LeaseHeld(job.name, busy.describe())
        abandoned = fail_abandoned_runs(session, job=job.name, holder_alive={holder.name}, now=now)
        run_id = start_run(
            session,
            job=job.name,
            trigger=ctx.trigger,
            holder=holder.name,
            now=now,
            subject=ctx.subject,
        )
    if abandoned:
        log.warning("%s: took over from a holder that died (%d run closed)", job.name, abandoned)
    renewer = _Renewer(ctx, job.name, holder, ttl)
    renewer.start()
    started = time.monotonic()
    log.info("%s started (%s)", job.name, ctx.trigger, extra={"job": job.name, "run": run_id})
    result = JobResult(0, status="failed", note="did not finish")
    try:
        result = job.run(ctx)
    except Exception as exc:
        result = _failed(job.name, *PartialRun.unwrap(exc))
    finally:
        renewer.done.set()
        renewer.join(timeout=5)
        seconds = time.monotonic() - started
        status = result.status
        error = result.note if status != "ok" else None
        with ctx.write() as session:
            finish_run(
                session, run_id, now=ctx.wall(), status=status, items=result.items, error=error
            )
            release_lease(session, job=job.name, holder=holder.name)
        log.info(
            "%s %s: %d items in %.1fs%s",
            job.name,
            status,
            result.items,
            seconds,
            f" ({error})" if error else "",
            extra={"job": job.name, "run": run_id, "status": status, "items": result.items},
        )
    return RunOutcome(run_id, job.name, status, result.items, error, seconds)


def _failed(job: str, exc: BaseException, items: int) -> JobResult:
    """How a run that raised is recorded and logged: its own errors in one line, anything
    else with its traceback."""
    if isinstance(exc, RateLimited):
        log.warning("%s stopped: %s", job, exc)
        return JobResult(items, status="failed", note=str(exc))
    if isinstance(exc, PollbotError):
        log.error("%s failed: %s", job, exc)
        return JobResult(items, status="failed", note=str(exc))
    log.error("%s crashed", job, exc_info=exc)
    return JobResult(items, status="failed", note=f"{type(exc).__name__}: {exc}")

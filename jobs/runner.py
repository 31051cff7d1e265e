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
from datetime import datetime, timedelta
from functools import partial

from jobs.base import Job, JobContext, JobResult, PartialRun
from jobs.errors import LeaseHeld, NotRecorded, PollbotError, RateLimited, Stopped
from storage.engine import Tx
from storage.errors import StorageError
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


@dataclass(frozen=True, slots=True)
class RunEnd:
    """How a run ended, as its record is to say it: written as the job returns, or kept and
    written later (``close_run``) when the database was away at that moment."""

    run_id: int
    job: str
    holder: str
    finished_at: datetime
    status: str
    items: int
    error: str | None


class RunNotRecorded(NotRecorded):
    """The run ended (``outcome``) but its record could not be written: the run row still
    says ``running`` and the lease is still ours until it expires. ``end`` is what to write
    once the database is back."""

    def __init__(self, end: RunEnd, outcome: RunOutcome, cause: StorageError) -> None:
        said = f" ({end.error})" if end.error and end.error != str(cause) else ""
        super().__init__(
            f"{end.job} run {end.run_id} ended {end.status}{said}, but recording it failed: "
            f"{cause}",
            cause=cause,
        )
        self.end = end
        self.outcome = outcome


def close_run(tx: Tx, end: RunEnd, *, late: bool = False) -> None:
    """Write how the run ended and give its lease back if it is still ours (a lease taken
    over meanwhile is its new holder's). ``late``: written after the fact, when the same
    holder may already run the job again; that newer run's lease is left alone."""
    finish_run(
        tx, end.run_id, now=end.finished_at, status=end.status, items=end.items, error=end.error
    )
    taken_before = end.finished_at if late else None
    release_lease(tx, job=end.job, holder=end.holder, taken_before=taken_before)


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
            except StorageError as exc:
                # The database is away: the lease may lapse meanwhile (see run_job).
                log.warning("renewing the lease of %s failed: %s", self.job, exc)
                continue
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


def run_name(job: str, platform: str) -> str:
    """What a job's runs on ``platform`` are leased and recorded as: X's under the job's own
    name (``collect``), another platform's beside it (``collect@mastodon``), so the two never
    wait on each other and two daemons on one database may split the platforms."""
    return job if platform == "x" else f"{job}@{platform}"


def run_job(
    job: Job,
    ctx: JobContext,
    *,
    holder: Holder,
    ttl: timedelta = LEASE_TTL,
) -> RunOutcome:
    """Run ``job`` under its lease. Raises LeaseHeld (nothing recorded) when it is busy, a
    StorageError (nothing recorded) when the database fails before the job starts, and
    RunNotRecorded when the job ran but the database failed as its end was recorded: the
    caller may keep ``RunNotRecorded.end`` and write it with ``close_run`` later. The lease
    and the run record are the job's on the context's platform (``run_name``)."""
    if ctx.trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {ctx.trigger!r}")
    name = run_name(job.name, ctx.platform.name)
    with ctx.db.write() as session:
        # Read the clock only once the row is ours: a run that finished while we waited for
        # the lock must not appear to overlap this one.
        lock_lease(session, job=name)
        now = ctx.wall()
        take = partial(
            acquire_lease, session, job=name, holder=holder.name, host=holder.host,
            pid=holder.pid, now=now, ttl=ttl,
        )  # fmt: skip
        busy = take()
        if busy is not None and busy.host == holder.host and not _pid_alive(busy.pid):
            # Its holder died on this very machine: no need to wait out the lease.
            log.warning("%s: the lease holder %s is dead; taking over", name, busy.holder)
            busy = take(steal_from=busy.holder)
        if busy is not None:
            raise LeaseHeld(name, busy.describe())
        abandoned = fail_abandoned_runs(session, job=name, holder_alive={holder.name}, now=now)
        run_id = start_run(
            session,
            job=name,
            trigger=ctx.trigger,
            holder=holder.name,
            now=now,
            subject=ctx.subject,
        )
    if abandoned:
        log.warning("%s: took over from a holder that died (%d run closed)", name, abandoned)
    renewer = _Renewer(ctx, name, holder, ttl)
    renewer.start()
    started = time.monotonic()
    log.info("%s started (%s)", name, ctx.trigger, extra={"job": name, "run": run_id})
    result = JobResult(0, status="failed", note="did not finish")
    try:
        result = job.run(ctx)
    except Exception as exc:
        result = _failed(name, *PartialRun.unwrap(exc))
    finally:
        renewer.done.set()
        renewer.join(timeout=5)
        status = result.status
        end = RunEnd(
            run_id,
            name,
            holder.name,
            ctx.wall(),
            status,
            result.items,
            result.note if status != "ok" else None,
        )
        outcome = RunOutcome(
            run_id, name, status, result.items, end.error, time.monotonic() - started
        )
        _record_end(ctx, end, outcome)
    return outcome


def _record_end(ctx: JobContext, end: RunEnd, outcome: RunOutcome) -> None:
    try:
        with ctx.write() as session:
            close_run(session, end)
    except StorageError as exc:
        raise RunNotRecorded(end, outcome, exc) from exc
    log.info(
        "%s %s: %d items in %.1fs%s",
        end.job,
        end.status,
        end.items,
        outcome.seconds,
        f" ({end.error})" if end.error else "",
        extra={"job": end.job, "run": end.run_id, "status": end.status, "items": end.items},
    )


def _failed(job: str, exc: BaseException, items: int) -> JobResult:
    """How a run that raised is recorded and logged: its own errors in one line, anything
    else with its traceback."""
    if isinstance(exc, Stopped):
        log.info("%s %s", job, exc)
        return JobResult(items, note=str(exc))
    if isinstance(exc, RateLimited | StorageError):
        # Not the job's fault, and already said where it matters (the daemon logs an outage
        # once): one line, no traceback.
        log.warning("%s stopped: %s", job, exc)
        return JobResult(items, status="failed", note=str(exc))
    if isinstance(exc, PollbotError):
        log.error("%s failed: %s", job, exc)
        return JobResult(items, status="failed", note=str(exc))
    log.error("%s crashed", job, exc_info=exc)
    return JobResult(items, status="failed", note=f"{type(exc).__name__}: {exc}")

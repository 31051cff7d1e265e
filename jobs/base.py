"""What every job is handed, and what it hands back.

A job is a name and a ``run(ctx)``; the runner (``jobs.runner``) wraps it with the lease and
the run record, whatever triggered it (schedule, cli, mention, startup).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from jobs.chart import ChartRenderer
from jobs.clock import Clock
from jobs.platform import Platform
from jobs.scoring import InlineScorer, Scorer
from jobs.usage import UsageMeter
from storage.engine import Database, Tx


class RunNow(Protocol):
    """Run another job now, under its lease, as this run's trigger; what the wiring hands a
    job that may start others (the ``collect`` mention command). Raises LeaseHeld when that
    job is busy."""

    def __call__(self, job: str) -> JobResult: ...


class Progress(Protocol):
    """Where a long job reports how far it got (a terminal display, or nothing)."""

    def update(self, **counts: int | str) -> None: ...


class NoProgress:
    def update(self, **counts: int | str) -> None:
        return None


@dataclass(frozen=True, slots=True)
class JobOptions:
    dry_run: bool = False
    monthly_post_reads: int = 10_000
    monthly_budget_usd: float = 50.0
    summary_cron: str = "0 9 * * *"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    operators: tuple[str, ...] = ()
    search_window: timedelta = timedelta(days=7)
    # How often collect runs: a summary whose window collection has not completed this long
    # after its end goes out saying how far it counted.
    collect_every: timedelta = timedelta(minutes=15)


@dataclass
class JobContext:
    db: Database
    platform: Platform
    clock: Clock  # the platform's clock: windows, cursors, what is due
    wall: Callable[[], datetime]  # operational time: leases, run records
    usage: UsageMeter
    options: JobOptions = field(default_factory=JobOptions)
    progress: Progress = field(default_factory=NoProgress)
    stop: threading.Event = field(default_factory=threading.Event)
    subject: str | None = None  # limit the run to one subject (``jobs run --subject``)
    trigger: str = "cli"
    chart: ChartRenderer | None = None  # draws summary charts when the platform takes media
    scorer: Scorer = field(default_factory=InlineScorer)  # where pages are scored
    run_now: RunNow | None = None  # may start another job now (handed in by the wiring)

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Tx]:
        """The one way a job writes: one transaction, committed when the block ends (rolled
        back if it raises), which also records the API use counted since the last write, so
        usage and the rows it paid for are stored together. Usage whose transaction does not
        commit is kept for the next one. ``durable=False``: see ``Database.write``."""
        pending = None
        try:
            with self.db.write(durable=durable) as tx:
                yield tx
                pending = self.usage.flush(tx)
        except BaseException:
            if pending is not None:
                self.usage.restore(pending)
            raise
        if pending is not None:
            self.usage.settle(pending)

    def read(self) -> AbstractContextManager[Tx]:
        """A read-only session; objects loaded stay readable after it closes."""
        return self.db.read()


@dataclass(frozen=True, slots=True)
class JobResult:
    items: int
    status: str = "ok"  # ok, skipped (nothing could be done, e.g. the read cap), failed
    note: str | None = None  # why, for the run record


class PartialRun(Exception):
    """A job failed after committing ``items``: the count travels with the failure, and the
    runner records both. ``cause`` is the failure itself."""

    def __init__(self, items: int, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.items = items
        self.cause = cause

    @classmethod
    def of(cls, exc: BaseException, items: int) -> PartialRun:
        """``exc`` with ``items`` more committed before it (it may already carry some)."""
        if isinstance(exc, PartialRun):
            return cls(exc.items + items, exc.cause)
        return cls(items, exc)

    @staticmethod
    def unwrap(exc: BaseException) -> tuple[BaseException, int]:
        """The failure and the items committed before it."""
        return (exc.cause, exc.items) if isinstance(exc, PartialRun) else (exc, 0)


class Job(Protocol):
    name: str
    description: str

    def run(self, ctx: JobContext) -> JobResult: ...

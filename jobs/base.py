"""What every job is handed, and what it hands back.

A job is a name and a ``run(ctx)``; the runner (``jobs.runner``) wraps it with the lease and
the run record, whatever triggered it (schedule, cli, mention, startup).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from jobs.clock import Clock
from jobs.platform import Platform
from jobs.scoring import InlineScorer, Scorer
from jobs.usage import UsageMeter
from storage.engine import Database

if TYPE_CHECKING:
    from jobs.summary.model import ChartRenderer


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
    summary_cron: str = "0 9 * * *"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    operators: tuple[str, ...] = ()
    search_window: timedelta = timedelta(days=7)


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
    keepalive: Callable[[], None] = lambda: None  # renews the lease; called between pages
    chart: ChartRenderer | None = None  # draws summary charts when the platform takes media
    stored: int = 0  # items committed so far in this run, reported even if it fails later
    scorer: Scorer = field(default_factory=InlineScorer)  # where pages are scored


@dataclass(frozen=True, slots=True)
class JobResult:
    items: int
    status: str = "ok"  # ok, skipped (nothing could be done, e.g. the read cap), failed
    note: str | None = None  # why, for the run record


class Job(Protocol):
    name: str
    description: str

    def run(self, ctx: JobContext) -> JobResult: ...

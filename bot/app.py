"""Wiring: settings in, the database, the platform clients and their clocks out.

The platforms are those configured: X (its credentials set, or nothing else configured, so
that X's own message says what is missing), Mastodon (``MASTODON_BASE_URL`` set), or both.
Each platform has its clients, its clock (its own ``date`` headers) and its usage meter.

Every command builds one ``App`` and asks it for what it needs, so nothing is opened that a
command does not use (``pollbot score`` never touches the database).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.database import open_database
from bot.registry import get_job
from bot.scoring import ProcessScorer, default_processes
from jobs.base import JobContext, JobOptions, JobResult, NoProgress, Progress
from jobs.errors import UsageError
from jobs.pricing import Charge
from jobs.runner import Holder, run_job
from jobs.scoring import InlineScorer, Scorer
from jobs.tracking import track_configured
from jobs.usage import UsageMeter
from storage.engine import Database

if TYPE_CHECKING:
    from bot.platforms.clock import PlatformClock
    from jobs.chart import ChartSeries
    from jobs.platform import Platform

X, MASTODON = "x", "mastodon"
_HOW_TO = {
    X: "set X_BEARER_TOKEN, or X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET",
    MASTODON: "set MASTODON_BASE_URL and MASTODON_ACCESS_TOKEN",
}

log = logging.getLogger("pollbot")


def system_now() -> datetime:
    """Wall-clock time for operational records (leases, runs, heartbeats), never for data."""
    return datetime.now(UTC)


def _render_chart(series: ChartSeries) -> bytes:
    # matplotlib (large, slow to import) is loaded only when a chart is drawn.
    from bot.charts import render_chart

    return render_chart(series)


@dataclass
class App:
    settings: Settings
    wall: Callable[[], datetime] = system_now
    sleep: Callable[[float], None] | None = None
    # The demo runs the scenario clock faster than real time: it scales these two.
    monotonic: Callable[[], float] | None = None
    max_rate_wait_s: float = 60.0  # longest rate-limit wait a job sits out before stopping
    # Told of every answer (endpoint, posts read, platform) and every 429 (endpoint, platform).
    usage_hooks: list[Callable[..., None]] = field(default_factory=list)
    rate_limit_hooks: list[Callable[..., None]] = field(default_factory=list)
    _db: Database | None = field(default=None, repr=False)
    _platforms: dict[str, Platform] = field(default_factory=dict, repr=False)
    _usage: dict[str, UsageMeter] = field(default_factory=dict, repr=False)
    _clocks: dict[str, PlatformClock] = field(default_factory=dict, repr=False)
    _scorer: Scorer | None = field(default=None, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def db(self, *, migrate: bool = True) -> Database:
        """The database, migrated to the newest schema on first use."""
        with self._lock:  # jobs on several threads may ask first at once
            if self._db is None:
                self._db = open_database(self.settings.database_url, migrate=migrate)
            return self._db

    def platform_names(self) -> list[str]:
        """The platforms configured, X first."""
        s = self.settings
        x = any(
            (s.x_bearer_token, s.x_api_key, s.x_api_secret, s.x_access_token,
             s.x_access_token_secret)
        )  # fmt: skip
        mastodon = s.mastodon_base_url is not None
        return ([X] if x or not mastodon else []) + ([MASTODON] if mastodon else [])

    def platform(self, name: str | None = None) -> Platform:
        """The client of ``name`` (the first configured when None) for this process's
        commands (the daemon makes one per job)."""
        name = name or self.platform_names()[0]
        with self._lock:
            if name not in self._platforms:
                self._platforms[name] = self.new_platform(name)
            return self._platforms[name]

    def new_platform(self, name: str = X, *, stop: threading.Event | None = None) -> Platform:
        """A client of its own; its waits (rate-limit resets, retries) end, raising
        ``Stopped``, as soon as ``stop`` is set."""
        if name not in self.platform_names():
            raise UsageError(f"{name} is not configured ({_HOW_TO[name]})")
        with self._lock:  # the first client's clock is shared by the next ones
            return self._new_mastodon(stop) if name == MASTODON else self._new_x(stop)

    def _timing(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        if self.monotonic is not None:
            kwargs["monotonic"] = self.monotonic
        return kwargs

    def _new_mastodon(self, stop: threading.Event | None = None) -> Platform:
        # Mastodon.py: loaded only by commands that call out to Mastodon.
        from bot.platforms.mastodon import MastodonPlatform

        s = self.settings
        platform = MastodonPlatform(
            base_url=s.mastodon_base_url or "",
            access_token=s.mastodon_access_token.reveal(),
            usage=lambda endpoint, posts: self.record_usage(endpoint, posts, platform=MASTODON),
            max_wait_s=self.max_rate_wait_s,
            clock=self._clocks.get(MASTODON),
            on_rate_limited=lambda endpoint: self.record_rate_limited(endpoint, platform=MASTODON),
            stop=stop,
            **self._timing(),
        )
        self._clocks[MASTODON] = platform.clock
        return platform

    def _new_x(self, stop: threading.Event | None = None) -> Platform:
        from bot.platforms.x import XPlatform  # tweepy: loaded only by commands that call out

        s = self.settings
        platform = XPlatform(
            bearer_token=s.x_bearer_token.reveal(),
            api_key=s.x_api_key.reveal(),
            api_secret=s.x_api_secret.reveal(),
            access_token=s.x_access_token.reveal(),
            access_token_secret=s.x_access_token_secret.reveal(),
            base_url=s.x_api_base_url,
            usage=self.record_usage,
            billing=self.record_charge,
            max_wait_s=self.max_rate_wait_s,
            clock=self._clocks.get(X),
            on_rate_limited=self.record_rate_limited,
            stop=stop,
            **self._timing(),
        )
        # Every X client of this process shares the first one's clock.
        self._clocks[X] = platform.clock
        return platform

    def record_rate_limited(self, endpoint: str, *, platform: str = X) -> None:
        for hook in self.rate_limit_hooks:
            hook(endpoint, platform=platform)

    def record_usage(self, endpoint: str, posts: int, *, platform: str = X) -> None:
        self.usage(platform).record(endpoint, posts)
        for hook in self.usage_hooks:
            hook(endpoint, posts, platform=platform)

    def record_charge(self, charge: Charge) -> None:
        self.usage(X).bill(charge)

    def usage(self, platform: str = X) -> UsageMeter:
        """The usage meter of ``platform`` (its month is the platform's clock's)."""
        with self._lock:
            if platform not in self._usage:
                self._usage[platform] = UsageMeter(
                    self.db(), now=lambda: self.platform(platform).now(), platform=platform
                )
            return self._usage[platform]

    def scorer(self) -> Scorer:
        """Where collection scores its pages: worker processes (started on first use, shared
        by every job of this process) or this process (``POLLBOT_SCORING_PROCESSES=0``)."""
        with self._lock:
            if self._scorer is None:
                processes = self.scoring_processes()
                self._scorer = ProcessScorer(processes) if processes else InlineScorer()
            return self._scorer

    def scoring_processes(self) -> int:
        configured = self.settings.scoring_processes
        return default_processes() if configured is None else configured

    def options(self) -> JobOptions:
        s = self.settings
        return JobOptions(
            dry_run=s.dry_run,
            monthly_post_reads=s.monthly_post_reads,
            monthly_budget_usd=s.monthly_budget_usd,
            summary_cron=s.summary_cron,
            timezone=s.timezone,
            operators=s.operators,
            collect_every=s.collect_every,
        )

    def job_context(
        self,
        *,
        trigger: str,
        subject: str | None = None,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
        platform: Platform | None = None,
    ) -> JobContext:
        db = self.db()
        platform = platform or self.platform()
        stop = stop or threading.Event()
        track_configured(
            db, accounts=self.settings.accounts, polls=self.settings.polls, now=self.wall()
        )

        def run_now(job: str) -> JobResult:
            # Another job, now, on the same platform client and stop signal, as a mention
            # asked for it; under its own lease like any run.
            ctx = self.job_context(trigger="mention", stop=stop, platform=platform)
            outcome = run_job(get_job(job), ctx, holder=Holder.here("mention"))
            return JobResult(outcome.items, outcome.status, outcome.error)

        return JobContext(
            db=db,
            platform=platform,
            clock=platform,
            wall=self.wall,
            usage=self.usage(platform.name),
            options=self.options(),
            progress=progress or NoProgress(),
            stop=stop,
            subject=subject,
            trigger=trigger,
            chart=_render_chart,
            scorer=self.scorer(),
            run_now=run_now,
        )

    def close(self) -> None:
        with self._lock:
            scorer, self._scorer = self._scorer, None
            meters = list(self._usage.values())
        if meters and self._db is not None:
            # Requests made outside any job (``track`` looking an account up) are counted too.
            try:
                with self._db.write() as tx:
                    for usage in meters:
                        usage.flush(tx)
            except Exception as exc:
                log.warning("could not record this command's API use: %s", exc)
        if isinstance(scorer, ProcessScorer):
            scorer.close()
        if self._db is not None:
            self._db.dispose()
            self._db = None

"""``pollbot run``: every job on its schedule until SIGTERM/SIGINT.

APScheduler 3 (``BlockingScheduler``) fires the jobs; each firing goes through
``jobs.runner.run_job``, so the lease keeps a job from running twice at once across
processes, and every run is recorded. On a signal the running jobs are asked to stop after
the page in hand, the scheduler shuts down, leases are released and the process exits 0.
Nothing depends on APScheduler remembering next run times: every job runs once at start-up,
and what summaries are due is decided from the store, so a restart neither skips nor repeats.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from bot.metrics import Metrics, serve_metrics
from bot.platforms.x import XPlatform
from bot.registry import all_jobs
from bot.schedule import schedules
from jobs.errors import LeaseHeld
from jobs.runner import Holder, RunOutcome, run_job
from jobs.tracking import track_configured
from storage.heartbeat import beat, stop_beat

log = logging.getLogger("pollbot.daemon")
HEARTBEAT_EVERY = timedelta(seconds=10)


class Daemon:
    def __init__(
        self,
        app: App,
        *,
        speed: float = 1.0,
        on_outcome: Callable[[RunOutcome], None] | None = None,
        jobs: tuple[str, ...] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.app = app
        self.speed = speed
        self.on_outcome = on_outcome
        self.stop = stop or threading.Event()  # may be set by a signal before run() starts
        self._stopping = False
        self.holder = Holder.here("daemon")
        self.metrics = Metrics()
        self.jobs = {n: j for n, j in all_jobs().items() if jobs is None or n in jobs}
        self.started_at = app.wall()
        self._platforms: dict[str, XPlatform] = {}
        self._started: set[str] = set()
        self._inflight = 0
        self._idle = threading.Condition()
        self._returned = threading.Event()
        self.scheduler = BlockingScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=len(self.jobs) + 1)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    # -- running one job -----------------------------------------------------------------

    def _fire(self, name: str) -> None:
        if self.stop.is_set():
            return
        trigger = "schedule" if name in self._started else "startup"
        self._started.add(name)
        platform = self._platforms.get(name)
        if platform is None:
            platform = self._platforms[name] = self.app.new_platform()
        with self._idle:
            self._inflight += 1
        try:
            ctx = self.app.job_context(trigger=trigger, stop=self.stop, platform=platform)
            outcome = run_job(self.jobs[name], ctx, holder=self.holder)
        except LeaseHeld as exc:
            log.info("%s: skipped, %s", name, exc)
            return
        except Exception:
            log.exception("%s: the run could not start", name)
            return
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()
        self.metrics.observe_run(outcome)
        try:
            self.metrics.posts_read_month.set(self.app.usage().posts_read_this_month())
        except Exception:
            log.debug("could not read this month's usage", exc_info=True)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def _beat(self) -> None:
        try:
            with self.app.db().write() as session:
                beat(
                    session,
                    name="daemon",
                    pid=self.holder.pid,
                    host=self.holder.host,
                    started_at=self.started_at,
                    now=self.app.wall(),
                )
        except Exception:
            log.exception("heartbeat failed")

    def health(self) -> dict[str, object]:
        return {"ok": not self.stop.is_set(), "pid": self.holder.pid, "jobs": sorted(self.jobs)}

    # -- life cycle ----------------------------------------------------------------------

    def request_stop(self, reason: str = "stop requested") -> None:
        if self._stopping:
            return
        self._stopping = True
        log.info("%s: finishing the pages in hand, then exiting", reason)
        self.stop.set()
        # From another thread: this may run inside a signal handler.
        threading.Thread(target=self._shut_down_scheduler, name="shutdown", daemon=True).start()

    def _shut_down_scheduler(self) -> None:
        # A stop asked for while run() is still setting up (starting the scoring processes,
        # adding the jobs) comes before the scheduler runs: shutting it down then would fail,
        # and the scheduler, started a moment later, would run on. So wait for it to run.
        while not self.scheduler.running:
            if self._returned.wait(0.05):
                return  # run() ended without starting it
        with contextlib.suppress(SchedulerNotRunningError):  # it stopped by itself meanwhile
            self.scheduler.shutdown(wait=False)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.request_stop(signal.Signals(signum).name)

    def run(self, *, duration: float | None = None) -> int:
        try:
            return self._run(duration=duration)
        finally:
            self._returned.set()

    def _run(self, *, duration: float | None) -> int:
        app = self.app
        db = app.db()
        track_configured(
            db, accounts=app.settings.accounts, polls=app.settings.polls, now=app.wall()
        )
        app.usage_hooks.append(self.metrics.observe_request)
        app.rate_limit_hooks.append(self.metrics.observe_rate_limited)
        if app.settings.metrics_port:
            serve_metrics(self.metrics, port=app.settings.metrics_port, health=self.health)
            log.info("metrics on http://127.0.0.1:%d/metrics", app.settings.metrics_port)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_signal)
            signal.signal(signal.SIGINT, self._on_signal)
        if self.stop.is_set():
            log.info("stop requested while starting: exiting before any job runs")
            return 0
        scoring = ""
        if "collect" in self.jobs:
            app.scorer().warm()  # scoring processes start now, not on the first page
            n = app.scoring_processes()
            scoring = f"; scoring in {n} process{'es' if n > 1 else ''} of its own" if n else ""
        now = datetime.now(UTC)
        for name, sched in schedules(app.settings, speed=self.speed).items():
            if name not in self.jobs:
                continue
            every = sched.every.total_seconds()
            self.scheduler.add_job(
                self._fire,
                IntervalTrigger(seconds=every),
                args=[name],
                id=name,
                name=name,
                next_run_time=now,
                misfire_grace_time=max(1, int(every)),
            )
        self.scheduler.add_job(
            self._beat,
            IntervalTrigger(seconds=HEARTBEAT_EVERY.total_seconds()),
            id="heartbeat",
            next_run_time=now,
        )
        if duration is not None:
            self.scheduler.add_job(
                self.request_stop,
                "date",
                run_date=now + timedelta(seconds=duration),
                args=["demo time is up"],
                id="deadline",
            )
        log.info("daemon started: %s (pid %d%s)", ", ".join(self.jobs), self.holder.pid, scoring)
        self.scheduler.start()  # blocks until shut down
        self.stop.set()
        with self._idle:
            self._idle.wait_for(lambda: self._inflight == 0, timeout=60)
        with db.write() as session:
            stop_beat(session, name="daemon", pid=self.holder.pid, now=app.wall())
        log.info("daemon stopped")
        return 0

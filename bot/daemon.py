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
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from bot.memory import limit_malloc_arenas, release_free_memory
from bot.metrics import Metrics, serve_metrics
from bot.outage import DatabaseOutage
from bot.registry import all_jobs
from bot.schedule import schedules
from jobs.errors import LeaseHeld, NotRecorded
from jobs.platform import Platform
from jobs.report import report_page
from jobs.runner import Holder, RunEnd, RunNotRecorded, RunOutcome, close_run, run_job, run_name
from jobs.tracking import track_configured
from storage.errors import StorageError
from storage.heartbeat import beat, stop_beat

log = logging.getLogger("pollbot.daemon")
HEARTBEAT_EVERY = timedelta(seconds=10)
# At start-up these run before the first summarize (it judges what is due on what they store).
FIRST_BEFORE_SUMMARIES = ("collect", "polls")


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
        self.outage = DatabaseOutage(on_down=self.metrics.database_outages.inc)
        self.jobs = {n: j for n, j in all_jobs().items() if jobs is None or n in jobs}
        self.started_at = app.wall()
        self.platforms = app.platform_names()
        self._platforms: dict[str, Platform] = {}  # a client per scheduled run name
        self._started: set[str] = set()
        self._before_summaries: set[str] = set()
        self._inflight = 0
        self._idle = threading.Condition()
        self._returned = threading.Event()
        # Runs that ended while the database was away: written once it is back (on the next
        # heartbeat or firing), with how they really ended.
        self._unrecorded: dict[int, RunEnd] = {}
        self._unrecorded_lock = threading.Lock()
        self._recording = threading.Lock()
        self.scheduler = BlockingScheduler(
            timezone=UTC,
            executors={
                "default": ThreadPoolExecutor(max_workers=len(self.jobs) * len(self.platforms) + 1)
            },
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    # -- running one job -----------------------------------------------------------------

    def _fire(self, job: str, platform_name: str = "x") -> None:
        """One run of ``job`` on ``platform_name``: each platform's jobs are scheduled, leased
        and recorded apart (``run_name``), and never wait on each other's."""
        if self.stop.is_set():
            return
        self._record_late()
        name = run_name(job, platform_name)
        trigger = "schedule" if name in self._started else "startup"
        self._started.add(name)
        with self._idle:
            self._inflight += 1
        try:
            platform = self._platforms.get(name)
            if platform is None:
                platform = self.app.new_platform(platform_name, stop=self.stop)
                self._platforms[name] = platform
            ctx = self.app.job_context(trigger=trigger, stop=self.stop, platform=platform)
            outcome = run_job(self.jobs[job], ctx, holder=self.holder)
        except LeaseHeld as exc:
            log.info("%s: skipped, %s", name, exc)
            return
        except RunNotRecorded as exc:
            outcome = self._keep_unrecorded(exc)
        except StorageError as exc:
            self.outage.failed(exc, f"{name}: not started")
            return
        except Exception:
            log.exception("%s: the run could not start", name)
            return
        else:
            self.outage.reached()
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()
            self._ran_at_start(job, platform_name)
        self.metrics.observe_run(outcome)
        try:
            if "x" in self.platforms:  # X's reads are the ones capped
                self.metrics.posts_read_month.set(self.app.usage().posts_read_this_month())
        except Exception:
            log.debug("could not read this month's usage", exc_info=True)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def report(self, name: str) -> str | None:
        """A report page by name, from the store as it is now (``/report/`` on the metrics
        port)."""
        s = self.app.settings
        return report_page(
            self.app.db(),
            name,
            now=self.app.wall(),
            cap=s.monthly_post_reads,
            budget_usd=s.monthly_budget_usd,
        )

    def _ran_at_start(self, job: str, platform: str) -> None:
        """At start-up, a platform's summarize runs only once its collect and polls have run
        (however they ended): what is due is then judged on what they stored, not on
        yesterday's store."""
        name = run_name(job, platform)
        waiting = {run_name(j, platform) for j in FIRST_BEFORE_SUMMARIES}
        with self._idle:
            if name not in self._before_summaries:
                return
            self._before_summaries.discard(name)
            if (
                self._before_summaries & waiting
                or "summarize" not in self.jobs
                or self.stop.is_set()
            ):
                return
        with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
            summarize = run_name("summarize", platform)
            self.scheduler.modify_job(summarize, next_run_time=datetime.now(UTC))
        log.debug("%s: collect and polls ran: summaries from now on", platform)

    def _keep_unrecorded(self, exc: RunNotRecorded) -> RunOutcome:
        """A run ended while the database was away: keep its end to write later."""
        assert isinstance(exc.cause, StorageError)
        end = exc.end
        self.outage.failed(exc.cause, f"recording the end of {end.job} run {end.run_id}")
        with self._unrecorded_lock:
            self._unrecorded[end.run_id] = end
            self.metrics.runs_unrecorded.set(len(self._unrecorded))
        log.warning(
            "%s run %d ended %s%s; it is recorded when the database is back",
            end.job,
            end.run_id,
            end.status,
            f" ({end.error})" if end.error else "",
            extra={"job": end.job, "run": end.run_id, "status": end.status, "items": end.items},
        )
        return exc.outcome

    def _record_late(self) -> StorageError | None:
        """Write the ends of the runs the database missed, if it is back; the error if it is
        not. One thread at a time; the others go on (the next heartbeat or firing tries
        again)."""
        if not self._unrecorded or not self._recording.acquire(blocking=False):
            return None
        try:
            with self._unrecorded_lock:
                ends = list(self._unrecorded.values())
            for end in ends:
                try:
                    with self.app.db().write() as tx:
                        close_run(tx, end, late=True)
                except StorageError as exc:
                    self.outage.failed(exc, f"recording the end of {end.job} run {end.run_id}")
                    return exc
                self.outage.reached()
                with self._unrecorded_lock:
                    del self._unrecorded[end.run_id]
                    self.metrics.runs_unrecorded.set(len(self._unrecorded))
                self.metrics.runs_recorded_late.labels(end.job).inc()
                log.info(
                    "%s run %d recorded now that the database is back: %s",
                    end.job,
                    end.run_id,
                    end.status + (f" ({end.error})" if end.error else ""),
                    extra={"job": end.job, "run": end.run_id, "status": end.status},
                )
        finally:
            self._recording.release()
        return None

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
        except StorageError as exc:
            self.outage.failed(exc, "heartbeat")
            return
        except Exception:
            log.exception("heartbeat failed")
            return
        self.outage.reached()
        self._record_late()
        release_free_memory()

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
        limit_malloc_arenas()  # before the job threads start: see bot.memory
        try:
            return self._run(duration=duration)
        finally:
            self._returned.set()

    def _run(self, *, duration: float | None) -> int:
        app = self.app
        server = None
        if app.settings.metrics_port:
            # First: a port in use is a configuration error (exit 2), said before anything
            # is written.
            server = serve_metrics(
                self.metrics, port=app.settings.metrics_port, health=self.health, report=self.report
            )
            log.info(
                "metrics on http://127.0.0.1:%d/metrics, the report on /report/",
                app.settings.metrics_port,
            )
        try:
            return self._run_served(duration=duration)
        finally:
            if server is not None:
                server.shutdown()
                server.server_close()

    def _run_served(self, *, duration: float | None) -> int:
        app = self.app
        db = app.db()
        track_configured(
            db, accounts=app.settings.accounts, polls=app.settings.polls, now=app.wall()
        )
        app.usage_hooks.append(self.metrics.observe_request)
        app.rate_limit_hooks.append(self.metrics.observe_rate_limited)
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
        first = [n for n in FIRST_BEFORE_SUMMARIES if n in self.jobs]
        self._before_summaries = {run_name(n, p) for n in first for p in self.platforms}
        for name, sched in schedules(app.settings, speed=self.speed).items():
            if name not in self.jobs:
                continue
            every = sched.every.total_seconds()
            held = name == "summarize" and bool(first)
            for platform in self.platforms:
                self.scheduler.add_job(
                    self._fire,
                    IntervalTrigger(seconds=every),
                    args=[name, platform],
                    id=run_name(name, platform),
                    name=run_name(name, platform),
                    # Held (paused) until collect and polls have run once: _ran_at_start.
                    next_run_time=None if held else now,
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
        self._sign_off()
        log.info("daemon stopped")
        return 0

    def _sign_off(self) -> None:
        """Record the runs the database missed and mark the heartbeat stopped. With the
        database still away, that cannot be done: NotRecorded (exit 1, one line), never a
        traceback. A run left unrecorded is closed as abandoned by the next taker of its
        job, its lease lapses on its own."""
        beat_error: StorageError | None = None
        try:
            with self.app.db().write() as session:
                stop_beat(session, name="daemon", pid=self.holder.pid, now=self.app.wall())
        except StorageError as exc:
            beat_error = exc
        record_error = self._record_late()
        with self._unrecorded_lock:
            left = sorted(self._unrecorded.values(), key=lambda e: e.run_id)
        cause = beat_error or record_error
        if cause is None:
            return
        runs = "; ".join(f"{e.job} run {e.run_id} ended {e.status}" for e in left)
        said = [f"{len(left)} run(s) not recorded ({runs})"] if left else []
        said += ["the heartbeat not marked stopped"] if beat_error else []
        raise NotRecorded(
            f"stopped with the database unavailable: {', '.join(said)}: {cause}", cause=cause
        ) from None

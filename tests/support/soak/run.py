"""The fault soak itself: the daemon against the sped-up mock while a share of its answers
fail, restarted gracefully when asked, its RSS sampled; then the clean runs and the checks.
bench/soak.py (the figures) and tests/test_soak.py (shortened) run it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import requests

from bot.mock_api import MockServer, parse_scenario
from storage.engine import Database
from storage.migrate import upgrade
from tests.support.daemon import (
    daemon_env,
    final_clean_runs,
    start_daemon_logging,
    stop_daemon,
    wait_started,
)
from tests.support.mock import FAULTS, freeze_clock, mock_stats, post_mention
from tests.support.pg import pg_schema
from tests.support.programs import command, with_checkout
from tests.support.scenarios import soak_scenario
from tests.support.soak.checks import (
    Check,
    check_kept_up,
    check_leases,
    check_log,
    check_mentions,
    check_runs_closed,
    check_store,
    check_summaries,
    run_counts,
    run_errors,
)

MB = 1024 * 1024
FIVE_MINUTES = 300.0
KINDS: list[str] = list(FAULTS["kinds"])


@dataclass
class SoakConfig:
    seconds: float = 120.0
    speed: float = 120.0  # scenario seconds per real second
    db_url: str | None = None  # a SQLite file in the work folder when None
    cron: str = "*/30 * * * *"
    every: str = "1s"
    fault_probability: float = 0.2
    replies_per_hour: int = 1500
    rate_window_s: int | None = 1  # see soak_scenario; None: the 15-minute defaults
    mention_every: float = 5.0  # seconds between operators' mentions (0: none)
    restart_every: float = 0.0  # graceful restarts (SIGTERM, start again); 0: one daemon
    sample_every: float = 2.0
    max_rss_growth_mb: float | None = None
    # How much of what was visible the daemon must have stored by itself: a throughput
    # figure, judged by the bench; None (the test) reports it without judging, since a shared
    # machine's load decides it, and the final store checks decide correctness.
    min_kept_up: float | None = 0.9
    workdir: Path | None = None  # kept when given; a temporary folder otherwise
    # tracemalloc snapshots of the daemon written here at these seconds of its life (slow:
    # for finding what memory grows by, not for the RSS figures).
    trace_memory: Path | None = None
    trace_at: tuple[float, ...] = ()
    daemon_env: dict[str, str] = field(default_factory=dict)  # added to the daemon's


@dataclass
class SoakReport:
    checks: list[Check] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)
    runs: dict[str, Counter[str]] = field(default_factory=dict)
    rate_limited: int = 0

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def _rss(pid: int) -> int | None:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return None


def run_soak(cfg: SoakConfig, *, say: Callable[[str], None] = print) -> SoakReport:
    report = SoakReport()
    hours = cfg.seconds * cfg.speed / 3600 + 1
    scenario = parse_scenario(
        soak_scenario(
            hours=hours, replies_per_hour=cfg.replies_per_hour, rate_window_s=cfg.rate_window_s
        ),
        source="soak",
    )
    own_dir = cfg.workdir is None
    work = cfg.workdir or Path(tempfile.mkdtemp(prefix="pollbot-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    cleanup = ExitStack()
    db_url = cfg.db_url or f"sqlite:///{work / 'soak.db'}"
    if db_url.startswith("postgresql") and "search_path" not in db_url:
        db_url = cleanup.enter_context(pg_schema(db_url, prefix="soak_"))
    mock = MockServer(scenario, speed=cfg.speed).start()
    db = Database(db_url)
    try:
        upgrade(db)
        env = {**daemon_env(db_url, mock.url, cron=cfg.cron, every=cfg.every), **cfg.daemon_env}
        faults = {**FAULTS, "probability": cfg.fault_probability}
        if cfg.fault_probability > 0:
            requests.post(f"{mock.url}/_mock/faults", json=faults, timeout=10).raise_for_status()
        say(
            f"soak: {cfg.seconds / 60:.1f} min at {cfg.speed:g}x ({cfg.seconds * cfg.speed / 3600:.1f}"
            f" scenario hours, {scenario.generate[0].count:,} replies), "
            f"{db.dialect}, faults on {cfg.fault_probability:.0%} of answers "
            f"({', '.join(KINDS)}), cron '{cfg.cron}', every {cfg.every}, "
            f"rate-limit windows {cfg.rate_window_s or 900} scenario s"
        )
        asked, exits, stopped_at = _drive(cfg, report, env, work, mock)
        # The end: faults off, the clock stopped, one clean run of every job.
        requests.post(f"{mock.url}/_mock/faults", json={"clear": True}, timeout=10)
        now = freeze_clock(mock)
        kept_up = check_kept_up(db, mock, until=stopped_at, least=cfg.min_kept_up or 0.0)
        problems = final_clean_runs(env, work)
        report.runs = run_counts(db)
        stats = mock_stats(mock.url, timeout=30)
        report.rate_limited = int(stats["rate_limited"])
        report.checks += [
            Check(
                "daemon exits 0 on SIGTERM",
                all(code == 0 for code, _ in exits),
                ", ".join(f"exit {c} in {s:.1f}s" for c, s in exits),
            ),
            kept_up,
            Check("final clean runs exit 0", not problems, "; ".join(problems) or "4 of 4"),
            *check_store(db, mock),
            *check_summaries(db, mock.url, cron=cfg.cron, now=now),
            check_mentions(db, mock.url, asked, exactly_once=True),
            check_leases(db),
            check_runs_closed(db, abandoned_ok=False),
            check_log(*sorted(work.glob("daemon-*.log"))),
        ]
        _rss_lines(cfg, report)
        report.lines += _figures(report, stats, run_errors(db), work)
        for line in report.lines:
            say(line)
        for check in report.checks:
            say(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        kept = "" if own_dir and not report.failed else f" (logs and store kept in {work})"
        say(f"result: {'PASS' if not report.failed else 'FAIL'}{kept}")
        return report
    finally:
        db.dispose()
        mock.stop()
        cleanup.close()
        if own_dir and not report.failed:
            shutil.rmtree(work, ignore_errors=True)


def _drive(
    cfg: SoakConfig,
    report: SoakReport,
    env: dict[str, str],
    work: Path,
    mock: MockServer,
) -> tuple[list[str], list[tuple[int, float]], datetime]:
    """The soak itself: the daemon (restarted gracefully when asked), RSS samples, mentions."""
    began = time.monotonic()
    deadline = began + cfg.seconds
    asked: list[str] = []
    exits: list[tuple[int, float]] = []
    life = 0
    stopped_at = mock.now()
    while True:
        log = work / f"daemon-{life}.log"
        argv = None
        if cfg.trace_memory is not None:
            marks = ",".join(f"{t:g}" for t in cfg.trace_at or (cfg.seconds / 6, cfg.seconds - 5))
            argv = command("traced_daemon", str(cfg.trace_memory.resolve()), marks)
        proc = start_daemon_logging(with_checkout(env) if argv else env, work, log, argv=argv)
        wait_started(proc, log)  # a SIGTERM before its handler is set would kill it
        # A restart only when a whole life fits after it: the last life is never cut short.
        restart = cfg.restart_every and deadline - time.monotonic() >= 2 * cfg.restart_every
        life_end = time.monotonic() + cfg.restart_every if restart else deadline
        next_sample = next_mention = time.monotonic()
        while time.monotonic() < life_end and proc.poll() is None:
            now = time.monotonic()
            if now >= next_sample:
                rss = _rss(proc.pid)
                if rss is not None:
                    report.rss.append((now - began, rss))
                next_sample = now + cfg.sample_every
            if cfg.mention_every and now >= next_mention:
                asked.append(post_mention(mock.url, f"@pollbot untrack @ghost{len(asked)}"))
                next_mention = now + cfg.mention_every
            time.sleep(0.1)
        if proc.poll() is not None:
            exits.append((proc.returncode, 0.0))  # died on its own: a failure
            break
        # What it should have stored by now: the replies up to 10 real seconds ago.
        stopped_at = mock.now() - timedelta(seconds=10 * cfg.speed)
        exits.append(stop_daemon(proc))
        life += 1
        if not restart:
            break
    return asked, exits, stopped_at


def _rss_lines(cfg: SoakConfig, report: SoakReport) -> None:
    samples = report.rss
    if not samples:
        report.checks.append(Check("rss sampled", False, "no sample"))
        return
    # Imports and first pages settle in the first stretch: growth is measured after it.
    warm = min(20.0, cfg.seconds / 5)
    settled = [rss for t, rss in samples if t >= warm] or [samples[-1][1]]
    start, end, peak = settled[0], settled[-1], max(rss for _, rss in samples)
    growth = (end - start) / MB
    # Caches and allocator arenas fill early on; a leak keeps climbing in the second half.
    late = [rss for t, rss in samples if t >= cfg.seconds / 2] or [end]
    late_growth = (late[-1] - late[0]) / MB
    report.lines.append(
        f"rss: start {start / MB:.1f} MB (after {warm:.0f}s), end {end / MB:.1f} MB, "
        f"max {peak / MB:.1f} MB, growth {growth:+.1f} MB ({(end - start) / start:+.1%}), "
        f"second half {late_growth:+.1f} MB, {len(samples)} samples"
    )
    if cfg.seconds >= 300:  # long enough for a trend: a leak climbs, a warm-up levels off
        marks = [samples[min(len(samples) - 1, len(samples) * k // 6)] for k in range(7)]
        report.lines.append(
            "rss over time: " + ", ".join(f"{t / 60:.0f} min {rss / MB:.0f} MB" for t, rss in marks)
        )
    if cfg.seconds > FIVE_MINUTES:  # the figure: the end within 10% of 5 minutes in
        at_five = next(rss for t, rss in samples if t >= FIVE_MINUTES)
        change = (end - at_five) / at_five
        report.lines.append(
            f"rss at 5 min {at_five / MB:.1f} MB, at the end {end / MB:.1f} MB: {change:+.1%} "
            f"({'within' if abs(change) <= 0.10 else 'OUTSIDE'} 10%)"
        )
    if cfg.max_rss_growth_mb is not None:
        report.checks.append(
            Check(
                "rss growth over the second half",
                late_growth <= cfg.max_rss_growth_mb,
                f"{late_growth:+.1f} MB (limit {cfg.max_rss_growth_mb:g} MB)",
            )
        )


def _figures(
    report: SoakReport, stats: dict[str, Any], errors: Counter[str], work: Path
) -> list[str]:
    runs = "; ".join(
        f"{job} {c['ok']} ok / {c['failed']} failed"
        + (f" / {c['skipped']} skipped" if c["skipped"] else "")
        for job, c in sorted(report.runs.items())
    )
    requests_total = sum(stats["requests"].values())
    lines = [
        f"runs: {runs}",
        f"mock: {requests_total:,} requests to X endpoints, {report.rate_limited:,} answered 429 "
        f"({report.rate_limited / max(1, requests_total):.1%}), "
        f"{stats['posts_read']:,} posts read",
    ]
    seen: Counter[str] = Counter()
    for log in work.glob("daemon-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if "rate-limited (429): waiting" in line:
                seen["waits after a 429"] += 1
            elif "; retry " in line:
                seen["retries after a 5xx, timeout or malformed body"] += 1
            elif "window spent: waiting" in line:
                seen["waits for a spent window"] += 1
    if seen:
        lines.append("daemon log: " + ", ".join(f"{n} {what}" for what, n in seen.items()))
    if errors:
        lines.append(
            "failed runs by cause: " + "; ".join(f"{n}x {e}" for e, n in errors.most_common(5))
        )
    return lines

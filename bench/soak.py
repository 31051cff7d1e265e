"""Fault soak: the daemon runs for M minutes against the mock while ~20% of the mock's answers
fail (429, 503, a 0.5 s delay, truncated JSON); then everything it promised is checked.

The mock runs in this process with its clock sped up (a generated scenario that lasts the
soak, inside the 7-day search window); ``python -m bot run`` runs as a child with 1 s
intervals and a short summary cron; operators' mentions arrive every few seconds. Its RSS
is sampled all along. At the end: SIGTERM (it must exit 0), faults cleared, the clock frozen,
one clean ``pollbot jobs run`` of each job (collect first), and the checks:

- the store equals the scenario's visible replies, per subject: none missing, none twice;
- every summary due was posted exactly once, as itself, in windows that follow each other;
- every mention answered exactly once; no lease held and no run left running after exit;
- no job crashed on an unexpected exception;
- RSS start/end/max, growth, and growth over the second half (a leak keeps climbing there;
  a check only with --max-rss-growth-mb).

Runs ok/failed per job and the 429s seen are printed. Exit 1 if a check fails.

    python bench/soak.py                       # 2 minutes, SQLite
    python bench/soak.py --minutes 30          # what the issue asks
    python bench/soak.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import requests
from sqlalchemy import create_engine, text

try:  # run as a script (bench/ is on sys.path) or imported as bench.soak by the tests
    import _soak_common as common
except ModuleNotFoundError:
    from bench import _soak_common as common  # type: ignore[no-redef,unused-ignore]

from bot.mock_api import MockServer, parse_scenario
from storage.engine import Database
from storage.migrate import upgrade

MB = 1024 * 1024
KINDS: list[str] = list(common.FAULTS["kinds"])


@dataclass
class SoakConfig:
    seconds: float = 120.0
    speed: float = 120.0  # scenario seconds per real second
    db_url: str | None = None  # a SQLite file in the work folder when None
    cron: str = "*/30 * * * *"
    every: str = "1s"
    fault_probability: float = 0.2
    replies_per_hour: int = 1500
    rate_window_s: int | None = 1  # see common.soak_scenario; None: the 15-minute defaults
    mention_every: float = 5.0  # seconds between operators' mentions (0: none)
    restart_every: float = 0.0  # graceful restarts (SIGTERM, start again); 0: one daemon
    sample_every: float = 2.0
    max_rss_growth_mb: float | None = None
    # How much of what was visible the daemon must have stored by itself: a throughput
    # figure, judged by the bench; None (the test) reports it without judging, since a shared
    # machine's load decides it, and the final store checks decide correctness.
    min_kept_up: float | None = 0.9
    workdir: Path | None = None  # kept when given; a temporary folder otherwise


@dataclass
class SoakReport:
    checks: list[common.Check] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)
    runs: dict[str, Counter[str]] = field(default_factory=dict)
    rate_limited: int = 0

    @property
    def failed(self) -> list[common.Check]:
        return [c for c in self.checks if not c.ok]


def _pg_schema(base: str) -> tuple[str, Callable[[], None]]:
    """A schema of its own in ``base``, dropped afterwards."""
    schema = f"soak_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def _rss(pid: int) -> int | None:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return None


def run_soak(cfg: SoakConfig, *, say: Callable[[str], None] = print) -> SoakReport:
    report = SoakReport()
    hours = cfg.seconds * cfg.speed / 3600 + 1
    scenario = parse_scenario(
        common.soak_scenario(
            hours=hours, replies_per_hour=cfg.replies_per_hour, rate_window_s=cfg.rate_window_s
        ),
        source="soak",
    )
    own_dir = cfg.workdir is None
    work = cfg.workdir or Path(tempfile.mkdtemp(prefix="pollbot-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    drop: Callable[[], None] = lambda: None  # noqa: E731
    db_url = cfg.db_url or f"sqlite:///{work / 'soak.db'}"
    if db_url.startswith("postgresql") and "search_path" not in db_url:
        db_url, drop = _pg_schema(db_url)
    mock = MockServer(scenario, speed=cfg.speed).start()
    db = Database(db_url)
    try:
        upgrade(db)
        env = common.daemon_env(db_url, mock.url, cron=cfg.cron, every=cfg.every)
        faults = {**common.FAULTS, "probability": cfg.fault_probability}
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
        now = common.freeze_clock(mock)
        kept_up = common.check_kept_up(db, mock, until=stopped_at, least=cfg.min_kept_up or 0.0)
        problems = common.final_clean_runs(env, work)
        report.runs = common.run_counts(db)
        stats = common.mock_stats(mock.url)
        report.rate_limited = int(stats["rate_limited"])
        report.checks += [
            common.Check(
                "daemon exits 0 on SIGTERM",
                all(code == 0 for code, _ in exits),
                ", ".join(f"exit {c} in {s:.1f}s" for c, s in exits),
            ),
            kept_up,
            common.Check("final clean runs exit 0", not problems, "; ".join(problems) or "4 of 4"),
            *common.check_store(db, mock),
            *common.check_summaries(db, mock.url, cron=cfg.cron, now=now),
            common.check_mentions(db, mock.url, asked, exactly_once=True),
            common.check_leases(db),
            common.check_runs_closed(db, abandoned_ok=False),
            common.check_log(*sorted(work.glob("daemon-*.log"))),
        ]
        _rss_lines(cfg, report)
        report.lines += _figures(report, stats, common.run_errors(db), work)
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
        drop()
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
        proc = common.start_daemon(env, work, log)
        common.wait_started(proc, log)  # a SIGTERM before its handler is set would kill it
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
                asked.append(common.post_mention(mock.url, f"@pollbot untrack @ghost{len(asked)}"))
                next_mention = now + cfg.mention_every
            time.sleep(0.1)
        if proc.poll() is not None:
            exits.append((proc.returncode, 0.0))  # died on its own: a failure
            break
        # What it should have stored by now: the replies up to 10 real seconds ago.
        stopped_at = mock.now() - timedelta(seconds=10 * cfg.speed)
        exits.append(common.stop_daemon(proc))
        life += 1
        if not restart:
            break
    return asked, exits, stopped_at


def _rss_lines(cfg: SoakConfig, report: SoakReport) -> None:
    samples = report.rss
    if not samples:
        report.checks.append(common.Check("rss sampled", False, "no sample"))
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
    if cfg.max_rss_growth_mb is not None:
        report.checks.append(
            common.Check(
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--speed", type=float, default=120.0)
    parser.add_argument("--db", help="a database URL (PostgreSQL gets a schema of its own)")
    parser.add_argument("--cron", default="*/30 * * * *")
    parser.add_argument("--faults", type=float, default=0.2, help="share of answers that fail")
    parser.add_argument("--replies-per-hour", type=int, default=1500)
    parser.add_argument(
        "--rate-window",
        type=int,
        default=1,
        help="rate-limit windows in scenario seconds (0: the documented 15 minutes)",
    )
    parser.add_argument("--restart-every", type=float, default=0.0, help="seconds; 0: never")
    parser.add_argument(
        "--max-rss-growth-mb",
        type=float,
        default=None,
        help="fail when RSS grows more than this over the second half",
    )
    parser.add_argument("--workdir", type=Path, help="keep the logs and SQLite file here")
    args = parser.parse_args(argv)
    hours = args.minutes * 60 * args.speed / 3600
    if hours + 1 > common.SEARCH_WINDOW.total_seconds() / 3600:
        parser.error(f"--minutes x --speed is {hours:.0f} scenario hours: over the 7-day window")
    report = run_soak(
        SoakConfig(
            seconds=args.minutes * 60,
            speed=args.speed,
            db_url=args.db,
            cron=args.cron,
            fault_probability=args.faults,
            replies_per_hour=args.replies_per_hour,
            restart_every=args.restart_every,
            rate_window_s=args.rate_window or None,
            max_rss_growth_mb=args.max_rss_growth_mb,
            workdir=args.workdir,
        )
    )
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

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

Runs ok/failed per job and the 429s seen are printed. Exit 1 if a check fails. The soak and
its checks live in ``tests.support.soak`` (tests/test_soak.py runs a short one); this is
its command line.

    python -m bench.soak                       # 2 minutes, SQLite
    python -m bench.soak --minutes 30          # what the issue asks
    python -m bench.soak --db postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.support.scenarios import SEARCH_WINDOW
from tests.support.soak.memory import memory_growth
from tests.support.soak.run import SoakConfig, run_soak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n\n")[0]
    )
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
    parser.add_argument(
        "--daemon-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable added to the daemon's environment (repeatable)",
    )
    parser.add_argument(
        "--trace-memory",
        type=Path,
        metavar="DIR",
        help="run the daemon under tracemalloc, snapshots in DIR, then print what grew (slow)",
    )
    parser.add_argument(
        "--trace-at",
        default="",
        help="seconds of the daemon's life to snapshot, comma-separated (default: at 1/6 "
        "of the soak and at its end)",
    )
    args = parser.parse_args(argv)
    hours = args.minutes * 60 * args.speed / 3600
    if hours + 1 > SEARCH_WINDOW.total_seconds() / 3600:
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
            trace_memory=args.trace_memory,
            trace_at=tuple(float(t) for t in args.trace_at.split(",") if t),
            daemon_env=dict(pair.split("=", 1) for pair in args.daemon_env),
        )
    )
    if args.trace_memory is not None:
        for line in memory_growth(args.trace_memory):
            print(line)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Report: a subject's page over a million stored replies, and the index, against count(*).

Usage: ``python -m bench.report [--rows N] [--rounds N] [--subjects N]``

Set-up, not measured: the database of ``bench.summary`` (one poll with ``--rows`` replies,
default 1,000,000, in a temporary SQLite file, deleted afterwards), one stored summary of its
day, and ``--subjects`` more tracked polls with no replies (default 300), for the index.

Measured, best of ``--rounds``: the poll's page (``report_page``: SQL aggregates per hour of
sentiment, who is speaking over all its replies, its snapshots and summaries, then the HTML),
the index page (every subject's replies and accounts), and ``count(*)`` of the poll's rows.

    python -m bench.report                  # 1,000,000 rows: 1-2 minutes, most of it set-up
    python -m bench.report --rows 100000    # quick

Prints figures only (exit 0).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench._common import HelpFormatter, best_of, load, machine, table
from bench.summary import WINDOW_END, WINDOW_START, count, fill
from jobs.report import report_page
from storage.engine import Database
from storage.migrate import upgrade
from storage.subjects import add_subject
from storage.summaries import create_summary
from tests.support.scenarios import POLL_POST_ID

PAGE = f"x-poll-{POLL_POST_ID}"


def more_subjects(db: Database, n: int) -> None:
    with db.write() as session:
        for i in range(n):
            add_subject(
                session, kind="poll", key=str(1_600_000_000_000_000_000 + i), now=WINDOW_START
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.report", description=__doc__, formatter_class=HelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="stored replies")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each timing (best kept)")
    parser.add_argument("--subjects", type=int, default=300, help="more subjects in the index")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.rounds < 1 or args.subjects < 0:
        parser.error("--rows and --rounds must be at least 1, --subjects at least 0")
    print(machine())
    print(load())
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="pollbot-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'report.db'}")
        try:
            upgrade(db)
            started = time.perf_counter()
            subject_id = fill(db, rows=args.rows, page=5_000)
            with db.write() as session:
                create_summary(
                    session, subject_id=subject_id, window_start=WINDOW_START,
                    window_end=WINDOW_END, final=False, state="posted",
                    parts=["(the day's summary)"], now=WINDOW_END,
                )  # fmt: skip
            more_subjects(db, args.subjects)
            print(f"set-up: {args.rows:,} replies in {time.perf_counter() - started:.0f} s")

            def page() -> int:
                return len(report_page(db, PAGE, now=now, cap=10_000, budget_usd=50.0) or "")

            def index() -> int:
                return len(report_page(db, "index", now=now, cap=10_000, budget_usd=50.0) or "")

            sql = "SELECT count(*) FROM subject_posts WHERE subject_id = :s"
            page_s, page_first, size = best_of(args.rounds, page)
            index_s, index_first, index_size = best_of(args.rounds, index)
            count_s, _, rows = best_of(args.rounds, lambda: count(db, sql, s=subject_id))
        finally:
            db.dispose()
    print(f"poll page {size:,} bytes; index {index_size:,} bytes ({args.subjects + 1} subjects)")
    print(
        table(
            ["figure", "value", "baseline (same run)", "ratio", "target"],
            [
                [
                    f"the poll's page, {rows:,} replies",
                    f"{page_s:.3f} s (first {page_first:.3f} s)",
                    f"count(*) of its rows {count_s:.3f} s",
                    f"{page_s / count_s:.1f}x",
                    "seconds",
                ],
                [
                    f"the index, {args.subjects + 1} subjects",
                    f"{index_s:.3f} s (first {index_first:.3f} s)",
                    f"count(*) of the poll's rows {count_s:.3f} s",
                    f"{index_s / count_s:.1f}x",
                    "fast",
                ],
            ],
        )
    )
    print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())

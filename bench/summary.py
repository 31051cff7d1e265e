"""Summary: composing a day's summary over a million stored replies, against count(*).

Usage: ``python -m bench.summary [--rows N] [--rounds N] [--page N]``

Set-up, not measured: a SQLite database in a temporary directory (deleted afterwards), one
tracked poll with two vote snapshots, and ``--rows`` stored replies to it (default
1,000,000) written through SQLAlchemy Core ``executemany`` in pages of ``--page``: the
``posts`` rows and their ``subject_posts`` links, as ``storage.posts.insert_posts`` stores
them, authors among 50,000 accounts, each with its copy key. About 25% are not English
(stored unscored), the rest carry varied compounds and the
labels ``label_for`` gives them; ``created_at`` spreads over the 24 h of the window.

Measured, best of ``--rounds`` each, every round in a read session of its own:
- compose: what the summarize job does for one window, ``summary_input`` (SQL aggregates
  over the covering index ``ix_subject_posts_window``: sentiment, and who is speaking:
  accounts, the 10 most active, mean per account, copies) + ``compose_summary``. Target:
  under 1 s, and within a few times the count below.
- who is speaking: those counts alone (``storage.summaries.speakers``), part of compose.
- chart: ``chart_series`` on its own (24 bucket aggregates).
- baselines: ``SELECT count(*)`` over the same rows: the subject's rows in ``subject_posts``,
  and the whole ``posts`` table.

    python -m bench.summary                  # 1,000,000 rows: 1-2 minutes, most of it set-up
    python -m bench.summary --rows 100000    # quick

Prints figures only (exit 0).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

from bench._common import HelpFormatter, best_of, load, machine, table
from jobs.sentiment import label_for
from jobs.summary import compose_summary
from jobs.summary.data import chart_series, summary_input
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import PostRow, SubjectPost
from storage.polls import add_snapshot
from storage.subjects import Subject, add_subject, describe_poll, subject_by_id
from storage.summaries import speakers
from storage.textkey import copy_key
from tests.support.scenarios import ACCOUNT_ID, POLL_ID, POLL_POST_ID, START

TARGET_COMPOSE_S = 1.0
UTC = ZoneInfo("UTC")
WINDOW_START = START + timedelta(minutes=30)  # the poll's creation
WINDOW_END = WINDOW_START + timedelta(hours=24)
FIRST_ID = 1_593_768_000_000_000_000
# Core tables, not the ORM classes: a plain executemany, no ORM bulk machinery, for set-up.
POSTS = PostRow.metadata.tables[PostRow.__tablename__]
LINKS = SubjectPost.metadata.tables[SubjectPost.__tablename__]

ENGLISH = (
    "Yes! Free speech is back",
    "This is a terrible idea and you know it",
    "Finally some good news today",
    "I don't think this ends well",
    "lol whatever",
    "Not great, not terrible",
    "Absolutely love this decision",
    "What a disaster. Shameful.",
    "Who even asked for this poll?",
    "Best thing I've read all week 😂",
    "NO NO NO",
    "ok",
)
OTHER = (
    ("es", "¡Por fin una buena noticia!"),
    ("fr", "Quelle catastrophe, vraiment"),
    ("de", "Das ist eine schlechte Idee"),
    ("pt", "Isso vai dar errado"),
    ("ja", "これは良いニュースです"),
    ("und", "👍👍👍"),
)


def make_page(
    rng: random.Random, subject_id: int, first: int, count: int, total: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows ``first`` .. ``first + count`` of ``total``: posts and their links, as stored."""
    span = (WINDOW_END - WINDOW_START).total_seconds()
    fetched = WINDOW_END + timedelta(minutes=5)
    posts: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for i in range(first, first + count):
        created = WINDOW_START + timedelta(seconds=span * (i + rng.random()) / total)
        compound: float | None
        if rng.random() < 0.25:
            lang, body = rng.choice(OTHER)
            compound = pos = neu = neg = None
            label = None
        else:
            lang, body = "en", rng.choice(ENGLISH)
            compound = 0.0 if rng.random() < 0.2 else round(rng.uniform(-1.0, 1.0), 4)
            pos = round(max(compound, 0.0) * 0.6, 3)
            neg = round(max(-compound, 0.0) * 0.6, 3)
            neu = round(1.0 - pos - neg, 3)
            label = label_for(compound)
        post_id = FIRST_ID + i * 4096
        author = 1_400_000_000_000_000_000 + rng.randrange(50_000)
        text = f"@elonmusk {body} #{i % 997}"
        key = copy_key(text)
        posts.append(
            {
                "id": post_id,
                "author_id": author,
                "text": text,
                "copy_key": key,
                "created_at": created,
                "fetched_at": fetched,
                "conversation_id": int(POLL_POST_ID),
                "in_reply_to_user_id": int(ACCOUNT_ID),
                "replied_to_id": int(POLL_POST_ID),
                "lang": lang,
                "poll_id": None,
                "metrics": None,
                "compound": compound,
                "pos": pos,
                "neu": neu,
                "neg": neg,
                "label": label,
            }
        )
        links.append(
            {
                "subject_id": subject_id,
                "post_id": post_id,
                "created_at": created,
                "label": label,
                "compound": compound,
                "author_id": author,
                "copy_key": key,
            }
        )
    return posts, links


def fill(db: Database, *, rows: int, page: int, seed: int = 7) -> int:
    """The poll, its snapshots and ``rows`` replies; returns the subject's id."""
    with db.write() as session:
        subject, _ = add_subject(
            session,
            kind="poll",
            key=POLL_POST_ID,
            now=WINDOW_START,
            display="Reinstate former President Trump",
        )
        subject_id = subject.stored_id
        describe_poll(
            session,
            subject_id,
            text="Reinstate former President Trump",
            created_at=WINDOW_START,
            poll_id=int(POLL_ID),
            ends_at=WINDOW_END,
        )
        for hours, votes in ((6, [4_100_000, 3_900_000]), (24, [7_814_551, 7_270_907])):
            add_snapshot(
                session,
                subject_id=subject_id,
                taken_at=WINDOW_START + timedelta(hours=hours),
                voting_status="open",
                labels=["Yes", "No"],
                votes=votes,
            )
    rng = random.Random(seed)
    started = time.perf_counter()
    step = max(rows // 10, 1)
    for first in range(0, rows, page):
        posts, links = make_page(rng, subject_id, first, min(page, rows - first), rows)
        with db.write() as session:
            session.execute(insert(POSTS), posts)
            session.execute(insert(LINKS), links)
        done = first + len(posts)
        if done // step != first // step or done == rows:
            elapsed = time.perf_counter() - started
            print(f"  set-up: {done:,} of {rows:,} rows ({elapsed:.0f} s)", file=sys.stderr)
    return subject_id


def query_plans(db: Database, subject_id: int) -> list[str]:
    """SQLite's plan for each distinct statement composing a summary reads subject_posts with."""
    seen: dict[str, Any] = {}

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "subject_posts" in statement:
            seen.setdefault(statement, params)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        compose(db, subject_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    plans: list[str] = []
    with db.engine.connect() as conn:
        for statement, params in seen.items():
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
            plans.extend(str(r[-1]) for r in rows)
    return list(dict.fromkeys(plans))


def _subject(session: Session, subject_id: int) -> Subject:
    subject = subject_by_id(session, subject_id)
    assert subject is not None  # made by fill()
    return subject


def compose(db: Database, subject_id: int) -> list[str]:
    """What SummarizeJob._make reads and composes for one window (without the chart)."""
    with db.read() as session:
        subject = _subject(session, subject_id)
        data = summary_input(
            session, subject, start=WINDOW_START, end=WINDOW_END, final=False, tz=UTC
        )
    return list(compose_summary(data).parts)


def chart(db: Database, subject_id: int) -> int:
    with db.read() as session:
        subject = _subject(session, subject_id)
        series = chart_series(session, subject, start=WINDOW_START, end=WINDOW_END, tz=UTC)
    return len(series.times)


def who(db: Database, subject_id: int) -> int:
    """The who-is-speaking counts alone (part of compose): accounts, top 10, copies."""
    with db.read() as session:
        return speakers(session, subject_id, WINDOW_START, WINDOW_END).authors


def count(db: Database, sql: str, **params: int) -> int:
    with db.read() as session:
        return int(session.execute(text(sql), params).scalar_one())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.summary", description=__doc__, formatter_class=HelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="stored replies")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each timing (best kept)")
    parser.add_argument("--page", type=int, default=5_000, help="rows a set-up transaction")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.rounds < 1 or args.page < 1:
        parser.error("--rows, --rounds and --page must be at least 1")

    print(machine())
    print(load())
    with tempfile.TemporaryDirectory(prefix="pollbot-bench-") as tmp:
        path = Path(tmp) / "summary.db"
        db = Database(f"sqlite:///{path}")
        try:
            upgrade(db)
            started = time.perf_counter()
            subject_id = fill(db, rows=args.rows, page=args.page)
            size = sum(p.stat().st_size for p in Path(tmp).iterdir())
            print(
                f"set-up: {args.rows:,} replies stored in {time.perf_counter() - started:.0f} s"
                f" (database {size / 2**20:,.0f} MB, deleted afterwards)"
            )
            measure(db, subject_id, rows=args.rows, rounds=args.rounds)
        finally:
            db.dispose()
    return 0


def measure(db: Database, subject_id: int, *, rows: int, rounds: int) -> None:
    for plan in query_plans(db, subject_id):
        print(f"plan: {plan}")
    compose_s, compose_first, parts = best_of(rounds, lambda: compose(db, subject_id))
    chart_s, chart_first, buckets = best_of(rounds, lambda: chart(db, subject_id))
    who_s, who_first, authors = best_of(rounds, lambda: who(db, subject_id))
    link_sql = "SELECT count(*) FROM subject_posts WHERE subject_id = :s"
    links_s, links_first, links = best_of(rounds, lambda: count(db, link_sql, s=subject_id))
    posts_s, posts_first, posts = best_of(rounds, lambda: count(db, "SELECT count(*) FROM posts"))
    print(f"summary ({len(parts)} part{'s' if len(parts) != 1 else ''}): {parts[0]!r}")
    print(f"chart: {buckets} buckets with scored replies")
    print(f"best of {rounds} rounds each (first round in brackets):")
    timings = (
        ("compose (summary_input + compose_summary)", compose_s, compose_first),
        ("chart_series (24 buckets)", chart_s, chart_first),
        (f"who is speaking alone ({authors:,} accounts)", who_s, who_first),
        (f"count(*) subject_posts of the subject ({links:,})", links_s, links_first),
        (f"count(*) posts ({posts:,})", posts_s, posts_first),
    )
    for name, best, first in timings:
        print(f"  {name:<48} {best:8.3f} s  ({first:.3f} s)")

    n = f"{rows:,} replies"
    print()
    rows_out = [
        [
            f"compose a summary, {n}",
            f"{compose_s:.3f} s",
            f"count(*) subject_posts {links_s:.3f} s",
            f"{compose_s / links_s:.1f}x",
            f"< {TARGET_COMPOSE_S:g} s; a few x count",
        ],
        [
            f"compose a summary, {n}",
            f"{compose_s:.3f} s",
            f"count(*) posts {posts_s:.3f} s",
            f"{compose_s / posts_s:.1f}x",
            "a few x count",
        ],
        [
            f"who is speaking (in compose), {n}",
            f"{who_s:.3f} s",
            f"count(*) subject_posts {links_s:.3f} s",
            f"{who_s / links_s:.1f}x",
            "-",
        ],
        [
            f"chart_series, {n}",
            f"{chart_s:.3f} s",
            f"count(*) subject_posts {links_s:.3f} s",
            f"{chart_s / links_s:.1f}x",
            "-",
        ],
    ]
    print(table(["figure", "value", "baseline (same run)", "ratio", "target"], rows_out))
    print(load())


if __name__ == "__main__":
    sys.exit(main())

"""Storage on each database: idempotent inserts, concurrency, migrations."""

from __future__ import annotations

import subprocess
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text

from storage.engine import Database
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base, PostRow, SubjectPost
from storage.posts import NewPost, count_posts, insert_posts, stored_ids
from storage.subjects import add_subject
from storage.textkey import copy_key
from storage.usage import month_usage, record_usage
from tests.support import programs

T0 = datetime(2022, 11, 19, 0, 30, tzinfo=UTC)


def rows(ids: range | list[int]) -> list[NewPost]:
    return [
        NewPost(
            id=i,
            author_id=1000 + i % 7,
            text=f"reply {i}",
            created_at=T0 + timedelta(seconds=i % 3600),
            fetched_at=T0,
            conversation_id=1,
            lang="en",
            compound=0.5,
            label="positive",
        )
        for i in ids
    ]


def subject(db: Database) -> int:
    with db.write() as s:
        subj, _ = add_subject(s, kind="poll", key="1", now=T0)
        return subj.id


def test_same_page_twice_stores_once_and_reports_zero_new(db: Database) -> None:
    sid = subject(db)
    page = rows(range(100, 200))
    with db.write() as s:
        assert insert_posts(s, page, subject_id=sid) == 100
    with db.write() as s:
        assert insert_posts(s, page, subject_id=sid) == 0
    with db.read() as s:
        assert count_posts(s) == 100
        assert count_posts(s, subject_id=sid) == 100
        assert stored_ids(s) == list(range(100, 200))


def test_post_seen_in_two_streams_is_stored_once_and_linked_twice(db: Database) -> None:
    with db.write() as s:
        a, _ = add_subject(s, kind="account", key="elonmusk", now=T0)
        p, _ = add_subject(s, kind="poll", key="1", now=T0)
        a_id, p_id = a.id, p.id
    with db.write() as s:
        assert insert_posts(s, rows(range(1, 11)), subject_id=a_id) == 10
        assert insert_posts(s, rows(range(5, 16)), subject_id=p_id) == 11
    with db.read() as s:
        assert count_posts(s) == 15
        links = s.scalars(select(SubjectPost.post_id).where(SubjectPost.subject_id == p_id))
        assert sorted(links) == list(range(5, 16))


def test_rolled_back_page_leaves_nothing(db: Database) -> None:
    sid = subject(db)
    try:
        with db.write() as s:
            insert_posts(s, rows(range(1, 51)), subject_id=sid)
            raise RuntimeError("crash mid-transaction")
    except RuntimeError:
        pass
    with db.read() as s:
        assert count_posts(s) == 0


def test_aware_utc_round_trip(db: Database) -> None:
    sid = subject(db)
    with db.write() as s:
        insert_posts(s, rows([42]), subject_id=sid)
    with db.read() as s:
        post = s.get(PostRow, 42)
        assert post is not None
        assert post.created_at == T0 + timedelta(seconds=42)
        assert post.created_at.tzinfo is not None


ODD_ROWS = [
    NewPost(  # every column set; a text with NUL and emoji; a time given in another zone
        id=2**63 - 1,
        author_id=2**62,
        text="a\x00b \u2764\ufe0f &amp; \U0001f600",
        created_at=datetime(2022, 11, 19, 2, 30, 0, 1, tzinfo=timezone(timedelta(hours=2))),
        fetched_at=datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        conversation_id=1,
        in_reply_to_user_id=2,
        replied_to_id=3,
        lang="en",
        poll_id=4,
        metrics={"like_count": 3, "reply_count": 0},
        compound=-0.9999,
        pos=0.0,
        neu=0.25,
        neg=0.75,
        label="negative",
    ),
    NewPost(  # every optional column empty, a time on a whole second
        id=7,
        author_id=8,
        text="",
        created_at=datetime(2022, 11, 19, tzinfo=UTC),
        fetched_at=datetime(2022, 11, 19, tzinfo=UTC),
    ),
]


def key(row: NewPost) -> int | None:
    return copy_key(row.text.replace("\x00", "\ufffd"))


def test_page_insert_stores_what_the_models_types_store(db: Database) -> None:
    """``insert_posts`` encodes values itself, for speed: the raw stored values (what any
    later reader sees) must equal those of SQLAlchemy's own typed insert of the same rows."""
    sid = subject(db)
    with db.write() as s:
        assert insert_posts(s, ODD_ROWS, subject_id=sid) == 2
    shifted = [replace(r, id=r.id - 100) for r in ODD_ROWS]
    with db.write() as s:
        s.execute(
            insert(PostRow),
            [
                {f.name: getattr(r, f.name) for f in fields(NewPost)} | {"copy_key": key(r)}
                for r in shifted
            ],
        )
        s.execute(
            insert(SubjectPost),
            [
                {"subject_id": sid, "post_id": r.id, "created_at": r.created_at,
                 "label": r.label, "compound": r.compound, "author_id": r.author_id,
                 "copy_key": key(r)}
                for r in shifted
            ],
        )  # fmt: skip
    with db.read() as s:
        raw = {
            row[0]: row[1:]
            for row in s.execute(text("SELECT * FROM posts")).all()  # no type processing
        }
        links = {row[1]: row for row in s.execute(text("SELECT * FROM subject_posts")).all()}
        orm = {p.id: p for p in s.scalars(select(PostRow))}
    for fast in ODD_ROWS:
        assert raw[fast.id] == raw[fast.id - 100]
        assert links[fast.id][2:] == links[fast.id - 100][2:]
        read = orm[fast.id]
        assert read.text == fast.text.replace("\x00", "\ufffd")
        assert read.created_at == fast.created_at and read.created_at.tzinfo is not None
        assert read.metrics == fast.metrics


def test_two_processes_with_overlapping_pages_store_the_union_once(db: Database) -> None:
    sid = subject(db)
    ranges = [(1, 3001), (1501, 4501), (1, 4501)]
    procs = [
        subprocess.Popen(
            programs.command("insert_pages", db.url, str(a), str(b), str(sid)),
            env=programs.with_checkout(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for a, b in ranges
    ]
    reported = []
    for proc in procs:
        out, _ = proc.communicate(timeout=180)
        assert proc.returncode == 0
        reported.append(int(out.strip()))
    with db.read() as s:
        assert stored_ids(s) == list(range(1, 4501))
        assert count_posts(s, subject_id=sid) == 4500
    # Every new link was reported by exactly one process.
    assert sum(reported) == 4500


def test_migrations_from_empty_match_the_models_and_rerun_without_change(db_url: str) -> None:
    database = Database(db_url)
    try:
        assert current_revision(database) is None
        assert upgrade(database) == (None, head_revision())
        assert upgrade(database) == (head_revision(), head_revision())
        with database.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == []
            names = set(inspect(conn).get_table_names())
        assert {"posts", "subjects", "subject_posts", "summaries", "job_runs"} <= names
    finally:
        database.dispose()


def test_api_usage_accumulates_per_month_and_endpoint(db: Database) -> None:
    with db.write() as s:
        record_usage(s, month="2022-11", endpoint="search_recent", posts_read=100)
        record_usage(s, month="2022-11", endpoint="search_recent", posts_read=37)
        record_usage(s, month="2022-11", endpoint="user_by_username")
        record_usage(s, month="2022-12", endpoint="search_recent", posts_read=5)
    with db.read() as s:
        nov = month_usage(s, "2022-11")
    assert nov.requests == 3
    assert nov.posts_read == 137
    assert nov.by_endpoint["search_recent"] == (2, 137)


def test_last_runs_is_the_newest_run_of_each_job(db: Database) -> None:
    from storage.runs import last_runs, start_run

    with db.write() as s:
        for minute, job in [(0, "collect"), (1, "polls"), (2, "collect"), (3, "collect")]:
            start_run(
                s, job=job, trigger="schedule", holder="h", now=T0 + timedelta(minutes=minute)
            )
    with db.read() as s:
        newest = {job: run.started_at for job, run in last_runs(s).items()}
    assert newest == {"collect": T0 + timedelta(minutes=3), "polls": T0 + timedelta(minutes=1)}

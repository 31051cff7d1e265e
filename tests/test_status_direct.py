"""``status`` and ``track list`` read the store without SQLAlchemy when they can
(``storage.direct``), and then answer exactly as the SQLAlchemy path does; whenever the direct
path cannot serve (an empty, missing or older store, a table gone, a server not there, a URL
of another form) the SQLAlchemy path answers, with its own output and exit code.

Each comparison runs ``bot.cli.main`` in this process twice on stores made alike: as it is,
and with the direct path switched off (``open_direct`` answering None), which is the command
as it was before the direct path existed."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

import bot.cli.reads
from storage.direct import DirectStore, open_direct, psycopg_args, sqlite_path
from storage.engine import Database
from storage.errors import DirectReadFailed
from storage.events import add_event
from storage.heartbeat import beat
from storage.leases import _info, acquire_lease
from storage.migrate import upgrade
from storage.models import Event, Heartbeat, JobLease, JobRun, SubjectRow
from storage.reads import (
    RunRecord,
    Subject,
    current_leases,
    heartbeat,
    last_errors,
    last_runs,
    list_subjects,
    recent_events,
    waiting_windows,
)
from storage.runs import finish_run, start_run
from storage.subjects import (
    _subject,
    add_subject,
    close_poll,
    deactivate_subject,
    set_account_user,
    subject_collected,
    subject_failed,
)
from storage.summaries import WAITING, list_summaries, wait_summary
from storage.usage import record_usage

COMMANDS = [("status",), ("status", "--json"), ("track", "list"), ("track", "list", "--json")]
_LOG_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.M)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@dataclass
class Spy:
    """What ``open_direct`` answered in the last invocation, and whether a direct read failed."""

    served: list[bool]
    failed: list[bool]


@pytest.fixture
def pollbot(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., tuple[Outcome, Spy]]]:
    """``pollbot(*args, url=URL, direct=True, **env)``: ``bot.cli.main(args)`` in this process,
    in a clean environment with ``POLLBOT_DATABASE_URL=URL`` and ``env``; its exit code and output (log times
    left out), and what the direct path did."""
    from bot.cli import main

    real = bot.cli.reads.open_direct

    def run(*args: str, url: str, direct: bool = True, **env: str) -> tuple[Outcome, Spy]:
        spy = Spy([], [])

        def opened(given: str) -> DirectStore | None:
            store = real(given) if direct else None
            spy.served.append(store is not None)
            if store is not None:
                inner = store._execute

                def execute(sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
                    try:
                        return inner(sql, params)
                    except DirectReadFailed:
                        spy.failed.append(True)
                        raise

                monkeypatch.setattr(store, "_execute", execute)
            return store

        monkeypatch.setattr(bot.cli.reads, "open_direct", opened)
        for name in list(os.environ):
            if name.startswith(("POLLBOT_", "X_", "MASTODON_")):
                monkeypatch.delenv(name)
        monkeypatch.setenv("POLLBOT_DATABASE_URL", url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        # configure_logging replaces the root's handlers and sets levels (the root's, and
        # third-party loggers' such as tweepy's): all put back afterwards, for later tests.
        root = logging.getLogger()
        handlers = list(root.handlers)
        levels = {
            logger: logger.level
            for logger in [root, *logging.root.manager.loggerDict.values()]
            if isinstance(logger, logging.Logger)
        }
        out, err = io.StringIO(), io.StringIO()
        code = 0
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            for handler in list(root.handlers):
                root.removeHandler(handler)
            for handler in handlers:
                root.addHandler(handler)
            for logger in [root, *logging.root.manager.loggerDict.values()]:
                if isinstance(logger, logging.Logger):  # those made meanwhile: NOTSET
                    logger.setLevel(levels.get(logger, logging.NOTSET))
        return Outcome(code, out.getvalue(), _LOG_TIME.sub("", err.getvalue())), spy

    yield run


def populate(db: Database) -> None:
    """Every kind of row ``status`` and ``track list`` show, through storage's own writes: runs
    (ok, failed, running), a live and an expired lease, a live heartbeat, events, this month's
    use on both platforms, a waiting summary, subjects of both platforms (a renamed account,
    a failing one, a closed poll, one no longer followed)."""
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(microseconds=123456)
    month = f"{now:%Y-%m}"
    with db.write() as tx:
        account, _ = add_subject(tx, kind="account", key="elonmusk", now=now - timedelta(days=3))
        set_account_user(tx, account.stored_id, user_id="44196397", username="ElonMusk2", at=now)
        poll, _ = add_subject(tx, kind="poll", key="1593767953706921985", now=now)
        close_poll(tx, poll.stored_id, at=now - timedelta(hours=1))
        subject_collected(
            tx, poll.stored_id, at=now, through=now - timedelta(minutes=5, microseconds=7)
        )
        m_account, _ = add_subject(
            tx, kind="account", key="alice@mastodon.example", platform="mastodon", now=now
        )
        subject_failed(tx, m_account.stored_id, reason="no such account: @alice", at=now)
        m_poll, _ = add_subject(
            tx, kind="poll", key="109372618261744449", platform="mastodon", now=now
        )
        add_subject(tx, kind="account", key="gone", now=now - timedelta(days=9))
        deactivate_subject(tx, "account", "gone")
        wait_summary(
            tx,
            subject_id=m_poll.stored_id,
            window_start=now - timedelta(days=1),
            window_end=now - timedelta(hours=2),
            final=False,
            now=now,
            collected_through=now - timedelta(hours=3),
        )
    with db.write() as tx:
        for job, status, error in [
            ("collect", "ok", None),
            ("collect", "failed", "database unavailable: reading from x failed: gone"),
            ("polls", "ok", None),
            ("summarize", "failed", "post refused (403)"),
        ]:
            run = start_run(tx, job=job, trigger="schedule", holder="h1", now=now)
            finish_run(tx, run, now=now + timedelta(seconds=3), status=status, items=7, error=error)
        start_run(tx, job="commands", trigger="cli", holder="h2", now=now + timedelta(seconds=9))
        acquire_lease(
            tx, job="commands", holder="h2", host="box", pid=4242, now=now, ttl=timedelta(hours=1)
        )
        acquire_lease(
            tx, job="polls", holder="h3", host="box", pid=7, now=now - timedelta(hours=3),
            ttl=timedelta(minutes=5),
        )  # fmt: skip
        beat(tx, name="daemon", pid=4242, host="box", started_at=now - timedelta(hours=1), now=now)
        add_event(tx, at=now, kind="budget", message="collection stopped: budget", job="collect")
        add_event(tx, at=now - timedelta(minutes=1), kind="poll_gone", message="poll 1 deleted")
        record_usage(tx, month=month, endpoint="search_recent", posts_read=120, usd_mills=600)
        record_usage(tx, month=month, endpoint="search_recent", posts_read=80, usd_mills=400)
        record_usage(tx, month=month, endpoint="users_by", usd_mills=10)
        record_usage(tx, month=month, endpoint="context", posts_read=40, platform="mastodon")


def test_direct_and_sqlalchemy_paths_print_the_same_on_a_populated_store(
    db: Database, pollbot: Callable[..., tuple[Outcome, Spy]]
) -> None:
    populate(db)
    for args in COMMANDS:
        direct, spy = pollbot(*args, url=db.url)
        assert spy.served == [True] and spy.failed == [], args
        fallback, spy = pollbot(*args, url=db.url, direct=False)
        assert spy.served == [False]
        assert direct == fallback, args
        assert direct.code == 0 and direct.err == "", args
    shown = pollbot("status", url=db.url)[0].out
    assert "daemon: alive, pid 4242 on box" in shown
    assert "commands   running" in shown and "summarize  idle     last failed" in shown
    assert "@elonmusk" in shown and "FAILING: no such account" in shown and "@gone" not in shown
    assert "summary to" in shown and "mastodon use" in shown and "event: " in shown
    listed = pollbot("track", "list", url=db.url)[0].out
    assert "(now @ElonMusk2)" in listed and "[mastodon]" in listed and "(closed)" in listed


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pollbot.db'}"


def _older_store(url: str) -> None:
    db = Database(url)
    upgrade(db, to="0004")
    db.dispose()


def _table_gone(url: str) -> None:
    db = Database(url)
    upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE subjects"))  # both commands read it
    db.dispose()


def _empty_file(url: str) -> None:
    Path(url.removeprefix("sqlite:///")).write_bytes(b"")


def _junk_file(url: str) -> None:
    Path(url.removeprefix("sqlite:///")).write_bytes(b"this is not SQLite\n" * 100)


@pytest.mark.parametrize(
    "make",
    [None, _empty_file, _junk_file, _older_store, _table_gone],
    ids=["missing file", "empty file", "not a database", "schema behind", "a table gone"],
)
@pytest.mark.parametrize("args", [("status", "--json"), ("track", "list")])
def test_a_sqlite_store_the_direct_path_cannot_serve_is_answered_as_before(
    tmp_path: Path,
    pollbot: Callable[..., tuple[Outcome, Spy]],
    make: Callable[[str], None] | None,
    args: tuple[str, ...],
) -> None:
    url = _sqlite_url(tmp_path)
    outcomes = []
    for direct in (True, False):
        for made in tmp_path.glob("pollbot.db*"):
            made.unlink()
        if make is not None:
            make(url)
        outcome, spy = pollbot(*args, url=url, direct=direct)
        if direct:
            # The direct path declined, or (a table gone) served and failed at the read.
            assert spy.served == [make is _table_gone]
            assert spy.failed == ([True] if make is _table_gone else [])
        outcomes.append(outcome)
    assert outcomes[0] == outcomes[1]
    expected = {None: 0, _empty_file: 0, _older_store: 0, _junk_file: 2, _table_gone: 1}
    assert outcomes[0].code == expected[make], outcomes[0]


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "sqlalchemy"])
def test_a_cron_out_of_range_stops_the_jobs_not_the_store_commands(
    tmp_path: Path, pollbot: Callable[..., tuple[Outcome, Spy]], direct: bool
) -> None:
    """``status`` and ``track`` have no schedule: a cron APScheduler refuses (or one that never
    fires) stops the commands that build the App, not these (README, "Configuration")."""
    url = _sqlite_url(tmp_path)
    db = Database(url)
    upgrade(db)
    db.dispose()
    for cron in ("0 25 * * *", "0 0 31 2 *"):
        for args in COMMANDS:
            outcome, spy = pollbot(*args, url=url, direct=direct, POLLBOT_SUMMARY_CRON=cron)
            assert outcome.code == 0 and outcome.err == "", (cron, args, outcome)
            assert spy.served == [direct]
        refused, _ = pollbot("jobs", "list", url=url, POLLBOT_SUMMARY_CRON=cron)
        assert refused.code == 2 and "POLLBOT_SUMMARY_CRON" in refused.err


def test_a_postgresql_store_behind_the_newest_revision_is_migrated_as_before(
    pg_url: str, pollbot: Callable[..., tuple[Outcome, Spy]]
) -> None:
    _older_store(pg_url)
    first, spy = pollbot("status", "--json", url=pg_url)
    assert spy.served == [False] and first.code == 0
    assert "database schema upgraded from 0004" in first.err
    again, spy = pollbot("status", "--json", url=pg_url, direct=False)
    assert again.out == first.out
    now, spy = pollbot("status", "--json", url=pg_url)  # current now: served directly
    assert spy.served == [True] and now == Outcome(0, first.out, "")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u:canary-pw@127.0.0.1:1/x",  # nothing listens there
        "postgresql+psycopg://u:canary-pw@127.0.0.1:99999/x",  # a bad port
        "postgresql+nodriver://u:canary-pw@h/db",
        "postgresql://u:canary-pw@127.0.0.1:1/x",  # SQLAlchemy's default driver, psycopg2
        "sqlite//nopath",
        "sqlite:///{tmp}",  # a directory
        "sqlite:///{tmp}/no/such/dir/p.db",
        "mysql://u:canary-pw@127.0.0.1/x",
    ],
)
@pytest.mark.parametrize("args", [("status",), ("track", "list", "--json")])
def test_urls_the_direct_path_does_not_serve_fail_as_before(
    tmp_path: Path, pollbot: Callable[..., tuple[Outcome, Spy]], url: str, args: tuple[str, ...]
) -> None:
    url = url.replace("{tmp}", str(tmp_path))
    direct, spy = pollbot(*args, url=url)
    assert spy.served in ([False], [])  # [] when the command stopped before reading the store
    fallback, _ = pollbot(*args, url=url, direct=False)
    assert direct == fallback
    assert direct.code == 2 and direct.out == ""
    assert direct.err.startswith("pollbot: error: ") and direct.err.count("\n") == 1
    assert "canary-pw" not in direct.err


def test_a_password_in_the_url_never_shows(
    pg_url: str, pollbot: Callable[..., tuple[Outcome, Spy]]
) -> None:
    url = pg_url.replace("postgres@", "postgres:canary-db-pw@")  # trust auth ignores it
    db = Database(url)
    upgrade(db)
    populate(db)
    db.dispose()
    for args in COMMANDS:
        outcome, spy = pollbot(*args, url=url)
        assert spy.served == [True] and outcome.code == 0
        assert "canary-db-pw" not in outcome.out + outcome.err
    gone = url.replace("127.0.0.1:5432", "127.0.0.1:1")
    outcome, spy = pollbot("status", url=gone)
    assert spy.served == [False] and outcome.code == 2 and "***" in outcome.err
    assert "canary-db-pw" not in outcome.out + outcome.err


def test_the_direct_path_reads_the_url_as_sqlalchemy_does() -> None:
    for url in [
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "postgresql+psycopg://u:p%40ss%3Aw@db.example:6543/my%20db?options=-csearch_path%3Dt_1",
        "postgresql+psycopg://u@[::1]:5432/db?sslmode=require&connect_timeout=3",
        "postgresql+psycopg:///db",
        "postgresql+psycopg://",
    ]:
        parsed = make_url(url)
        _, expected = parsed.get_dialect()().create_connect_args(parsed)
        assert psycopg_args(url) == expected, url
    for url in [
        "postgresql+psycopg://u@h1,h2/db",  # several hosts
        "postgresql+psycopg://u@h:0/db",
        "postgresql+psycopg://u@h:x/db",
        "postgresql+psycopg://u@h:/db",
        "postgresql+psycopg://u@h/db?a=1&a=2",
        "postgresql+psycopg2://u@h/db",
        "postgresql://u@h/db",
        "sqlite:///p.db",
    ]:
        assert psycopg_args(url) is None, url
    assert sqlite_path("sqlite:///p.db") == Path("p.db")
    assert sqlite_path("sqlite:////abs/my%20p.db") == Path("/abs/my p.db")
    assert sqlite_path("sqlite+pysqlite:///a/p.db") == Path("a/p.db")
    for url in [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:p.db?mode=ro&uri=true",
        "sqlite:///p.db?timeout=3",
        "sqlite://host/p.db",
        "sqlite+aiosqlite:///p.db",
        "sqlite//p.db",
        "postgresql+psycopg://u@h/db",
    ]:
        assert sqlite_path(url) is None, url


def test_the_direct_path_only_reads(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    db = Database(url)
    upgrade(db)
    db.dispose()
    store = open_direct(url)
    assert store is not None
    with store, pytest.raises(DirectReadFailed) as failed:
        store.fetch("DELETE FROM events")
    assert str(failed.value) == "OperationalError"  # the driver's type, never its text
    conn = sqlite3.connect(tmp_path / "pollbot.db")
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() != []
    conn.close()


def test_the_reads_give_what_the_orm_gives(db: Database) -> None:
    """Each read, from a session and from a direct connection, against the same rows read
    through the ORM's models (their ``UTCDateTime`` columns: aware UTC datetimes)."""
    populate(db)
    now = datetime.now(UTC)
    with db.read() as session:
        orm_subjects = [
            _subject(row)
            for row in session.scalars(
                select(SubjectRow).order_by(SubjectRow.kind, SubjectRow.added_at, SubjectRow.id)
            )
        ]
        orm_beat = session.get(Heartbeat, "daemon")
        assert orm_beat is not None
        orm_runs = {
            run.id: tuple(getattr(run, f.name) for f in fields(RunRecord))
            for run in session.scalars(select(JobRun))
        }
        orm_events = [
            (e.id, e.at, e.kind, e.job, e.message)
            for e in session.scalars(select(Event).order_by(Event.at.desc(), Event.id.desc()))
        ]
        orm_leases = [
            info
            for row in session.scalars(select(JobLease).order_by(JobLease.job))
            if (info := _info(row)) is not None and info.expires_at > now
        ]
        orm_waiting = {
            w.subject.stored_id: (w.window_end, w.collected_through)
            for w in list_summaries(session, states=(WAITING,))
        }
        from_session = _reads(session, now)
    store = open_direct(db.url)
    assert store is not None
    with store, store.read() as direct:
        from_direct = _reads(direct, now)
    assert from_session == from_direct
    subjects, beat_, runs, errors, events, leases, waiting = from_session
    assert subjects == [s for s in orm_subjects if s.key != "gone"]
    assert list_subjects_all(db) == orm_subjects
    assert beat_ is not None
    assert (beat_.pid, beat_.host, beat_.started_at, beat_.heartbeat_at, beat_.stopped_at) == (
        orm_beat.pid, orm_beat.host, orm_beat.started_at, orm_beat.heartbeat_at, None,
    )  # fmt: skip
    assert beat_.heartbeat_at.tzinfo is UTC
    for run in [*runs.values(), *errors]:
        assert astuple(run) == orm_runs[run.id]
    assert [r.error for r in errors] == [
        "post refused (403)",
        "database unavailable: reading from x failed: gone",
    ]
    assert [(e.id, e.at, e.kind, e.job, e.message) for e in events] == orm_events
    assert leases == orm_leases and [lease.job for lease in leases] == ["commands"]
    assert waiting == orm_waiting and len(waiting) == 1


def _reads(source: Any, now: datetime) -> tuple[Any, ...]:
    return (
        list_subjects(source),
        heartbeat(source),
        last_runs(source),
        last_errors(source),
        recent_events(source),
        current_leases(source, now=now),
        waiting_windows(source),
    )


def list_subjects_all(db: Database) -> list[Subject]:
    with db.read() as session:
        return list_subjects(session, active_only=False)

"""The database going away under a running pollbot (issue 13, items 7 and 8): runs that end
meanwhile are recorded once it is back, with how they really ended; every database error is
one line with no SQL in it; the log says it once; a stop meanwhile is clean.

PostgreSQL goes away through a TCP proxy the test cuts (``tests.support.outage``), SQLite
through a failing-disk fault at its driver (an open SQLite file cannot be taken away).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.app import App
from bot.daemon import Daemon
from storage.engine import Database
from storage.errors import DatabaseFailed, DatabaseLost
from storage.migrate import upgrade
from storage.models import JobLease, JobRun
from tests.support.cli import run_cli
from tests.support.daemon import start_daemon_logging, wait_for, wait_started
from tests.support.env import env_for, settings_for
from tests.support.mock import mock_control
from tests.support.outage import Outage, outage_for
from tests.support.scenarios import generated_scenario

POLL = "1593767953706921985"
T0 = datetime(2022, 11, 19, 0, 0, tzinfo=UTC)
SQL_WORDS = ("SQL", "INSERT", "UPDATE", "SELECT", "parameters", "Traceback", "\n")


@pytest.fixture
def outage(db_url: str) -> Iterator[Outage]:
    with outage_for(db_url) as out:
        yield out


@pytest.fixture
def pg_outage(pg_url: str) -> Iterator[Outage]:
    with outage_for(pg_url) as out:
        yield out


def runs(db: Database, job: str = "collect") -> list[JobRun]:
    with db.read() as s:
        return list(s.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)))


def assert_one_line(message: str) -> None:
    assert message.strip(), message
    for word in SQL_WORDS:
        assert word not in message.strip(), f"{word!r} in {message!r}"


def metric(daemon: Daemon, name: str, **labels: str) -> float:
    return daemon.metrics.registry.get_sample_value(name, labels) or 0.0


def test_lost_connection_is_one_line_with_no_sql(db: Database, outage: Outage) -> None:
    """Storage's one boundary: a database that goes away after it was reached is
    DatabaseLost, any other error of the database DatabaseFailed; both one line naming what
    was done where, without the statement or its parameters."""
    lost = Database(outage.url)
    outage.attach(lost.engine)
    try:
        lost.check()
        with lost.write() as tx:
            tx.execute(text("SELECT 1"))
        outage.cut()
        with pytest.raises(DatabaseLost) as caught, lost.write() as tx:
            tx.execute(select(JobRun).where(JobRun.job == "secret-parameter"))
        message = str(caught.value)
        assert message.startswith("database unavailable: writing to "), message
        assert "secret-parameter" not in message
        assert_one_line(message)
        outage.restore()
        with lost.read() as tx:  # back: the same Database works again
            assert tx.execute(text("SELECT 1")).scalar() == 1
    finally:
        lost.dispose()
    with db.write() as tx:
        tx.add(JobRun(job="collect", trigger="cli", holder="h", started_at=T0, status="ok"))
    with pytest.raises(DatabaseFailed) as failed, db.write() as tx:
        run = JobRun(job="collect", trigger="cli", holder="h", started_at=T0, status="ok")
        run.id = 1
        tx.add(run)
    assert isinstance(failed.value.__cause__, IntegrityError)
    assert str(failed.value).startswith("database error: writing to ")
    assert "secret" not in str(failed.value)
    assert_one_line(str(failed.value))


def test_a_run_ending_while_the_database_is_down_is_recorded_when_it_is_back(
    db_url: str,
    outage: Outage,
    mock_factory: Any,
    make_app: Callable[..., App],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    mock = mock_factory(generated_scenario(count=600, hours=10))
    mock.set_clock(T0 + timedelta(hours=11))
    # Slow answers: the run is in flight, waiting on X, when the database goes.
    mock_control(mock.url, "faults", {"endpoint": "search_recent", "delay_s": 1.0, "times": 3})
    settings = settings_for(outage.url, mock.url, polls=(POLL,), collect_every=timedelta(seconds=1))
    app = make_app(settings, sleep=lambda s: None)
    outage.attach(app.db().engine)
    watcher = Database(db_url)  # the test's own way in, never cut
    daemon = Daemon(app, jobs=("collect",))
    caplog.set_level(logging.INFO)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: any(r.status == "running" for r in runs(watcher)), what="a run")
        outage.cut()
        wait_for(
            lambda: metric(daemon, "pollbot_job_runs_unrecorded") == 1,
            what="the run to end unrecorded",
        )
        [run] = runs(watcher)
        assert run.status == "running"  # the database missed its end
        outage.restore()
        wait_for(lambda: runs(watcher)[0].status != "running", what="the run to be recorded")
        wait_for(lambda: any(r.status == "ok" for r in runs(watcher)), what="a run after it")
    finally:
        outage.restore()
        daemon.request_stop("test")
        thread.join(timeout=60)
    assert not thread.is_alive()
    first = runs(watcher)[0]
    assert first.status == "failed", first.error
    assert first.error is not None and first.error.startswith("database unavailable: "), first.error
    assert_one_line(first.error)
    assert first.finished_at is not None and first.finished_at < runs(watcher)[1].started_at
    assert metric(daemon, "pollbot_job_runs_recorded_late_total", job="collect") == 1
    assert metric(daemon, "pollbot_job_runs_unrecorded") == 0
    assert metric(daemon, "pollbot_database_outages_total") == 1
    assert metric(daemon, "pollbot_job_runs_total", job="collect", status="failed") == 1
    with watcher.read() as s:
        assert s.scalars(select(JobLease).where(JobLease.holder.is_not(None))).all() == []
    # The log: one ERROR for the outage, in one line; no traceback anywhere; the truth.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].getMessage().startswith("database unavailable: ")
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert "could not start" not in caplog.text
    assert "database reachable again" in caplog.text
    for r in caplog.records:
        assert "[SQL" not in r.getMessage(), r.getMessage()
    # What the CLI shows of it: one line, no SQL.
    env = env_for(db_url, mock.url)
    history = run_cli("jobs", "history", "collect", env=env, cwd=tmp_path)
    status = run_cli("status", env=env, cwd=tmp_path)
    assert history.code == 0 and status.code == 0, (history, status)
    for out in (history.out, status.out):
        [line] = [ln for ln in out.splitlines() if first.error in ln]
        assert "[SQL" not in line
    watcher.dispose()


def test_jobs_run_losing_the_database_says_one_line_and_exits_1(
    pg_outage: Outage, mock_factory: Any, tmp_path: Path
) -> None:
    """PostgreSQL only: a process's SQLite file cannot be taken from it (the daemon test
    covers SQLite with an injected I/O error)."""
    outage, db_url = pg_outage, pg_outage.db_url
    mock = mock_factory(generated_scenario(count=600, hours=10))
    mock.set_clock(T0 + timedelta(hours=11))
    mock_control(mock.url, "faults", {"endpoint": "search_recent", "delay_s": 1.5, "times": 3})
    watcher = Database(db_url)
    upgrade(watcher)
    env = env_for(outage.url, mock.url, POLLBOT_POLLS=POLL, POLLBOT_SCORING_PROCESSES="0")
    result: list[Any] = []
    thread = threading.Thread(
        target=lambda: result.append(run_cli("jobs", "run", "collect", env=env, cwd=tmp_path))
    )
    thread.start()
    try:
        wait_for(lambda: any(r.status == "running" for r in runs(watcher)), what="the run")
        outage.cut()
        thread.join(timeout=60)
    finally:
        outage.restore()
        thread.join(timeout=60)
    [done] = result
    assert done.code == 1, done
    assert "Traceback" not in done.err, done.err
    [line] = [ln for ln in done.err.splitlines() if ln.startswith("pollbot: error: ")]
    assert line.startswith("pollbot: error: collect run 1 ended failed"), line
    assert ", but recording it failed: database unavailable: " in line
    assert_one_line(line)
    watcher.dispose()


def test_sigterm_while_postgresql_is_down_exits_without_a_traceback(
    pg_outage: Outage, mock_factory: Any, tmp_path: Path
) -> None:
    outage, db_url = pg_outage, pg_outage.db_url
    mock = mock_factory(generated_scenario(count=300, hours=10))
    mock.set_clock(T0 + timedelta(hours=11))
    env = env_for(
        outage.url,
        mock.url,
        POLLBOT_POLLS=POLL,
        POLLBOT_COLLECT_EVERY="1s",
        POLLBOT_POLLS_EVERY="1s",
        POLLBOT_SCORING_PROCESSES="0",
    )
    watcher = Database(db_url)
    log = tmp_path / "daemon.log"
    daemon = start_daemon_logging(env, tmp_path, log)
    try:
        assert wait_started(daemon, log), log.read_text()
        wait_for(lambda: any(r.status == "ok" for r in runs(watcher)), what="a run")
        outage.cut()
        wait_for(lambda: b" ERROR " in log.read_bytes(), what="the outage to be logged")
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=60)
    finally:
        outage.restore()
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    said = log.read_text()
    assert code in (0, 1), said
    assert "Traceback" not in said, said
    assert "[SQL" not in said, said
    errors = [ln for ln in said.splitlines() if " ERROR " in ln]
    assert len(errors) == 1, errors
    if code == 1:
        [line] = [ln for ln in said.splitlines() if ln.startswith("pollbot: error: ")]
        assert line.startswith("pollbot: error: stopped with the database unavailable: ")
    watcher.dispose()

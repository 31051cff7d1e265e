"""The crash matrix: the daemon (``python -m bot run``) is SIGKILLed at random moments, over and
over, and started again each time; each of collect, polls, summarize and commands is killed
mid-run at least once. After one clean run of each job: nothing lost, nothing twice.

A dead holder's lease on this host is taken over at once (jobs/runner.py checks its pid), so a
restarted daemon picks up where the dead one stopped; the runs it left 'running' are closed as
failed ("abandoned") by the takeover.
"""

from __future__ import annotations

import random
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.mock_api import MockServer
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import JobRun
from tests.support.daemon import daemon_env, final_clean_runs, start_daemon_logging, wait_started
from tests.support.mock import freeze_clock, post_mention
from tests.support.scenarios import soak_scenario
from tests.support.soak.checks import (
    check_leases,
    check_mentions,
    check_runs_closed,
    check_store,
    check_summaries,
)

JOBS = ("collect", "polls", "summarize", "commands")
SEED = 20221119
MIN_KILLS = 12
BUDGET_S = 60.0  # of killing; then the clean runs and the checks


def _running(db: Database, pid: int) -> set[str]:
    """The jobs that daemon ``pid`` has a run of in progress (its holder names the pid)."""
    with db.read() as s:
        rows = s.scalars(select(JobRun).where(JobRun.status == "running"))
        return {r.job for r in rows if r.holder.split(":")[2:3] == [str(pid)]}


def _kill_when(
    proc: subprocess.Popen[bytes], db: Database, rng: random.Random, target: str | None
) -> None:
    """SIGKILL ``proc`` at a random moment, or a random instant into a run of ``target``."""
    if target is None:
        time.sleep(rng.uniform(0.0, 2.5))
    else:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and target not in _running(db, proc.pid):
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.15))
    proc.kill()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_repeats_nothing(
    db_url: str, mock_factory: Any, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    # 300x: a summary window (15 scenario minutes) every 3 s, so each start has one due.
    mock: MockServer = mock_factory(soak_scenario(hours=8), speed=300)
    # Slow answers now and then widen the moments a job is mid-run.
    requests.post(
        f"{mock.url}/_mock/faults",
        json={"kinds": ["delay"], "probability": 0.3, "seed": 3, "delay_s": 0.3},
        timeout=10,
    ).raise_for_status()
    db = Database(db_url)
    upgrade(db)
    env = daemon_env(db_url, mock.url, cron="*/15 * * * *")
    interrupted: Counter[str] = Counter()
    asked: list[str] = []
    kills = 0
    proc: subprocess.Popen[bytes] | None = None
    began = time.monotonic()
    try:
        while kills < MIN_KILLS or (
            set(interrupted) < set(JOBS) and time.monotonic() - began < BUDGET_S
        ):
            log = tmp_path / f"daemon-{kills}.log"
            proc = start_daemon_logging(env, tmp_path, log)
            assert wait_started(proc, log), log.read_text()[-2000:]
            if rng.random() < 0.5:  # an operator's mention now and then: work for commands
                asked.append(post_mention(mock.url, f"@pollbot untrack @ghost{len(asked)}"))
            missing = [j for j in JOBS if j not in interrupted]
            target = rng.choice(missing or list(JOBS)) if rng.random() < 0.7 else None
            _kill_when(proc, db, rng, target)
            interrupted.update(_running(db, proc.pid))
            kills += 1
        proc = None
        # The end: no faults, the clock stopped, one clean run of each job.
        requests.post(f"{mock.url}/_mock/faults", json={"clear": True}, timeout=10)
        now = freeze_clock(mock)
        problems = final_clean_runs(env, tmp_path)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
    assert problems == []
    assert kills >= MIN_KILLS
    assert set(interrupted) == set(JOBS), f"interrupted mid-run: {dict(interrupted)}"
    checks = [
        *check_store(db, mock),
        *check_summaries(db, mock.url, cron="*/15 * * * *", now=now),
        check_mentions(db, mock.url, asked, exactly_once=True),
        check_runs_closed(db, abandoned_ok=True),
        check_leases(db),
    ]
    print(f"{kills} kills in {time.monotonic() - began:.0f}s; interrupted {dict(interrupted)}")
    for c in checks:
        print(f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}")
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    assert not failed, "\n".join(failed)
    with db.read() as s:
        abandoned = s.scalars(select(JobRun).where(JobRun.error.like("abandoned%"))).all()
    # Every run a kill left behind was closed by a takeover, none by anything else.
    assert len(abandoned) >= sum(interrupted.values())
    db.dispose()

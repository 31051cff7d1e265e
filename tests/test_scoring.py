"""Scoring in a process of its own (``POLLBOT_SCORING_PROCESSES``): the same scores as in
the collecting process, a dead worker costs one failed run and nothing stored wrongly,
and workers never outlive the process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import psutil
import pytest
from sqlalchemy import select

from bot.app import App
from bot.registry import get_job
from bot.scoring import ProcessScorer
from jobs.errors import ScoringFailed
from jobs.runner import Holder, run_job
from jobs.scoring import InlineScorer, Items, Scores, score_page
from jobs.sentiment import score_posts
from jobs.streams import BATCH_PAGES, READ_AHEAD
from jobs.subjects import Subject
from jobs.tracking import track
from storage.models import PostRow
from storage.textkey import copy_key
from tests.support import programs
from tests.support.env import clean_env, settings_for
from tests.support.scenarios import generated_scenario

POLL = "1593767953706921985"

ITEMS = [
    ("I love this, best decision ever!!! 😍", "en"),
    ("Terrible. Just terrible &amp; sad", "en"),
    ("ok", None),
    ("Das ist großartig", "de"),  # not English: not scored
    ("word " * 400 + "great. " * 30, "en"),  # long: scored in chunks
    ("", "en"),
]


def workers(parent: psutil.Process | None = None) -> list[psutil.Process]:
    """The scoring workers (spawned children; not multiprocessing's resource tracker)."""
    found = []
    for p in (parent or psutil.Process()).children(recursive=True):
        try:
            if "spawn_main" in " ".join(p.cmdline()):
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def scorer() -> Iterator[ProcessScorer]:
    s = ProcessScorer(1)
    yield s
    s.close()


def test_a_scoring_process_gives_exactly_the_in_process_scores(scorer: ProcessScorer) -> None:
    scored = scorer.submit(ITEMS).result(timeout=60)
    assert scored == score_page(ITEMS) == InlineScorer().submit(ITEMS).result()
    # The scores of score_posts, and the copy keys storage would compute from the texts.
    keys = [copy_key(text) for text, _ in ITEMS]
    assert scored == Scores.of(score_posts(ITEMS), keys)
    assert scored.label[3] is None and scored.compound[3] is None  # not English: not scored
    assert scored.label[0] == "positive"
    # A copy key is None under five words.
    assert scored.copy_key[2] is None and scored.copy_key[0] is not None
    assert scorer.submit([]).result(timeout=60) == Scores.of([], [])


def test_a_killed_worker_fails_its_page_with_a_typed_error_and_the_next_page_gets_a_new_one(
    scorer: ProcessScorer,
) -> None:
    scorer.submit(ITEMS).result(timeout=60)
    (first,) = workers()
    # A long page, so the worker is busy with it when it dies.
    pending = scorer.submit([("good " * 200 + "bad. ", "en")] * 2000)
    first.kill()
    with pytest.raises(ScoringFailed, match="the scoring process died"):
        pending.result(timeout=60)
    assert scorer.submit(ITEMS).result(timeout=60) == score_page(ITEMS)
    assert [w.pid for w in workers()] != [first.pid]


def test_a_worker_ignores_the_group_s_sigterm_and_ends_with_its_scorer(
    scorer: ProcessScorer,
) -> None:
    """systemd sends SIGTERM to the whole group: the parent stops cleanly, storing the page
    in hand, so the worker must still be there to give its scores; closing ends it."""
    scorer.submit(ITEMS).result(timeout=60)
    (worker,) = workers()
    os.kill(worker.pid, signal.SIGTERM)
    assert scorer.submit(ITEMS).result(timeout=60) == score_page(ITEMS)
    assert worker.is_running() and [w.pid for w in workers()] == [worker.pid]
    scorer.close()
    assert wait_for(lambda: not worker.is_running())
    with pytest.raises(ScoringFailed, match="could not start"):
        scorer.submit(ITEMS).result(timeout=1)


def test_workers_exit_when_their_parent_is_killed(tmp_path: Any) -> None:
    parent = subprocess.Popen(
        programs.command("warm_scorer"),
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=programs.with_checkout(clean_env()),
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "ready"
        (worker,) = workers(psutil.Process(parent.pid))
        parent.kill()  # SIGKILL: nothing of the parent's runs to close its pool
        parent.wait()
        assert wait_for(lambda: not worker.is_running() or worker.status() == "zombie")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def _collect(app: App) -> Any:
    return run_job(get_job("collect"), app.job_context(trigger="cli"), holder=Holder.here("test"))


def _scores(app: App) -> dict[int, tuple[Any, ...]]:
    with app.db().read() as s:
        rows = s.execute(
            select(
                PostRow.id, PostRow.compound, PostRow.pos, PostRow.neu, PostRow.neg, PostRow.label
            )
        )
        return {r[0]: tuple(r[1:]) for r in rows}


def test_collect_stores_the_same_scores_with_or_without_a_scoring_process(
    mock_factory: Any, db_url: str, tmp_path: Any
) -> None:
    mock = mock_factory(generated_scenario(count=1200, hours=10))
    mock.set_clock(datetime(2022, 11, 19, 12, 0, tzinfo=UTC))
    stored = []
    for processes, url in ((1, db_url), (0, f"sqlite:///{tmp_path / 'inline.db'}")):
        app = App(settings_for(url, mock.url, scoring_processes=processes), sleep=lambda s: None)
        try:
            track(app.db(), Subject("poll", POLL), now=app.wall())
            assert isinstance(app.scorer(), ProcessScorer) is (processes == 1)
            assert _collect(app).status == "ok"
            stored.append(_scores(app))
        finally:
            app.close()
    with_process, inline = stored
    assert len(with_process) == 1200
    assert with_process == inline
    assert any(v[4] is None for v in inline.values())  # some not English, not scored


def test_a_scoring_process_dying_mid_run_fails_the_run_and_the_next_run_completes(
    mock_factory: Any, db_url: str
) -> None:
    # Pages well past what is fetched (and scored) ahead of the first transaction's store.
    count = 300 * (READ_AHEAD + BATCH_PAGES)
    mock = mock_factory(generated_scenario(count=count, hours=10))
    mock.set_clock(datetime(2022, 11, 19, 12, 0, tzinfo=UTC))
    app = App(settings_for(db_url, mock.url, scoring_processes=1), sleep=lambda s: None)
    try:
        track(app.db(), Subject("poll", POLL), now=app.wall())
        scorer = app.scorer()
        scorer.submit([("warm up", "en")]).result(timeout=60)
        (worker,) = workers()

        @dataclass
        class KillWithPage:
            """Kills the worker holding the page after the first transaction's: stopped
            (SIGSTOP) before the page is sent, so it cannot have answered, then killed."""

            submitted: int = 0

            def warm(self) -> None:
                scorer.warm()

            def submit(self, items: Items) -> Future[Scores]:
                self.submitted += 1
                if self.submitted != BATCH_PAGES + 1:
                    return scorer.submit(items)
                worker.suspend()
                future = scorer.submit(items)
                worker.kill()
                return future

        ctx = replace(app.job_context(trigger="cli"), scorer=KillWithPage())
        outcome = run_job(get_job("collect"), ctx, holder=Holder.here("test"))
        assert outcome.status == "failed"
        assert outcome.error and "the scoring process died" in outcome.error
        partial = _scores(app)
        assert 100 <= len(partial) < count  # the pages before the death stay stored
        assert _collect(app).status == "ok"
        assert len(_scores(app)) == count
    finally:
        app.close()

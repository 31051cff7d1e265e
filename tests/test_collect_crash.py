"""Collection is exactly-once across crashes: a ``pollbot jobs run collect`` process is
SIGKILLed at commits (before, inside and after them), in the middle of a page and at random
moments, then run again until it finishes. After every kill no cursor claims a post the
store lacks; at the end the store holds exactly the mock's replies, each once, and every
cursor stands at the newest id.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jobs.streams import BATCH_PAGES
from tests.support.cli import run_cli
from tests.support.crash import (
    CONVERSATION_CURSOR,
    OWN_POSTS_CURSOR,
    POLL,
    REPLIES_CURSOR,
    Child,
    Expected,
    covered,
    expected,
    expire_leases,
    lease_holders,
    move_lease,
    passes_in_flight,
    prepare_db,
    read_store,
    spawn_collect,
)
from tests.support.daemon import wait_until
from tests.support.env import env_for
from tests.support.mock import mock_control, mock_stats
from tests.support.scenarios import generated_scenario

SIGKILLED = -9
START = datetime(2022, 11, 19, 3, 0, tzinfo=UTC)
# Between trials the scenario clock moves on, so new replies arrive above a pass still in
# flight: a resumed pass must finish below its ``pass_until_id`` and the next pass take them.
STEP = timedelta(minutes=30)


def assert_no_gap_behind_cursors(db_url: str, want: Expected, *, after: str) -> bool:
    """What must hold at every instant: nothing foreign or doubled is stored, and whatever a
    cursor claims (at or below ``since_id``, or inside the walked part of its pass) is stored.
    Returns whether a cursor was left in the middle of a pass."""
    store = read_store(db_url)
    for kind, key, cursor, ids, read in (
        ("account", "elonmusk", REPLIES_CURSOR, want.replies, want.searched),
        ("poll", POLL, CONVERSATION_CURSOR, want.conversation, want.conversation),
    ):
        linked = store.linked(kind, key)
        assert len(linked) == len(set(linked)), f"{kind} {key}: a post linked twice ({after})"
        assert set(linked) <= ids, f"{kind} {key}: stored what is not its reply ({after})"
        state = store.cursor(cursor)
        missing = covered(state, read) - set(linked)
        assert not missing, f"{cursor} {state} is ahead of the rows: {len(missing)} lost ({after})"
    assert set(store.posts) <= want.all_posts, after
    own = store.cursor(OWN_POSTS_CURSOR)
    assert covered(own, want.own) <= set(store.posts), f"{own} is ahead of the rows ({after})"
    assert store.subjects.count(("poll", POLL)) <= 1, f"the poll adopted twice ({after})"
    return any(store.cursor(c).in_pass for c in (REPLIES_CURSOR, CONVERSATION_CURSOR))


def assert_exact_store(db_url: str, want: Expected) -> None:
    store = read_store(db_url)
    replies = store.linked("account", "elonmusk")
    conversation = store.linked("poll", POLL)
    assert sorted(replies) == sorted(want.replies)  # sorted lists: a duplicate would show
    assert sorted(conversation) == sorted(want.conversation)
    assert sorted(store.posts) == sorted(want.all_posts)
    assert sorted(store.subjects) == [("account", "elonmusk"), ("poll", POLL)]
    for name, ids in (
        (REPLIES_CURSOR, want.searched),
        (CONVERSATION_CURSOR, want.conversation),
        (OWN_POSTS_CURSOR, want.own),
    ):
        state = store.cursor(name)
        assert (state.since_id, state.pass_newest_id, state.pass_until_id) == (
            max(ids),
            None,
            None,
        ), name
    # Each killed run that had started was closed as abandoned by the next; none is left
    # running, and the last one succeeded.
    assert store.runs[-1].status == "ok", store.runs[-1].error
    for run in store.runs:
        assert run.status in ("ok", "failed"), run.status
        if run.status == "failed":
            assert run.error == "abandoned: the process running it died"


# @elonmusk's plain post (no poll), replied to as much as the poll: the account's own search
# reads these (it leaves the poll's conversation to the poll's search), so both streams have
# pages to be killed in.
DEAL = {
    "id": "1593766000849846272",  # a snowflake of its time
    "author_id": "44196397",
    "created_at": "2022-11-19T00:40:00.000Z",
    "text": "They broke the deal",
}


def start_world(mock_factory: Any, db_url: str, *, count: int, deal: bool = True) -> Any:
    doc = generated_scenario(count=count, hours=10)
    if deal:
        doc["posts"].append(DEAL)
        doc["generate"]["replies_to"].append(DEAL["id"])
    mock = mock_factory(doc)
    mock.set_clock(START)
    prepare_db(db_url, account=True)
    return mock


def finish(child_env: dict[str, str], tmp_path: Path, db_url: str, mock: Any) -> None:
    """Rerun to completion: the store is exact, each reply once."""
    rerun = spawn_collect(child_env, tmp_path, tag="rerun")
    assert rerun.wait() == 0, rerun.stderr()[-3000:]
    assert "collect ok:" in rerun.out.read_text()
    assert_exact_store(db_url, expected(mock.visible_posts()))


# (listener event, the kind of transaction, the Nth such event at which the child dies)
COMMIT_KILLS = [
    ("after_commit", "take lease", 1),  # the lease taken and the run recorded, nothing else
    ("before_commit", "update subject", 1),  # the account's user id, resolved
    # the account's own posts: the page that adopts the poll, mid-transaction and just after
    ("after_flush", f"pass end {OWN_POSTS_CURSOR}", 1),
    ("after_commit", f"pass end {OWN_POSTS_CURSOR}", 1),
    ("engine_commit", f"mid-pass page {REPLIES_CURSOR}", 2),  # right before the DBAPI COMMIT
    ("before_commit", f"pass end {REPLIES_CURSOR}", 1),  # the page that moves since_id
    ("after_flush", f"mid-pass page {CONVERSATION_CURSOR}", 2),
    ("after_commit", f"pass end {REPLIES_CURSOR}", 1),
    ("after_commit", f"mid-pass page {CONVERSATION_CURSOR}", 1),
    ("engine_commit", f"pass end {CONVERSATION_CURSOR}", 1),
    ("before_commit", "close run", 1),  # everything stored, the run not yet closed
]


def test_sigkill_at_commit_points_loses_and_duplicates_nothing(
    mock_factory: Any, db_url: str, tmp_path: Path
) -> None:
    # Half to the poll, half to DEAL; enough that a pass stores in several transactions (a
    # transaction takes the pages fetched ahead: up to BATCH_PAGES).
    mock = start_world(mock_factory, db_url, count=4800 * BATCH_PAGES)
    env = env_for(db_url, mock.url)
    mid_pass = 0
    for trial, (event, phase, nth) in enumerate(COMMIT_KILLS):
        child = spawn_collect(env, tmp_path, event=event, nth=nth, phase=phase, tag=f"t{trial}")
        code = child.wait()
        point = child.kill_point()
        assert code == SIGKILLED and point == f"{event} #{nth}: {phase}", (
            f"trial {trial} was not killed at {event} #{nth} of {phase!r}: exit {code}\n"
            f"{child.stderr()[-2000:]}"
        )
        after = f"after trial {trial}, killed at {point}"
        mid_pass += assert_no_gap_behind_cursors(
            db_url, expected(mock.visible_posts()), after=after
        )
        # No waiting out the dead child's lease: the runner sees its pid is gone.
        mock.advance(STEP.total_seconds())
    assert mid_pass >= 3  # kills left passes half-walked, and they were resumed
    finish(env, tmp_path, db_url, mock)


def test_sigkill_mid_page_and_at_random_moments(
    mock_factory: Any, db_url: str, tmp_path: Path
) -> None:
    rng = random.Random(20221119)
    # half to the poll, half to DEAL: as many reads a pass as when the account's search read
    # the poll's replies too; each trial's passes several transactions long
    mock = start_world(mock_factory, db_url, count=9600 * BATCH_PAGES)
    env = env_for(db_url, mock.url)
    mid_page_kills, random_kills, mid_pass = 0, 0, 0
    for trial in range(30):  # runs are quick: some finish before their kill, and are retried
        if mid_page_kills >= 3 and random_kills >= 5:
            break
        before = mock_stats(mock.url)["requests"]
        child = spawn_collect(env, tmp_path, tag=f"t{trial}")
        if mid_page_kills < 3:
            how = "mid-page"
            skip = rng.randint(8, 14)
            killed = kill_mid_page(child, mock, db_url, skip=skip, searches=before)
            mid_page_kills += killed
        else:
            how = "at a random moment"
            killed = kill_at_random(child, mock, delay=rng.uniform(0.0, 0.3), before=before)
            random_kills += killed
        if killed:
            after = f"after trial {trial}, killed {how}"
            mid_pass += assert_no_gap_behind_cursors(
                db_url, expected(mock.visible_posts()), after=after
            )
        # No waiting out the dead child's lease: the runner sees its pid is gone.
        mock.advance(STEP.total_seconds())
    assert (mid_page_kills, random_kills) == (3, 5)
    assert mid_pass >= 2
    finish(env, tmp_path, db_url, mock)


def kill_mid_page(
    child: Child, mock: Any, db_url: str, *, skip: int, searches: dict[str, int]
) -> bool:
    """Let ``skip`` searches through and a pass's first pages be committed (however far
    ahead the child fetched, a pass half-walked), then delay the next answer by 2 s and
    kill the child while it waits for it: a page requested, never received."""
    base = searches.get("search_recent", 0)
    started = wait_until(
        lambda: (
            (
                mock.stats()["requests"].get("search_recent", 0) >= base + skip
                and passes_in_flight(db_url, (REPLIES_CURSOR, CONVERSATION_CURSOR))
            )
            or child.proc.poll() is not None
        )
    )
    assert started, "the child made no request"
    if child.proc.poll() is not None:
        return False
    mock_control(mock.url, "faults", {"endpoint": "search_recent", "delay_s": 2.0, "times": 1})
    drawn = wait_until(lambda: mock.state.faults.active() == 0 or child.proc.poll() is not None)
    if not drawn or child.proc.poll() is not None:
        mock_control(mock.url, "faults", {"clear": True})
        child.wait()
        return False
    time.sleep(0.3)  # the child sits in its read; the mock answers 1.7 s from now
    assert child.kill() == SIGKILLED
    return True


def kill_at_random(child: Child, mock: Any, *, delay: float, before: dict[str, int]) -> bool:
    """Kill ``delay`` real seconds after the child's first request to the API."""
    total = sum(before.values())
    assert wait_until(
        lambda: sum(mock.stats()["requests"].values()) > total or child.proc.poll() is not None
    )
    time.sleep(delay)
    if child.proc.poll() is not None:
        assert child.wait() == 0, child.stderr()[-2000:]
        return False
    code = child.kill()
    if code == 0:  # it finished between the look and the kill
        return False
    assert code == SIGKILLED, child.stderr()[-2000:]
    return True


def test_a_dead_holder_is_named_with_exit_3_until_its_lease_expires_or_its_pid_is_gone(
    mock_factory: Any, db_url: str, tmp_path: Path
) -> None:
    mock = start_world(mock_factory, db_url, count=500, deal=False)
    env = env_for(db_url, mock.url)
    dead = spawn_collect(env, tmp_path, event="after_commit", nth=1, tag="dead")
    assert dead.wait() == SIGKILLED and dead.kill_point() == "after_commit #1: take lease"
    [(holder, pid, host)] = lease_holders(db_url)
    assert pid == dead.pid and holder.startswith(f"cli:{host}:{dead.pid}:")

    # Had it died on another machine, its pid would tell nothing here: the job is refused,
    # naming the holder, until the lease's TTL (60 s) runs out.
    move_lease(db_url, host="another-host")
    busy = run_cli("jobs", "run", "collect", env=env, cwd=tmp_path)
    assert busy.code == 3, busy.err
    assert busy.err.startswith(
        f"pollbot: error: job 'collect' is running elsewhere: held by {holder} "
        f"(pid {dead.pid} on another-host, until "
    )
    assert len(busy.err.strip().splitlines()) == 1
    assert read_store(db_url).runs[-1].status == "running"  # the refusal recorded nothing
    expire_leases(db_url)
    done = run_cli("jobs", "run", "collect", env=env, cwd=tmp_path)
    assert done.code == 0, done.err
    assert "took over from a holder that died (1 run closed)" in done.err

    # Dead on this machine: its pid is gone, so the next run takes over at once.
    mock.advance(STEP.total_seconds())
    again = spawn_collect(env, tmp_path, event="after_commit", nth=2, tag="again")
    assert again.wait() == SIGKILLED and again.kill_point() == "after_commit #2: pass end " + (
        OWN_POSTS_CURSOR
    )
    [(holder, _, _)] = lease_holders(db_url)
    done = run_cli("jobs", "run", "collect", env=env, cwd=tmp_path)
    assert done.code == 0, done.err
    assert f"the lease holder {holder} is dead; taking over" in done.err

    abandoned = ("failed", "abandoned: the process running it died")
    runs = [(r.status, r.error) for r in read_store(db_url).runs]
    assert runs == [abandoned, ("ok", None), abandoned, ("ok", None)]
    want = expected(mock.visible_posts())
    store = read_store(db_url)
    assert sorted(store.linked("account", "elonmusk")) == sorted(want.replies)
    assert sorted(store.linked("poll", POLL)) == sorted(want.conversation)


def test_the_rerun_after_a_crash_mid_pass_also_takes_what_arrived_meanwhile(
    mock_factory: Any, db_url: str, tmp_path: Path
) -> None:
    # a pass of several transactions
    mock = start_world(mock_factory, db_url, count=1800 * BATCH_PAGES)
    env = env_for(db_url, mock.url)
    phase = f"mid-pass page {CONVERSATION_CURSOR}"
    crashed = spawn_collect(env, tmp_path, event="after_commit", nth=1, phase=phase, tag="crash")
    assert crashed.wait() == SIGKILLED
    mock.advance(STEP.total_seconds())  # new replies arrive before the rerun
    rerun = spawn_collect(env, tmp_path, tag="rerun")
    assert rerun.wait() == 0 and "collect ok:" in rerun.out.read_text()
    want = expected(mock.visible_posts())
    store = read_store(db_url)
    assert sorted(store.linked("account", "elonmusk")) == sorted(want.replies)
    assert sorted(store.linked("poll", POLL)) == sorted(want.conversation)

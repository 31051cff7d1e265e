"""Collection under a faulty API: answers that fail (429 with and without a reset, 503, late,
truncated), rate-limit windows that run out mid-pass, and a large volume. Runs fail cleanly
and say why in one line; repeated runs converge to exactly the mock's replies, each once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.registry import get_job
from jobs.runner import Holder, RunOutcome, run_job
from jobs.subjects import Subject
from jobs.tracking import track
from storage.engine import Database
from storage.subjects import get_subject
from storage.usage import month_usage
from tests.support.crash import (
    CONVERSATION_CURSOR,
    OWN_POSTS_CURSOR,
    POLL,
    REPLIES_CURSOR,
    expected,
    prepare_db,
    read_store,
)
from tests.support.env import settings_for
from tests.support.scenarios import OPS_ALICE, generated_scenario, poll_scenario

X_ENDPOINTS = "user_by_username|user|user_tweets|search_recent|tweets_lookup"
# What a failed run says: the endpoint, and the status or failure that ended it.
FAILURE = re.compile(
    rf"X API ({X_ENDPOINTS}) ("
    r"rate-limited \(429\) until \S+Z \(\d+s away; the client waits at most \d+s\)"
    r"|still rate-limited \(429\) after \d+ attempts"
    r"|rate limit spent until \S+Z \(\d+s away; the client waits at most \d+s\)"
    r"|unavailable after \d+ attempts \(last: (HTTP 5\d\d [A-Za-z ]+|malformed JSON body.*)\))"
)


def collect(app: App) -> RunOutcome:
    ctx = app.job_context(trigger="cli")
    return run_job(get_job("collect"), ctx, holder=Holder.here("test"))


def fresh_run(db_url: str, mock: Any, **app_options: Any) -> RunOutcome:
    """One run as one ``pollbot jobs run collect`` process makes it: an App of its own."""
    app = App(settings_for(db_url, mock.url), **app_options)
    try:
        return collect(app)
    finally:
        app.close()


def on_scenario_clock(mock: Any) -> dict[str, Any]:
    """App options that make waiting and the passing of time those of the mock's clock: a
    wait for a rate-limit window moves the scenario forward instead of sleeping."""
    return {"sleep": mock.advance, "monotonic": lambda: mock.now().timestamp()}


def assert_exact(db_url: str, mock: Any, *, account: bool) -> None:
    want = expected(mock.visible_posts())
    store = read_store(db_url)
    conversation = store.linked("poll", POLL)
    assert sorted(conversation) == sorted(want.conversation)  # lists: a duplicate would show
    streams = [(CONVERSATION_CURSOR, want.conversation)]
    if account:
        assert sorted(store.linked("account", "elonmusk")) == sorted(want.replies)
        assert sorted(store.posts) == sorted(want.all_posts)
        streams += [(REPLIES_CURSOR, want.searched), (OWN_POSTS_CURSOR, want.own)]
    else:
        assert sorted(store.posts) == sorted(want.conversation)
    for name, ids in streams:
        state = store.cursor(name)
        assert (state.since_id, state.in_pass) == (max(ids, default=None), False), name


def assert_failures_recorded(db_url: str, outcomes: list[RunOutcome]) -> None:
    """Each run is in job_runs as it ended; a failed one with one line naming the endpoint
    and what failed."""
    runs = read_store(db_url).runs
    assert [(r.id, r.status, r.error) for r in runs] == [
        (o.run_id, o.status, o.error) for o in outcomes
    ]
    for run in runs:
        if run.status == "failed":
            assert run.error and "\n" not in run.error
            assert FAILURE.fullmatch(run.error), run.error


# -- faults on a fifth of the answers -------------------------------------------------------

RANDOM_FAULTS = [
    # 15%: a 429 telling its reset, a 503, an answer 0.2 s late, or a truncated body
    {
        "endpoint": "*",
        "probability": 0.15,
        "kinds": ["429", "503", "delay", "malformed"],
        "delay_s": 0.2,
        "seed": 1,
    },
    # and 5% more: a 429 without x-rate-limit-reset
    {"endpoint": "*", "probability": 0.06, "kinds": ["429"], "reset_header": False, "seed": 101},
]


def fault_after_searches(mock: Any, n: int, **fault: Any) -> Callable[..., None]:
    """A usage hook that adds ``fault`` to the mock's recent search once the ``n``th search
    is answered."""
    searches = 0

    def hook(endpoint: str, posts: int, *, platform: str = "x") -> None:
        nonlocal searches
        if endpoint == "search_recent":
            searches += 1
            if searches == n:
                mock.add_fault(endpoint="search_recent", **fault)

    return hook


def test_a_fifth_of_answers_failing_converges_to_the_exact_store(
    mock_factory: Any, db_url: str
) -> None:
    mock = mock_factory(generated_scenario(count=3000, hours=10))
    mock.set_clock(datetime(2022, 11, 19, 6, 0, tzinfo=UTC))
    prepare_db(db_url, account=True)
    for fault in RANDOM_FAULTS:
        mock.add_fault(**fault)
    waits: list[float] = []
    outcomes: list[RunOutcome] = []
    for _ in range(40):
        # Transient failures are retried after waits (recorded, not slept); a 429 whose
        # window resets minutes away ends the run, as the longest wait is 30 s.
        outcomes.append(fresh_run(db_url, mock, sleep=waits.append, max_rate_wait_s=30.0))
        if outcomes[-1].status == "ok":
            break
    statuses = [o.status for o in outcomes]
    assert statuses[-1] == "ok" and set(statuses[:-1]) == {"failed"}, outcomes
    assert len(statuses) >= 3  # the faults did end runs, and each next run went on
    assert_exact(db_url, mock, account=True)
    assert_failures_recorded(db_url, outcomes)

    stats = mock.stats()
    assert stats["rate_limited"] > 0 and waits and max(waits) <= 30.0
    # Every request and every post read was counted, failed runs included.
    db = Database(db_url)
    try:
        with db.read() as s:
            usage = month_usage(s, "2022-11")
    finally:
        db.dispose()
    assert usage.requests == sum(stats["requests"].values())
    assert usage.posts_read == stats["posts_read"]


PERSISTENT = {
    "503": (
        {"status": 503, "times": 5},
        r"X API search_recent unavailable after 5 attempts \(last: HTTP 503 Service Unavailable\)",
    ),
    "malformed": (
        {"malformed": True, "times": 5},
        r"X API search_recent unavailable after 5 attempts "
        r"\(last: malformed JSON body \(HTTP 200\)\)",
    ),
    "429 without reset": (
        {"status": 429, "times": 5, "reset_header": False},
        r"X API search_recent still rate-limited \(429\) after 5 attempts",
    ),
    "429 with reset": (
        {"status": 429, "times": 1},
        r"X API search_recent rate-limited \(429\) until 2022-11-19T11:15:00Z "
        r"\(901s away; the client waits at most 30s\)",
    ),
}


@pytest.mark.parametrize("kind", list(PERSISTENT))
def test_a_failure_outlasting_the_retries_mid_pass_fails_the_run_and_the_next_resumes(
    mock_factory: Any, db_url: str, kind: str
) -> None:
    fault, message = PERSISTENT[kind]
    mock = mock_factory(generated_scenario(count=1000, hours=10))
    mock.set_clock(datetime(2022, 11, 19, 11, 0, tzinfo=UTC))  # all 1000 replies visible
    prepare_db(db_url, account=False, poll=True)
    # The third page answered is stored; the next request fails.
    after_third_page = fault_after_searches(mock, 3, **fault)
    failed = fresh_run(
        db_url,
        mock,
        usage_hooks=[after_third_page],
        max_rate_wait_s=30.0,
        **on_scenario_clock(mock),
    )
    assert failed.status == "failed" and re.fullmatch(message, failed.error or ""), failed
    assert_failures_recorded(db_url, [failed])
    store = read_store(db_url)
    assert len(store.linked("poll", POLL)) == 300  # the three pages before the failure, kept
    assert failed.items == 300  # and the failed run says so
    state = store.cursor(CONVERSATION_CURSOR)
    assert state.since_id is None and state.in_pass

    mock.advance(timedelta(minutes=16).total_seconds())  # past any window the 429 reported
    assert fresh_run(db_url, mock, **on_scenario_clock(mock)).status == "ok"
    assert_exact(db_url, mock, account=False)


# -- a rate-limit window that runs out in the middle of a pass ------------------------------


def test_a_spent_window_stops_the_run_mid_pass_and_the_next_window_resumes_it(
    mock_factory: Any, db_url: str
) -> None:
    limits: dict[str, object] = {"search_recent": {"limit": 3, "window_s": 900}}
    mock = mock_factory(generated_scenario(count=1200, hours=2, rate_limits=limits))
    mock.set_clock(datetime(2022, 11, 19, 1, 45, tzinfo=UTC))  # replies still arriving
    prepare_db(db_url, account=False, poll=True)
    # One App across runs, as the daemon keeps one client per job: it remembers the window.
    app = App(settings_for(db_url, mock.url), max_rate_wait_s=60.0, **on_scenario_clock(mock))

    def searches() -> int:
        return int(mock.stats()["requests"].get("search_recent", 0))

    first = collect(app)
    assert (first.status, first.error) == (
        "failed",
        "X API search_recent rate limit spent until 2022-11-19T02:00:00Z "
        "(901s away; the client waits at most 60s)",
    )
    assert searches() == 3
    store = read_store(db_url)
    assert len(store.linked("poll", POLL)) == 300
    state = store.cursor(CONVERSATION_CURSOR)
    assert state.since_id is None and state.in_pass  # mid-pass, resumable
    at_first_stop = expected(mock.visible_posts()).conversation

    outcomes = [first]
    for _ in range(20):
        mock.advance(901)  # the window resets; the next run's requests are paced to it
        before = searches()
        outcomes.append(collect(app))
        assert searches() - before <= 3
        visible = expected(mock.visible_posts()).conversation
        if outcomes[-1].status == "ok" and len(read_store(db_url).linked("poll", POLL)) == len(
            visible
        ):
            break
    app.close()
    assert outcomes[-1].status == "ok"
    # Replies kept arriving while the pass was paused; they were taken too.
    assert len(expected(mock.visible_posts()).conversation) > len(at_first_stop)
    assert_exact(db_url, mock, account=False)
    assert_failures_recorded(db_url, outcomes)
    assert all("rate limit spent" in (o.error or "") for o in outcomes if o.status == "failed")
    assert mock.stats()["rate_limited"] == 0  # paced by the headers: never a 429


# -- volume -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_hundred_thousand_replies_are_stored_exactly(mock_factory: Any, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'pollbot.db'}"
    mock = mock_factory(generated_scenario(count=100_000, hours=24))
    mock.set_clock(datetime(2022, 11, 20, 2, 0, tzinfo=UTC))  # all visible
    prepare_db(db_url, account=False, poll=True)
    # 1,000 pages need three 450-request windows: the client waits them out on the clock.
    app = App(settings_for(db_url, mock.url), max_rate_wait_s=3600.0, **on_scenario_clock(mock))
    try:
        outcome = collect(app)
    finally:
        app.close()
    assert (outcome.status, outcome.items) == ("ok", 100_000), outcome
    assert_exact(db_url, mock, account=False)
    stats = mock.stats()
    assert stats["requests"]["search_recent"] == 1000
    assert stats["rate_limited"] == 0


# -- fair under rate limits -------------------------------------------------------------------


def test_more_subjects_than_a_window_allows_are_each_collected_within_their_share_of_windows(
    mock_factory: Any, db_url: str
) -> None:
    """Five accounts and a poll, and two searches a window: each run is stopped by the spent
    window after two subjects, and the next run takes up where it stopped, so every subject
    is collected within ceil(6 / 2) = 3 windows (the first ones are not read again and again
    while the others wait for ever)."""
    users = [{"id": str(2001 + i), "username": f"voice{i}", "name": f"Voice {i}"} for i in range(5)]
    posts = []
    for i, user in enumerate(users):
        said = str(1593770000000000001 + 10 * i)
        posts += [
            {"id": said, "author_id": user["id"], "created_at": "2022-11-19T00:50:00.000Z",
             "text": f"Voice {i} speaks", "lang": "en"},
            {"id": str(int(said) + 1), "author_id": "1101",
             "created_at": "2022-11-19T01:00:00.000Z", "text": f"@voice{i} well said",
             "lang": "en", "in_reply_to": said},
        ]  # fmt: skip
    limits: dict[str, object] = {"search_recent": {"limit": 2, "window_s": 900}}
    mock = mock_factory(
        poll_scenario(20, users=[OPS_ALICE, *users], posts=posts, rate_limits=limits, hours=1)
    )
    mock.set_clock(datetime(2022, 11, 19, 2, 0, tzinfo=UTC))
    prepare_db(db_url, account=False, poll=True)
    app = App(settings_for(db_url, mock.url), max_rate_wait_s=60.0, **on_scenario_clock(mock))
    db = Database(db_url)
    try:
        for user in users:
            track(db, Subject("account", user["username"]), now=app.wall(), platform=app.platform())
        for _ in range(3):
            collect(app)
            mock.advance(901)  # the next window
        store = read_store(db_url)
        for user in users:
            assert len(store.linked("account", user["username"])) == 1, user["username"]
        assert len(store.linked("poll", POLL)) == 20
    finally:
        db.dispose()
        app.close()


def test_an_account_is_not_complete_while_its_polls_conversations_are_not(
    mock_factory: Any, db_url: str
) -> None:
    # The account's search leaves the poll's conversation to the poll's own search, which
    # links the replies to him there. When that search fails after the account's pass, the
    # account must not claim to be complete: a summary would miss those replies.
    mock = mock_factory(generated_scenario(count=600, hours=4))
    mock.set_clock(datetime(2022, 11, 19, 6, 0, tzinfo=UTC))
    prepare_db(db_url, account=True, poll=True)
    # The account's one page of replies is answered; the poll's search then fails.
    fail_the_polls_search = fault_after_searches(mock, 1, status=503, times=100)
    failed = fresh_run(db_url, mock, usage_hooks=[fail_the_polls_search], max_rate_wait_s=1.0)
    assert failed.status == "failed"
    account, poll = _account_and_poll(db_url)
    assert account.collected_at is not None  # its pass went through
    assert account.collected_through is None and poll.collected_through is None

    mock.add_fault(clear=True)
    assert fresh_run(db_url, mock).status == "ok"
    account, poll = _account_and_poll(db_url)
    assert account.collected_through is not None and poll.collected_through is not None
    assert account.collected_through <= poll.collected_through


def _account_and_poll(db_url: str) -> tuple[Subject, Subject]:
    db = Database(db_url)
    try:
        with db.read() as s:
            account = get_subject(s, "account", "elonmusk")
            poll = get_subject(s, "poll", POLL)
    finally:
        db.dispose()
    assert account is not None and poll is not None
    return account, poll

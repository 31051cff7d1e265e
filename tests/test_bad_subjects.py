"""One bad subject stops nothing else: an account that does not exist (a typo, suspended,
deleted) is recorded and skipped while the rest is collected, and is refused at ``track``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.app import App
from bot.platforms.x.ids import snowflake_at
from jobs.runner import RunOutcome
from jobs.subjects import Subject
from jobs.tracking import subject_json, track, tracked
from storage.cursors import CursorState, save_cursor
from storage.posts import count_posts
from tests.support.cli import run_cli
from tests.support.crash import read_store
from tests.support.env import env_for, settings_for
from tests.support.jobs import run_now
from tests.support.mock import mock_control, mock_stats, post_as, replies_to

POLL = "1593767953706921985"
ELON = "44196397"
AFTER_THE_DAY = datetime(2022, 11, 20, 1, 0, tzinfo=UTC)


def collect(app: App) -> RunOutcome:
    return run_now(app, "collect")


def by_key(app: App) -> dict[str, dict[str, object]]:
    return {s.key: subject_json(s) for s in tracked(app.db())}


@pytest.fixture
def setup(
    nov2022: Callable[[datetime], tuple[Any, Callable[..., App]]],
) -> tuple[Any, Callable[..., App]]:
    return nov2022(AFTER_THE_DAY)


def test_an_account_that_does_not_exist_is_skipped_and_the_rest_collected(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    # The typo comes first: it used to fail the run before anything else was read.
    track(app.db(), Subject("account", "elonmusk_typo"), now=app.wall())
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    track(app.db(), Subject("poll", POLL), now=app.wall())
    outcome = collect(app)
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.startswith("1 of 3 subjects failed: @elonmusk_typo: ")
    with app.db().read() as s:
        assert count_posts(s) > 0
    subjects = by_key(app)
    assert subjects["elonmusk_typo"]["failure"] is not None
    assert subjects["elonmusk_typo"]["failed_at"] is not None
    assert subjects["elonmusk"]["failure"] is None and subjects[POLL]["failure"] is None
    # ``status`` names it too.
    env = env_for(app.settings.database_url, mock.url)
    status = json.loads(run_cli("status", "--json", env=env).out)
    failing = [s for s in status["subjects"] if s["failure"]]
    assert [s["key"] for s in failing] == ["elonmusk_typo"]
    assert "@elonmusk_typo FAILING: " in run_cli("status", env=env).out


def test_a_subject_that_fails_once_is_collected_again_and_its_failure_forgotten(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    track(app.db(), Subject("poll", POLL), now=app.wall())
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    # The platform refuses one search (a 400 is not retried): one subject fails this run.
    mock_control(mock.url, "faults", {"endpoint": "search_recent", "status": 400, "times": 1})
    first = collect(app)
    assert first.status == "failed" and first.error is not None
    assert first.error.startswith("1 of 2 subjects failed: @elonmusk: ")  # accounts go first
    assert sum(1 for s in by_key(app).values() if s["failure"]) == 1
    second = collect(app)
    assert second.status == "ok", second.error
    assert all(s["failure"] is None for s in by_key(app).values())


def test_track_refuses_an_account_that_does_not_exist(
    setup: tuple[Any, Callable[..., App]], tmp_path: Path
) -> None:
    mock, make = setup
    app = make()
    env = env_for(app.settings.database_url, mock.url)
    assert json.loads(run_cli("track", "list", "--json", env=env).out) == []
    refused = run_cli("track", "account", "no_such_user", env=env)
    assert refused.code == 2
    assert refused.err.strip().splitlines() == [
        "pollbot: error: no such account: @no_such_user (the platform knows no such user)"
    ]
    assert json.loads(run_cli("track", "list", "--json", env=env).out) == []
    ok = run_cli("track", "account", "elonmusk", env=env)
    assert ok.code == 0 and ok.out == "tracking @elonmusk\n"
    [listed] = json.loads(run_cli("track", "list", "--json", env=env).out)
    assert listed["display"] == "@elonmusk"  # looked up once, at track time


def test_track_by_mention_refuses_an_account_that_does_not_exist(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make(operators=("ops_alice",))
    asked = post_as(mock.url, "1101", "@pollbot track @no_such_user")
    run_now(app, "commands", trigger="schedule")
    [reply] = replies_to(mock.url, asked)
    assert reply["text"].startswith("no such account: no_such_user")
    assert tracked(app.db()) == []


def test_a_cursor_older_than_the_search_window_does_not_wedge_its_subject(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    track(app.db(), Subject("account", "elonmusk"), now=app.wall(), platform=app.platform())
    day_one = snowflake_at(datetime(2022, 11, 19, 1, 0, tzinfo=UTC))
    with app.db().write() as s:  # where a quiet account's cursor stood before a week away
        save_cursor(s, CursorState(f"account:{ELON}:replies", since_id=day_one), now=app.wall())
    mock.set_clock(datetime(2022, 11, 26, 12, 0, tzinfo=UTC))
    # A week later X refuses such an id outright (the mock as X does)...
    old = requests.get(
        f"{mock.url}/2/tweets/search/recent",
        params={"query": "to:elonmusk", "since_id": str(day_one)},
        headers={"Authorization": "Bearer t"},
        timeout=10,
    )
    assert old.status_code == 400 and "since_id" in old.json()["errors"][0]["message"]
    # ...so collection reads from the start of the window instead.
    outcome = collect(make())
    assert outcome.status == "ok", outcome.error
    assert by_key(app)["elonmusk"]["failure"] is None


def _world(*, renamed: bool) -> dict[str, object]:
    """@elonmusk (44196397) with a post and a reply to it; once ``renamed``, he is
    @elon_renamed with a second reply, and an impostor has taken @elonmusk, replies and all."""

    def post(post_id: int, author: str, minute: int, text: str, to: int | None = None) -> dict:
        doc = {"id": str(post_id), "author_id": author, "text": text, "lang": "en",
               "created_at": f"2022-11-19T01:{minute:02d}:00.000Z"}  # fmt: skip
        return doc | ({"in_reply_to": str(to)} if to else {})

    base = 1593770000000000000
    users = [{"id": "1101", "username": "ops_alice", "name": "Alice"}]
    posts = [post(base + 1, ELON, 0, "Hello"), post(base + 2, "1101", 5, "@elonmusk hi", base + 1)]
    if renamed:
        users += [{"id": ELON, "username": "elon_renamed", "name": "Elon"},
                  {"id": "7777", "username": "elonmusk", "name": "Not Elon"}]  # fmt: skip
        posts += [post(base + 3, "7777", 10, "I am the real one"),
                  post(base + 4, "1101", 15, "@elonmusk who are you", base + 3),
                  post(base + 5, "1101", 20, "@elon_renamed nice new name", base + 1)]  # fmt: skip
    else:
        users += [{"id": ELON, "username": "elonmusk", "name": "Elon"}]
    return {"name": "rename", "start": "2022-11-19T00:00:00.000Z",
            "bot": {"id": "9000", "username": "pollbot"}, "users": users, "posts": posts}  # fmt: skip


def test_a_renamed_account_is_still_followed_and_its_old_name_is_not(
    db_url: str, mock_factory: Any, make_app: Callable[..., App]
) -> None:
    before = mock_factory(_world(renamed=False))
    before.set_clock(datetime(2022, 11, 19, 1, 30, tzinfo=UTC))
    app = make_app(settings_for(db_url, before.url), sleep=lambda s: None)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall(), platform=app.platform())
    assert collect(app).status == "ok"
    # A day later he has renamed himself, and someone else has taken his old name.
    after = mock_factory(_world(renamed=True))
    after.set_clock(datetime(2022, 11, 20, 2, 0, tzinfo=UTC))
    later = make_app(settings_for(db_url, after.url), sleep=lambda s: None)
    assert collect(later).status == "ok"
    store = read_store(db_url)
    assert sorted(store.linked("account", "elonmusk")) == [1593770000000000002, 1593770000000000005]
    [listed] = tracked(later.db())
    assert listed.renamed and listed.display == "@elon_renamed"
    env = env_for(db_url, after.url)
    assert "account  @elonmusk (now @elon_renamed)" in run_cli("track", "list", env=env).out
    assert json.loads(run_cli("track", "list", "--json", env=env).out)[0]["renamed"] is True


def test_a_failed_lookup_of_names_costs_no_collection(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    track(app.db(), Subject("account", "elonmusk"), now=app.wall(), platform=app.platform())
    mock.set_clock(AFTER_THE_DAY + timedelta(days=1, minutes=1))  # the names are due again
    mock_control(mock.url, "faults", {"endpoint": "users", "status": 400, "times": 1})
    outcome = collect(make())  # a new process: its platform clock reads the day that passed
    assert outcome.status == "ok", outcome.error
    assert outcome.items > 0
    assert by_key(app)["elonmusk"]["failure"] is None
    assert mock_stats(mock.url)["requests"].get("users", 0) == 1  # the lookup was made

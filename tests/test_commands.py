"""Operators by mention: obeyed by user id, answered once; everyone else gets nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.app import App
from bot.registry import get_job
from jobs.runner import Holder, RunOutcome, run_job
from jobs.subjects import Subject
from jobs.summary.textlen import weighted_length
from jobs.tracking import track, tracked
from storage.models import MentionRow, Operator
from tests.support.env import settings_for
from tests.support.mock import mock_stats

ALICE, BOB, LOOKALIKE, STRANGER = "1101", "1102", "1591234567890123457", "1426179959910895147"


def mention(mock: Any, author: str, text: str) -> str:
    resp = requests.post(
        f"{mock.url}/2/tweets",
        json={"text": text},
        headers={"Authorization": f'OAuth oauth_token="{author}-token"'},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["data"]["id"])


def replies_to(mock: Any, post_id: str) -> list[dict[str, Any]]:
    posts = requests.get(f"{mock.url}/_mock/posts", timeout=10).json()
    return [p for p in posts if p["in_reply_to"] == post_id]


def run(app: App) -> RunOutcome:
    return run_job(
        get_job("commands"), app.job_context(trigger="schedule"), holder=Holder.here("t")
    )


@pytest.fixture
def setup(
    db_url: str, mock_factory: Any, make_app: Callable[..., App]
) -> tuple[Any, Callable[..., App]]:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 19, 12, 0, tzinfo=UTC))

    def make(**overrides: Any) -> App:
        overrides.setdefault("operators", ("ops_alice",))
        return make_app(settings_for(db_url, mock.url, **overrides), sleep=lambda s: None)

    return mock, make


def test_operator_mention_runs_and_is_answered_once(setup: tuple[Any, Callable[..., App]]) -> None:
    mock, make = setup
    app = make()
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    asked = mention(mock, ALICE, "@pollbot status")
    assert run(app).items == 1
    [reply] = replies_to(mock, asked)
    assert reply["author_id"] == "9000"
    assert reply["text"].startswith("Following 1 accounts and 0 polls")
    assert weighted_length(reply["text"]) <= 280
    assert run(app).items == 0  # handled once, across runs
    assert make().db() and run(make()).items == 0  # and across restarts
    assert len(replies_to(mock, asked)) == 1


def test_track_and_untrack_by_mention(setup: tuple[Any, Callable[..., App]]) -> None:
    mock, make = setup
    app = make()
    tracked_id = mention(mock, ALICE, "@pollbot track @elonmusk")
    run(app)
    assert replies_to(mock, tracked_id)[0]["text"] == "Now tracking @elonmusk."
    poll_id = mention(
        mock, ALICE, "@pollbot track poll https://x.com/elonmusk/status/1593767953706921985"
    )
    run(app)
    assert replies_to(mock, poll_id)[0]["text"] == "Now tracking poll 1593767953706921985."
    assert {(t.kind, t.key) for t in tracked(app.db())} == {
        ("account", "elonmusk"),
        ("poll", "1593767953706921985"),
    }
    gone = mention(mock, ALICE, "@pollbot untrack @elonmusk")
    run(app)
    assert replies_to(mock, gone)[0]["text"] == "No longer tracking @elonmusk."


def test_unknown_command_gets_help_and_junk_is_handled(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    unknown = mention(mock, ALICE, "@pollbot launch the rockets")
    junk = mention(mock, ALICE, "@pollbot track \u202e\x00 poll notanumber")
    run(app)
    assert replies_to(mock, unknown)[0]["text"].startswith("Unknown command. Commands: help;")
    answer = replies_to(mock, junk)[0]["text"]
    assert "track poll <url>" in answer and weighted_length(answer) <= 280
    # The second identical answer was refused as a duplicate and sent naming its mention;
    # what is stored is what went out.
    with app.db().read() as s:
        stored = {str(m.post_id): m.reply_text for m in s.scalars(select(MentionRow))}
    assert stored == {unknown: replies_to(mock, unknown)[0]["text"], junk: answer}


def test_non_operators_and_lookalikes_get_nothing(setup: tuple[Any, Callable[..., App]]) -> None:
    mock, make = setup
    app = make()
    ids = [
        mention(mock, STRANGER, "@pollbot track @nytimes"),
        mention(mock, LOOKALIKE, "@pollbot untrack @elonmusk"),  # @ops_aIice, not @ops_alice
        mention(mock, BOB, "@pollbot collect"),  # a real operator elsewhere, not configured here
        mention(mock, STRANGER, "@pollbot help"),
    ]
    assert run(app).items == 0
    assert all(replies_to(mock, i) == [] for i in ids)
    assert tracked(app.db()) == []
    with app.db().read() as s:
        assert set(s.scalars(select(MentionRow.state))) == {"ignored"}


def test_operator_is_matched_by_the_id_resolved_once(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    mention(mock, ALICE, "@pollbot help")
    run(app)
    with app.db().read() as s:
        assert [(o.username, str(o.user_id)) for o in s.scalars(select(Operator))] == [
            ("ops_alice", ALICE)
        ]
    lookups = mock_stats(mock.url)["requests"].get("user_by_username", 0)
    # Later runs, even in a new process, trust the stored id: no second lookup.
    mention(mock, ALICE, "@pollbot status")
    assert run(make()).items == 1
    assert mock_stats(mock.url)["requests"].get("user_by_username", 0) == lookups
    # If the name now belonged to someone else, the stored id would still decide: a post by
    # the look-alike is ignored even when the configuration names it by its look-alike name.
    with app.db().write() as s:
        s.add(Operator(username="ops_aiice", user_id=int(ALICE), resolved_at=app.wall()))
    lookalike = make(operators=("ops_aiice",))
    asked = mention(mock, LOOKALIKE, "@pollbot status")
    assert run(lookalike).items == 0
    assert replies_to(mock, asked) == []

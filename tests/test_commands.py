"""Operators by mention: obeyed by user id, answered once; everyone else gets nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from jobs.runner import RunOutcome
from jobs.subjects import Subject
from jobs.summary.textlen import weighted_length
from jobs.tracking import track, tracked
from storage.models import MentionRow, Operator
from tests.support.jobs import run_now
from tests.support.mock import mock_stats, post_as, replies_to

ALICE, BOB, LOOKALIKE, STRANGER = "1101", "1102", "1591234567890123457", "1426179959910895147"


def run(app: App) -> RunOutcome:
    return run_now(app, "commands", trigger="schedule")


@pytest.fixture
def setup(
    nov2022: Callable[[datetime], tuple[Any, Callable[..., App]]],
) -> tuple[Any, Callable[..., App]]:
    return nov2022(datetime(2022, 11, 19, 12, 0, tzinfo=UTC))


def test_operator_mention_runs_and_is_answered_once(setup: tuple[Any, Callable[..., App]]) -> None:
    mock, make = setup
    app = make()
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    asked = post_as(mock.url, ALICE, "@pollbot status")
    assert run(app).items == 1
    [reply] = replies_to(mock.url, asked)
    assert reply["author_id"] == "9000"
    assert reply["text"].startswith("Following 1 accounts and 0 polls")
    assert weighted_length(reply["text"]) <= 280
    assert run(app).items == 0  # handled once, across runs
    assert make().db() and run(make()).items == 0  # and across restarts
    assert len(replies_to(mock.url, asked)) == 1


def test_track_and_untrack_by_mention(setup: tuple[Any, Callable[..., App]]) -> None:
    mock, make = setup
    app = make()
    tracked_id = post_as(mock.url, ALICE, "@pollbot track @elonmusk")
    run(app)
    assert replies_to(mock.url, tracked_id)[0]["text"] == "Now tracking elonmusk."
    poll_id = post_as(
        mock.url, ALICE, "@pollbot track poll https://x.com/elonmusk/status/1593767953706921985"
    )
    run(app)
    assert replies_to(mock.url, poll_id)[0]["text"] == "Now tracking poll 1593767953706921985."
    assert {(t.kind, t.key) for t in tracked(app.db())} == {
        ("account", "elonmusk"),
        ("poll", "1593767953706921985"),
    }
    gone = post_as(mock.url, ALICE, "@pollbot untrack @elonmusk")
    run(app)
    assert replies_to(mock.url, gone)[0]["text"] == "No longer tracking elonmusk."


def test_unknown_command_gets_help_and_junk_is_handled(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    unknown = post_as(mock.url, ALICE, "@pollbot launch the rockets")
    junk = post_as(mock.url, ALICE, "@pollbot track \u202e\x00 poll notanumber")
    run(app)
    assert replies_to(mock.url, unknown)[0]["text"].startswith("Unknown command. Commands: help;")
    answer = replies_to(mock.url, junk)[0]["text"]
    assert "track poll <url>" in answer and weighted_length(answer) <= 280
    # The second identical answer was refused as a duplicate and sent naming its mention;
    # what is stored is what went out.
    with app.db().read() as s:
        stored = {str(m.post_id): m.reply_text for m in s.scalars(select(MentionRow))}
    assert stored == {unknown: replies_to(mock.url, unknown)[0]["text"], junk: answer}


def test_non_operators_and_lookalikes_get_nothing(setup: tuple[Any, Callable[..., App]]) -> None:
    mock, make = setup
    app = make()
    ids = [
        post_as(mock.url, STRANGER, "@pollbot track @nytimes"),
        post_as(mock.url, LOOKALIKE, "@pollbot untrack @elonmusk"),  # @ops_aIice, not @ops_alice
        post_as(
            mock.url, BOB, "@pollbot collect"
        ),  # a real operator elsewhere, not configured here
        post_as(mock.url, STRANGER, "@pollbot help"),
    ]
    assert run(app).items == 0
    assert all(replies_to(mock.url, i) == [] for i in ids)
    assert tracked(app.db()) == []
    with app.db().read() as s:
        assert set(s.scalars(select(MentionRow.state))) == {"ignored"}


def test_operator_is_matched_by_the_id_resolved_once(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    post_as(mock.url, ALICE, "@pollbot help")
    run(app)
    with app.db().read() as s:
        assert [(o.username, str(o.user_id)) for o in s.scalars(select(Operator))] == [
            ("ops_alice", ALICE)
        ]
    lookups = mock_stats(mock.url)["requests"].get("user_by_username", 0)
    # Later runs, even in a new process, trust the stored id: no second lookup.
    post_as(mock.url, ALICE, "@pollbot status")
    assert run(make()).items == 1
    assert mock_stats(mock.url)["requests"].get("user_by_username", 0) == lookups
    # If the name now belonged to someone else, the stored id would still decide: a post by
    # the look-alike is ignored even when the configuration names it by its look-alike name.
    with app.db().write() as s:
        s.add(Operator(username="ops_aiice", user_id=int(ALICE), resolved_at=app.wall()))
    lookalike = make(operators=("ops_aiice",))
    asked = post_as(mock.url, LOOKALIKE, "@pollbot status")
    assert run(lookalike).items == 0
    assert replies_to(mock.url, asked) == []

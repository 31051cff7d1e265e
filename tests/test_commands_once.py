"""Operators' mentions answered once and cheaply: what answering costs in reads, a reply that
went out just before a crash, a new store that must not replay old commands, a dry run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import App
from jobs.runner import RunOutcome
from jobs.subjects import Subject
from jobs.tracking import track
from storage.models import MentionRow
from tests.support.jobs import run_now
from tests.support.mock import mock_stats, post_as, replies_to

ALICE = "1101"
BOT = "9000"
NOON = datetime(2022, 11, 19, 12, 0, tzinfo=UTC)
POLL = "1593767953706921985"


def run(app: App) -> RunOutcome:
    return run_now(app, "commands", trigger="schedule")


def states(app: App) -> dict[str, str]:
    with app.db().read() as s:
        return {str(m.post_id): m.state for m in s.scalars(select(MentionRow))}


@pytest.fixture
def setup(
    nov2022: Callable[[datetime], tuple[Any, Callable[..., App]]],
) -> tuple[Any, Callable[..., App]]:
    return nov2022(NOON)


def test_answering_n_mentions_reads_each_once_and_none_of_the_bots_own_posts(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    n = 60
    asked = [post_as(mock.url, ALICE, f"@pollbot status {i}") for i in range(n)]
    before = mock_stats(mock.url)
    assert run(app).items == n
    after = mock_stats(mock.url)
    assert all(len(replies_to(mock.url, a)) == 1 for a in asked)
    # The n mentions are read once each; answering reads nothing more (no look at the bot's
    # own timeline: nothing was attempted before this run).
    assert after["posts_read"] - before["posts_read"] == n
    assert after["requests"].get("user_tweets", 0) == before["requests"].get("user_tweets", 0)


def test_a_reply_that_went_out_before_a_crash_is_recorded_not_repeated(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    asked = post_as(mock.url, ALICE, "@pollbot help")
    quiet = post_as(mock.url, ALICE, "@pollbot status")
    # The state a crash between posting and recording leaves: the mentions stored, a reply
    # to the first attempted and sent, the process gone before recording its id.
    with app.db().write() as s:
        s.add(MentionRow(post_id=asked, author_id=ALICE, text="@pollbot help",
                         created_at=NOON, state="pending", attempted_at=NOON))  # fmt: skip
    sent = post_as(mock.url, BOT, "Commands: help; status", reply_to=asked)
    assert run(make()).items == 2
    assert [r["id"] for r in replies_to(mock.url, asked)] == [sent]  # not answered twice
    assert len(replies_to(mock.url, quiet)) == 1
    with app.db().read() as s:
        row = s.get(MentionRow, ("x", asked))
        assert row is not None and (row.state, str(row.reply_id)) == ("replied", sent)


def test_a_new_store_does_not_answer_old_mentions(setup: tuple[Any, Callable[..., App]]) -> None:
    mock, make = setup
    old = post_as(mock.url, ALICE, "@pollbot untrack @elonmusk")
    mock.set_clock(NOON + timedelta(hours=3))
    new = post_as(mock.url, ALICE, "@pollbot help")
    app = make()
    assert run(app).items == 1
    assert replies_to(mock.url, old) == []
    assert len(replies_to(mock.url, new)) == 1
    assert states(app) == {old: "expired", new: "replied"}
    # Past the first read, a mention is answered whatever its age when it is read.
    later = post_as(mock.url, ALICE, "@pollbot help again")
    mock.set_clock(NOON + timedelta(hours=6))
    assert run(app).items == 1
    assert len(replies_to(mock.url, later)) == 1


def test_a_dry_run_answers_no_mention(setup: tuple[Any, Callable[..., App]]) -> None:
    mock, make = setup
    app = make(dry_run=True)
    asked = post_as(mock.url, ALICE, "@pollbot help")
    assert run(app).items == 1
    assert replies_to(mock.url, asked) == []
    with app.db().read() as s:
        row = s.get(MentionRow, ("x", asked))
        assert row is not None and row.state == "dry_run"
        assert row.reply_text is not None and row.reply_text.startswith("Commands: help")
    # Leaving the dry run does not answer it later either.
    with app.db().write() as s:
        s.execute(update(MentionRow).values(handled_at=NOON))
    assert run(make()).items == 0
    assert replies_to(mock.url, asked) == []


def test_an_operator_that_does_not_exist_is_looked_up_at_most_hourly(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make(operators=("ops_alice", "ops_ghost"))

    def lookups_after_a_mention(minutes: int) -> int:
        mock.set_clock(NOON + timedelta(minutes=minutes))
        post_as(mock.url, ALICE, f"@pollbot help {minutes}")
        run(app)
        return int(mock_stats(mock.url)["requests"].get("user_by_username", 0))

    assert lookups_after_a_mention(0) == 2  # @ops_alice found, @ops_ghost not
    assert lookups_after_a_mention(10) == 2
    assert lookups_after_a_mention(59) == 2
    assert lookups_after_a_mention(61) == 3  # the ghost again, an hour on
    assert lookups_after_a_mention(70) == 3


def test_summary_with_no_subject_answers_for_every_subject(
    setup: tuple[Any, Callable[..., App]],
) -> None:
    mock, make = setup
    app = make()
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    track(app.db(), Subject("poll", POLL), now=app.wall())
    asked = post_as(mock.url, ALICE, "@pollbot summary")
    run(app)
    [reply] = replies_to(mock.url, asked)
    lines = reply["text"].split("\n")
    assert len(lines) == 2
    assert lines[0].startswith(("Replies to @elonmusk", "No replies to @elonmusk", "No new"))
    assert lines[1].startswith(f"Poll {POLL}")  # not looked up yet: named by its id

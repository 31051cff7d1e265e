"""Collection against the mock X API over HTTP, through tweepy: exactly the scenario's
replies, stored once, with the fewest requests."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.registry import get_job
from jobs.runner import Holder, RunOutcome, run_job
from jobs.subjects import Subject
from jobs.tracking import track
from storage.models import PostRow, SubjectPost, SubjectRow
from tests.support.env import settings_for
from tests.support.mock import mock_stats
from tests.support.scenarios import generated_scenario

POLL = "1593767953706921985"
ELON = "44196397"


def collect(app: App, job: str = "collect", subject: str | None = None) -> RunOutcome:
    ctx = app.job_context(trigger="cli", subject=subject)
    return run_job(get_job(job), ctx, holder=Holder.here("test"))


def expected_replies(visible: list[dict[str, Any]], *, account: str, polls: set[str]) -> set[int]:
    """What collection must store: replies addressed to the account, and every post of the
    tracked polls' conversations (nested replies included), the roots excluded."""
    authors = {p["id"]: p["author_id"] for p in visible}
    out = set()
    for p in visible:
        parent = p.get("in_reply_to")
        if parent is None:
            continue
        if authors.get(parent) == account or p.get("conversation_id") in polls:
            out.add(int(p["id"]))
    return out


def stored(app: App) -> list[int]:
    with app.db().read() as s:
        return list(
            s.scalars(select(PostRow.id).join(SubjectPost, SubjectPost.post_id == PostRow.id))
        )


@pytest.fixture
def app_for(db_url: str, make_app: Callable[..., App]) -> Callable[..., App]:
    def make(mock: Any, **overrides: Any) -> App:
        return make_app(settings_for(db_url, mock.url, **overrides), sleep=lambda s: None)

    return make


def test_builtin_day_is_collected_exactly(mock_factory: Any, app_for: Callable[..., App]) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 20, 1, 0, tzinfo=UTC))
    app = app_for(mock)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    outcome = collect(app)
    assert outcome.status == "ok", outcome.error
    want = expected_replies(mock.visible_posts(), account=ELON, polls={POLL})
    assert set(stored(app)) == want
    # Long posts are stored whole (X cuts ``text`` at 280; the client asks for note_tweet).
    texts = {int(p["id"]): p["text"] for p in mock.visible_posts()}
    with app.db().read() as s:
        for post_id, text in s.execute(select(PostRow.id, PostRow.text)):
            assert text == texts[post_id]
        assert max(len(t) for t in s.scalars(select(PostRow.text))) > 1000
    with app.db().read() as s:
        assert s.scalar(select(SubjectRow.kind).where(SubjectRow.key == POLL)) == "poll"  # adopted
        non_english = s.scalars(select(PostRow).where(PostRow.lang != "en")).all()
        assert non_english and all(p.compound is None and p.label is None for p in non_english)


def test_generated_replies_then_idle_then_new(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    mock = mock_factory(generated_scenario(count=3000, hours=10))
    mock.set_clock(datetime(2022, 11, 19, 6, 0, tzinfo=UTC))
    app = app_for(mock)
    track(app.db(), Subject("poll", POLL), now=app.wall())

    before = mock_stats(mock.url)["requests"]
    assert collect(app).status == "ok"
    first = set(stored(app))
    assert first == expected_replies(mock.visible_posts(), account="-", polls={POLL})
    after = mock_stats(mock.url)["requests"]
    searches = after.get("search_recent", 0) - before.get("search_recent", 0)
    assert searches == math.ceil(len(first) / 100)

    # Right after: only the idle request (one per open poll), nothing stored.
    idle = collect(app)
    assert idle.items == 0
    again = mock_stats(mock.url)["requests"]
    assert again.get("search_recent", 0) - after.get("search_recent", 0) == 1
    assert sum(again.values()) - sum(after.values()) == 1

    # Later: exactly the new ones, in ceil(new/100) requests.
    mock.advance(timedelta(hours=3).total_seconds())
    new_visible = expected_replies(mock.visible_posts(), account="-", polls={POLL}) - first
    assert new_visible
    outcome = collect(app)
    assert outcome.items == len(new_visible)
    assert set(stored(app)) == first | new_visible
    final = mock_stats(mock.url)["requests"]
    assert final["search_recent"] - again["search_recent"] == math.ceil(len(new_visible) / 100)


def test_account_streams_cost_two_requests_when_idle(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 19, 0, 20, tzinfo=UTC))  # before anything is posted
    app = app_for(mock)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    assert collect(app).items == 0  # resolves the user once, reads both streams
    before = mock_stats(mock.url)["requests"]
    assert collect(app).items == 0
    after = mock_stats(mock.url)["requests"]
    assert sum(after.values()) - sum(before.values()) == 2
    assert after["user_tweets"] - before["user_tweets"] == 1
    assert after["search_recent"] - before["search_recent"] == 1


def capped_poll(mock_factory: Any, app_for: Callable[..., App]) -> tuple[Any, App]:
    """A poll with 2,000 replies on 30 November, and an App whose cap is 450 reads."""
    start = datetime(2022, 11, 30, 0, 0, tzinfo=UTC)
    mock = mock_factory(generated_scenario(count=2000, hours=2, start=start))
    mock.set_clock(datetime(2022, 11, 30, 6, 0, tzinfo=UTC))
    app = app_for(mock, monthly_post_reads=450)
    track(app.db(), Subject("poll", POLL), now=app.wall())
    return mock, app


def test_read_cap_applies_to_the_polls_job_too(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    mock, app = capped_poll(mock_factory, app_for)
    assert collect(app).status == "skipped"  # the cap, reached by collection
    lookups = mock_stats(mock.url)["requests"].get("tweets_lookup", 0)
    outcome = collect(app, "polls")
    assert outcome.status == "skipped"
    assert outcome.error and "monthly read cap reached" in outcome.error
    assert mock_stats(mock.url)["requests"].get("tweets_lookup", 0) == lookups  # nothing read


def test_read_cap_stops_collection_and_says_why(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    mock, app = capped_poll(mock_factory, app_for)
    outcome = collect(app)
    assert outcome.status == "skipped"
    assert outcome.error and "monthly read cap reached" in outcome.error
    reads = mock_stats(mock.url)["posts_read"]
    assert 450 <= reads < 450 + 100  # at most one page over
    # Everything read was kept: the replies, and the poll's own post (one lookup).
    assert len(stored(app)) == reads - 1
    report = __import__("jobs.status", fromlist=["gather_status"]).gather_status(
        app.db(), now=app.wall(), cap=450
    )
    assert report.api_usage["posts_read"] == reads
    assert any(e["kind"] == "budget" for e in report.events)
    # Still November: nothing more is read.
    mock.set_clock(datetime(2022, 11, 30, 23, 0, tzinfo=UTC))
    assert collect(app).status == "skipped"
    assert mock_stats(mock.url)["posts_read"] == reads
    # The next month, collection resumes where it stopped, with no gap.
    mock.set_clock(datetime(2022, 12, 1, 0, 5, tzinfo=UTC))
    assert collect(app).status == "skipped"  # the cap again, 450 more
    app2 = app_for(mock, monthly_post_reads=100_000)
    assert collect(app2).status == "ok"
    assert set(stored(app)) == expected_replies(mock.visible_posts(), account="-", polls={POLL})

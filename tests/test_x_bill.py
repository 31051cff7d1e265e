"""X's pay-per-use bill (April 2026 table): what the mock charges, what the bot estimates
(``status --json``), the spend cap that stops reading, and reads that are no longer made twice."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, select

from bot.app import App
from jobs.subjects import Subject
from jobs.tracking import track
from storage.models import PostRow, SubjectPost, SubjectRow
from tests.support.cli import run_cli
from tests.support.env import env_for
from tests.support.jobs import run_now
from tests.support.mock import mock_posts, mock_stats, post_as

POLL = "1593767953706921985"
ELON = "44196397"
ALICE = "1101"  # ops_alice, an operator
BOT = {"Authorization": 'OAuth oauth_token="9000-token"'}
APP = {"Authorization": "Bearer app"}
START = datetime(2022, 11, 19, tzinfo=UTC)


def _usd(url: str) -> float:
    return float(mock_stats(url)["usd"])


def test_the_mock_bills_the_april_2026_table(mock_factory: Callable[..., Any]) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(START + timedelta(hours=12))
    url = mock.url
    search = {"query": f"conversation_id:{POLL} is:reply", "max_results": "10"}
    page = requests.get(f"{url}/2/tweets/search/recent", params=search, headers=APP, timeout=10)
    assert len(page.json()["data"]) == 10 and _usd(url) == 0.05  # 10 posts at $0.005
    requests.get(f"{url}/2/tweets/search/recent", params=search, headers=APP, timeout=10)
    assert _usd(url) == 0.05  # the same posts again the same UTC day: billed once
    requests.get(f"{url}/2/users/by?usernames=elonmusk,ops_alice", headers=APP, timeout=10)
    assert _usd(url) == 0.07  # two users at $0.010

    mention = post_as(url, ALICE, "@pollbot status")  # a person posting: not the app's bill
    assert _usd(url) == 0.07
    own = requests.get(f"{url}/2/users/9000/mentions", headers=BOT, timeout=10)
    assert [p["id"] for p in own.json()["data"]] == [mention]
    assert _usd(url) == 0.071  # an owned read: $0.001

    def create(text: str, reply_to: str | None = None) -> str:
        body: dict[str, Any] = {"text": text}
        if reply_to:
            body["reply"] = {"in_reply_to_tweet_id": reply_to}
        made = requests.post(f"{url}/2/tweets", json=body, headers=BOT, timeout=10)
        assert made.status_code == 201, made.text
        return str(made.json()["data"]["id"])

    create("Following 1 accounts", reply_to=mention)
    assert _usd(url) == 0.081  # a reply where summoned: $0.010
    top = create("A summary, part one")
    create("and part two", reply_to=top)
    assert _usd(url) == 0.111  # two posts at $0.015, the second a thread
    create("read it at https://example.com/report")
    assert _usd(url) == 0.311  # a post holding a URL: $0.20

    mock.set_clock(START + timedelta(days=1, hours=1))
    requests.get(f"{url}/2/users/by?usernames=elonmusk", headers=APP, timeout=10)
    assert _usd(url) == 0.321  # a new UTC day: read again, billed again


def _day_of_jobs(mock: Any, app: App) -> list[str]:
    """A whole scenario day, 00:00 to 23:45 UTC: every 15 minutes collect, polls, commands and
    summarize, as the daemon schedules them; the operator asks three things on the way."""
    asked = []
    questions = {
        8: "@pollbot status",
        40: "@pollbot summary @elonmusk",
        70: "@pollbot summary",
    }
    for step in range(96):
        mock.set_clock(START + timedelta(minutes=15 * step))
        if step in questions:
            asked.append(post_as(mock.url, ALICE, questions[step]))
        for job in ("collect", "polls", "commands", "summarize"):
            outcome = run_now(app, job, trigger="schedule")
            assert outcome.status in ("ok", "skipped"), (job, outcome)
    return asked


def test_a_whole_day_is_estimated_as_the_mock_bills_it(
    nov2022: Callable[[datetime], tuple[Any, Callable[..., App]]], db_url: str
) -> None:
    mock, make = nov2022(START)
    app = make(summary_cron="0 */6 * * *", monthly_budget_usd=50.0)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    asked = _day_of_jobs(mock, app)

    made = [p for p in mock_posts(mock.url) if p["author_id"] == "9000"]
    answers = [p for p in made if p["in_reply_to"] in asked]
    assert len(answers) >= 3  # every question answered, within the reply rule
    summaries = [p for p in made if p["in_reply_to"] is None]
    assert len(summaries) >= 6  # the account and its poll, every six hours
    stats = mock_stats(mock.url)
    # no reply was refused: every request to post made a post (the bot's, or a question)
    assert stats["requests"]["create_tweet"] == len(made) + len(asked)

    status = run_cli(
        "status", "--json", env=env_for(db_url, mock.url, POLLBOT_MONTHLY_BUDGET_USD="50")
    )
    assert status.code == 0, status.err
    usage = json.loads(status.out)["api_usage"]
    billed = stats["usd"]
    print(f"day of nov-2022: estimate ${usage['estimated_usd']:.3f}, mock bill ${billed:.3f}")
    assert billed > 1.0
    assert abs(usage["estimated_usd"] - billed) <= 0.01 * billed
    assert usage["budget_usd"] == 50.0
    assert usage["posts_read"] == stats["posts_read"]


def test_the_budget_stops_reading_and_status_shows_spend_against_it(
    nov2022: Callable[[datetime], tuple[Any, Callable[..., App]]], db_url: str
) -> None:
    mock, make = nov2022(START + timedelta(hours=12))
    app = make(monthly_budget_usd=0.5)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    first = run_now(app, "collect")
    assert first.status in ("ok", "skipped")
    read = mock_stats(mock.url)["posts_read"]
    assert read > 100  # reads went on up to the budget ($0.50 is 100 posts)
    stopped = run_now(app, "collect")
    assert stopped.status == "skipped"
    assert "monthly budget reached" in (stopped.error or "")
    assert mock_stats(mock.url)["posts_read"] == read  # nothing more read
    status = run_cli(
        "status", "--json", env=env_for(db_url, mock.url, POLLBOT_MONTHLY_BUDGET_USD="0.5")
    )
    usage = json.loads(status.out)["api_usage"]
    assert usage["budget_usd"] == 0.5 and usage["estimated_usd"] >= 0.5
    text = run_cli("status", env=env_for(db_url, mock.url, POLLBOT_MONTHLY_BUDGET_USD="0.5"))
    assert "of the $0.50 budget" in text.out


def test_an_account_and_its_poll_read_the_polls_replies_once(
    nov2022: Callable[[datetime], tuple[Any, Callable[..., App]]],
) -> None:
    mock, make = nov2022(START + timedelta(hours=6))
    app = make()
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    assert run_now(app, "collect").status == "ok"  # the account, then the poll it posted
    with app.db().read() as s:
        stored = s.scalar(select(func.count()).select_from(PostRow))
        to_elon = s.scalar(
            select(func.count())
            .select_from(PostRow)
            .where(PostRow.in_reply_to_user_id == int(ELON))
        )
        account = s.scalar(select(SubjectRow.id).where(SubjectRow.kind == "account"))
        linked = s.scalar(
            select(func.count()).select_from(SubjectPost).where(SubjectPost.subject_id == account)
        )
    # every post read once: as many read as stored (before, the poll's direct replies were
    # read by the account's search and again by the poll's)
    assert mock_stats(mock.url)["posts_read"] == stored
    # and the account still has every reply addressed to it, the poll's direct replies included
    assert linked == to_elon > 30

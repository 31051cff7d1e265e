"""X's reply rule for self-serve apps (since February 2026), in the mock and in the bot: a reply
only where the poster was summoned (mentioned, or its post quoted) or to its own post."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from bot.app import App
from jobs.errors import PlatformRejected
from tests.support.mock import mock_posts, post_as

POLL = "1593767953706921985"  # by elonmusk; it mentions nobody
ALICE = "1101"
BOT = {"Authorization": 'OAuth oauth_token="9000-token"'}
NOT_SUMMONED = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)


def _post(url: str, text: str, reply_to: str | None = None) -> requests.Response:
    body: dict[str, Any] = {"text": text}
    if reply_to is not None:
        body["reply"] = {"in_reply_to_tweet_id": reply_to}
    return requests.post(f"{url}/2/tweets", json=body, headers=BOT, timeout=10)


def test_a_reply_where_the_bot_was_not_summoned_is_refused_with_xs_403(
    mock_factory: Callable[..., Any],
) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 19, 12, tzinfo=UTC))
    refused = _post(mock.url, "Yes 51.8% so far", reply_to=POLL)
    assert refused.status_code == 403
    assert refused.json() == {
        "title": "Forbidden",
        "detail": NOT_SUMMONED,
        "type": "about:blank",
        "status": 403,
    }
    assert mock_posts(mock.url) == []  # nothing posted, nothing billed
    assert requests.get(f"{mock.url}/_mock/stats", timeout=10).json()["usd"] == 0


def test_a_thread_and_an_answer_to_a_mention_are_created(
    mock_factory: Callable[..., Any],
) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 19, 12, tzinfo=UTC))
    first = _post(mock.url, "Summary, part 1")
    assert first.status_code == 201
    second = _post(mock.url, "Summary, part 2", reply_to=first.json()["data"]["id"])
    assert second.status_code == 201  # a thread: a reply to its own post
    mention = post_as(mock.url, ALICE, "@pollbot status")
    answer = _post(mock.url, "Following 1 accounts", reply_to=mention)
    assert answer.status_code == 201  # summoned
    # people (any user but the app's bot) reply wherever they like, as in X's own apps
    post_as(mock.url, ALICE, "@elonmusk no", reply_to=POLL)
    replies = {p["text"]: p["in_reply_to"] for p in mock_posts(mock.url)}
    assert replies["Summary, part 2"] == first.json()["data"]["id"]
    assert replies["Following 1 accounts"] == mention


def test_the_bot_meets_the_refusal_as_a_rejection_naming_the_rule(
    nov2022: Callable[[datetime], tuple[Any, Callable[..., App]]],
) -> None:
    mock, make = nov2022(datetime(2022, 11, 19, 12, tzinfo=UTC))
    platform = make().platform()
    with pytest.raises(PlatformRejected, match="not been mentioned"):
        platform.create_post("Yes 51.8% so far", in_reply_to=POLL)
    top = platform.create_post("A summary")
    assert platform.create_post("its second part", in_reply_to=top)
    assert [p["text"] for p in mock_posts(mock.url)] == ["A summary", "its second part"]


def test_the_bot_posts_no_links(
    nov2022: Callable[[datetime], tuple[Any, Callable[..., App]]],
) -> None:
    """X bills a post holding a URL at $0.20: what the bot posts goes out without them."""
    mock, make = nov2022(datetime(2022, 11, 19, 12, tzinfo=UTC))
    platform = make().platform()
    platform.create_post("Poll 'see https://example.com/a and example.org': Yes 51.8%")
    [made] = mock_posts(mock.url)
    assert made["text"] == "Poll 'see (link) and (link)': Yes 51.8%"
    assert requests.get(f"{mock.url}/_mock/stats", timeout=10).json()["usd"] == 0.015

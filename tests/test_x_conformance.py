"""Conformance: the official X SDK (``xdk``, generated from X's OpenAPI spec) against the mock,
over HTTP, for every endpoint the bot uses (and the users-by-name lookup other clients use).

Each answer is validated by the SDK itself with its own pydantic models (it raises on a body
that does not fit), then checked strictly where X's spec marks a field required: the SDK's
models are lenient there (most fields optional), X's documentation is not. tweepy's paths are
those of every other test, unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from twitter_text import parse_tweet
from xdk import Client
from xdk.oauth1_auth import OAuth1
from xdk.posts.models import CreateRequest
from xdk.schemas import InvalidRequestProblem

from tests.support.mock import post_as

POLL = "1593767953706921985"
ELON = "44196397"
BOT = "9000"
POST_FIELDS = [
    "attachments", "author_id", "conversation_id", "created_at", "edit_controls", "entities",
    "in_reply_to_user_id", "lang", "note_tweet", "public_metrics", "referenced_tweets",
    "reply_settings",
]  # fmt: skip
USER_FIELDS = [
    "created_at", "description", "profile_image_url", "protected", "public_metrics", "verified",
]  # fmt: skip

# What X's spec requires of each object (the SDK's own names added where its spec renamed one).
POST_REQUIRED = {"id", "text", "edit_history_tweet_ids"}
POST_METRICS = {
    "retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count",
    "impression_count", "repost_count",
}  # fmt: skip
USER_REQUIRED = {"id", "name", "username"}
USER_METRICS = {"followers_count", "following_count", "tweet_count", "listed_count", "post_count"}
EDIT_CONTROLS = {"editable_until", "edits_remaining", "is_edit_eligible"}
ENTITY_REQUIRED = {
    "mentions": {"start", "end", "username"},
    "urls": {"start", "end", "url"},
    "hashtags": {"start", "end", "tag"},
}
POLL_REQUIRED = {"id", "options"}
POLL_OPTION = {"position", "label", "votes"}


class Checks:
    """Counts what was checked, to say how much conformance was shown."""

    def __init__(self) -> None:
        self.answers = 0
        self.objects = 0

    def has(self, obj: dict[str, Any], required: set[str], what: str) -> None:
        missing = required - obj.keys()
        assert not missing, f"{what} lacks {sorted(missing)}: {obj}"
        self.objects += 1

    def post(self, post: dict[str, Any], *, asked: bool = True) -> None:
        self.has(post, POST_REQUIRED, "post")
        if not asked:
            return
        text = post["text"]
        self.has(post, {"author_id", "conversation_id", "created_at", "lang"}, "post")
        self.has(post["public_metrics"], POST_METRICS, "public_metrics")
        self.has(post["edit_controls"], EDIT_CONTROLS, "edit_controls")
        assert post["reply_settings"] == "everyone"
        for kind, items in post.get("entities", {}).items():
            for item in items:
                self.has(item, ENTITY_REQUIRED[kind], f"entities.{kind}")
                shown = text[item["start"] : item["end"]]
                expected = {"mentions": "@" + item.get("username", ""), "hashtags": "#"}
                assert shown.startswith(expected.get(kind, "")), (kind, item, shown)
                if kind == "urls":
                    assert shown == item["url"]

    def user(self, user: dict[str, Any], *, asked: bool = True) -> None:
        self.has(user, USER_REQUIRED, "user")
        if asked:
            self.has(user, set(USER_FIELDS), "user")
            self.has(user["public_metrics"], USER_METRICS, "user public_metrics")

    def answer(self, model: Any) -> dict[str, Any]:
        """The SDK validated it on the way in; its dump, for the strict checks."""
        self.answers += 1
        body: dict[str, Any] = model.model_dump(exclude_none=True, by_alias=True)
        return body


def first(pages: Iterable[Any]) -> Any:
    for page in pages:
        return page
    raise AssertionError("no page")


@pytest.fixture
def mock(mock_factory: Callable[..., Any]) -> Iterator[Any]:
    server = mock_factory("builtin:nov-2022")
    server.set_clock(datetime(2022, 11, 19, 23, 50, tzinfo=UTC))  # the whole day visible
    yield server


def _clients(url: str) -> tuple[Client, Client]:
    app = Client(base_url=url, bearer_token="conformance-bearer")
    user = Client(
        base_url=url,
        auth=OAuth1(
            api_key="key",
            api_secret="secret",
            callback="oob",
            access_token=f"{BOT}-conformance",
            access_token_secret="token-secret",
        ),
    )
    return app, user


def test_xdk_validates_every_answer_the_bot_relies_on(mock: Any) -> None:
    app, user = _clients(mock.url)
    check = Checks()
    mention = post_as(mock.url, "1101", "@pollbot status #pollbot https://example.com/x")
    tweets: dict[str, Any] = {"post_fields": POST_FIELDS}
    polls: dict[str, Any] = {
        "expansions": ["attachments.poll_ids", "author_id"],
        "poll_fields": ["duration_minutes", "end_datetime", "voting_status"],
        "user_fields": USER_FIELDS,
    }

    # users: by name, by names, by id, by ids, the authenticated one
    got = check.answer(app.users.get_by_username("elonmusk", user_fields=USER_FIELDS))
    check.user(got["data"])
    got = check.answer(app.users.get_by_usernames(["elonmusk", "ops_alice"]))
    assert [u["username"] for u in got["data"]] == ["elonmusk", "ops_alice"]
    for found in got["data"]:
        check.user(found, asked=False)
    got = check.answer(app.users.get_by_id(ELON, user_fields=USER_FIELDS))
    check.user(got["data"])
    got = check.answer(app.users.get_by_ids([ELON, "1101", "42"], user_fields=USER_FIELDS))
    for found in got["data"]:
        check.user(found)
    assert [e["type"] for e in got["errors"]] == ["https://api.x.com/2/problems/resource-not-found"]
    got = check.answer(user.users.get_me(user_fields=USER_FIELDS))
    assert got["data"]["id"] == BOT
    check.user(got["data"])

    # timelines, mentions, recent search: the first page each
    got = check.answer(first(app.users.get_posts(ELON, max_results=5, **tweets, **polls)))
    for post in got["data"]:
        check.post(post)
    for poll in got["includes"]["polls"]:
        check.has(poll, POLL_REQUIRED, "poll")
        for option in poll["options"]:
            check.has(option, POLL_OPTION, "poll option")
    got = check.answer(first(user.users.get_mentions(BOT, max_results=5, **tweets)))
    [seen] = got["data"]
    check.post(seen)
    assert {k: len(v) for k, v in seen["entities"].items()} == {
        "mentions": 1,
        "hashtags": 1,
        "urls": 1,
    }
    query = f"conversation_id:{POLL} is:reply"
    got = check.answer(first(app.posts.search_recent(query, max_results=100, **tweets)))
    assert len(got["data"]) == 100 and got["meta"]["next_token"]
    for post in got["data"]:
        check.post(post)

    # lookups, one and many
    got = check.answer(app.posts.get_by_ids([POLL, "1"], **tweets, **polls))
    check.post(got["data"][0])
    assert got["includes"]["polls"][0]["voting_status"] == "open"
    assert got["errors"][0]["type"] == "https://api.x.com/2/problems/resource-not-found"
    got = check.answer(app.posts.get_by_id(mention, **tweets))
    check.post(got["data"])
    mock.set_clock(datetime(2022, 11, 20, 2, 0, tzinfo=UTC))  # the long replies come late
    long = next(p for p in mock.visible_posts() if parse_tweet(p["text"]).weightedLength > 280)
    got = check.answer(app.posts.get_by_id(long["id"], **tweets))
    check.post(got["data"])
    assert got["data"]["note_tweet"]["text"] == long["text"]  # the whole of a long post
    assert got["data"]["text"].endswith("…") and long["text"].startswith(got["data"]["text"][:-1])

    # posting: an answer to the mention (summoned), and a thread
    made = check.answer(
        user.posts.create(
            CreateRequest(text="Following 1 accounts", reply={"in_reply_to_tweet_id": mention})
        )
    )
    check.has(made["data"], {"id", "text"}, "created post")
    check.answer(
        user.posts.create(
            CreateRequest(text="and more", reply={"in_reply_to_tweet_id": made["data"]["id"]})
        )
    )
    print(f"xdk conformance: {check.answers} answers validated, {check.objects} objects checked")
    assert check.answers == 13 and check.objects > 300


def test_error_bodies_carry_todays_problem_types(mock: Any) -> None:
    """The SDK hands error answers over as HTTP errors; their bodies fit its problem models."""
    app, user = _clients(mock.url)
    with pytest.raises(requests.HTTPError) as bad:
        first(app.posts.search_recent(f"conversation_id:{POLL}", max_results=5))
    assert bad.value.response.status_code == 400  # max_results below 10
    problem = InvalidRequestProblem.model_validate(bad.value.response.json())
    assert problem.type == "https://api.x.com/2/problems/invalid-request"
    with pytest.raises(requests.HTTPError) as refused:
        user.posts.create(CreateRequest(text="Yes!", reply={"in_reply_to_tweet_id": POLL}))
    assert refused.value.response.status_code == 403  # the reply rule: not summoned

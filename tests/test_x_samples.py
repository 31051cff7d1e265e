"""Recorded X API bodies (real and documented) through ``bot.platforms.x.parse``.

The samples live in /work/shared/data/x-api-samples (see its README): tweepy's cassettes,
recorded against the real API with default fields, and python-twitter's documented bodies
with expansions, metrics and a poll.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.x import parse
from bot.platforms.x.pacing import window_from_headers
from tests.support.paths import SHARED_DATA
from tests.support.scenarios import (
    ACCOUNT_ID,
    BOT_ID,
    POLL_CLOSES,
    POLL_POST_ID,
    POLL_POSTED,
    poll_scenario,
)

SAMPLES = Path(os.environ.get("POLLBOT_X_SAMPLES", str(SHARED_DATA / "x-api-samples")))
CASSETTES = SAMPLES / "tweepy-cassettes"
DOCUMENTED = SAMPLES / "python-twitter-testdata"

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="x-api-samples not available")


def cassette(name: str) -> list[dict[str, Any]]:
    return json.loads((CASSETTES / f"test_client_{name}.json").read_text(encoding="utf-8"))


def recorded_body(name: str, index: int = 0) -> dict[str, Any]:
    body = cassette(name)[index]["response"]["json"]
    assert isinstance(body, dict)
    return body


def documented(name: str) -> dict[str, Any]:
    body = json.loads((DOCUMENTED / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(body, dict)
    return body


# -- tweepy cassettes: the real API, default fields --------------------------------------


def test_me_and_user_lookup_give_users() -> None:
    me = parse.parse_single_user(recorded_body("get_me"))
    assert me is not None
    assert (me.id, me.username, me.name) == ("1072250532645998596", "TweepyDev", "Tweepy Testing")
    user = parse.parse_single_user(recorded_body("get_user"))
    assert user is not None
    assert (user.id, user.username) == ("783214", "Twitter")


def test_single_tweet_without_created_at_dates_from_its_snowflake_id() -> None:
    [post] = parse.parse_posts(recorded_body("get_tweet"))
    assert post.id == "1293593516040269825"
    assert post.text.startswith("It’s finally here!")
    # Asked with default fields: no created_at; the id itself dates it (the v2 launch day).
    assert post.created_at.tzinfo is not None
    assert post.created_at.date().isoformat() == "2020-08-12"
    assert post.author_id == ""
    assert post.lang is None and post.poll_id is None and post.metrics == {}


def test_tweets_lookup_keeps_order() -> None:
    posts = parse.parse_posts(recorded_body("get_tweets"))
    assert [p.id for p in posts] == ["1293593516040269825", "1293595870563381249"]


@pytest.mark.parametrize("name", ["get_users_mentions", "get_users_tweets", "search_recent_tweets"])
def test_timeline_answers_become_pages(name: str) -> None:
    body = recorded_body(name)
    page = parse.parse_page(body)
    meta = body["meta"]
    assert len(page.posts) == meta["result_count"] == len(body["data"])
    assert page.newest_id == meta["newest_id"] == page.posts[0].id
    assert page.oldest_id == meta["oldest_id"] == page.posts[-1].id
    assert page.next_token == meta["next_token"]
    # X answers newest first; ids (snowflakes) and the dates they encode agree.
    assert [int(p.id) for p in page.posts] == sorted((int(p.id) for p in page.posts), reverse=True)
    assert [p.created_at for p in page.posts] == sorted(
        (p.created_at for p in page.posts), reverse=True
    )
    assert page.polls == () and page.users == ()


def test_created_post_id_from_the_201_answer() -> None:
    interaction = cassette("create_and_delete_tweet")[0]
    assert interaction["response"]["status"] == 201
    assert parse.created_post_id(interaction["response"]["json"]) == "1456012973835788293"


def test_recorded_rate_limit_headers_read_as_a_window() -> None:
    headers = {
        k: v[0] for k, v in cassette("search_recent_tweets")[0]["response"]["headers"].items()
    }
    window = window_from_headers(headers)
    assert window is not None
    assert (window.limit, window.remaining, window.reset_epoch) == (450, 448, 1665183229)
    assert not window.exhausted
    assert window_from_headers({"content-type": "application/json"}) is None


# -- python-twitter testdata: documented bodies with fields and expansions --------------


def test_search_with_fields_and_user_expansion() -> None:
    page = parse.parse_page(documented("apis__searches__search_tweets_query"))
    assert [p.id for p in page.posts] == [
        "1276035977375477760",
        "1275882613572583424",
        "1275763727908798470",
        "1275653067283759104",
    ]
    first = page.posts[0]
    assert first.author_id == "63046977"
    assert first.created_at == datetime(2020, 6, 25, 6, 14, 19, tzinfo=UTC)
    assert first.in_reply_to_user_id == "17200003"
    assert first.replied_to_id == "1275653067283759104"
    assert first.lang == "en"
    assert first.poll_id is None  # media attachments are not polls
    assert page.posts[2].lang == "und"
    assert {u.username for u in page.users} == {"happycamper", "snowman", "jellybeanjones"}
    assert (page.newest_id, page.oldest_id, page.next_token) == (
        "1276035977375477760",
        "1275653067283759104",
        None,
    )


@pytest.mark.parametrize(
    ("name", "first_metrics"),
    [
        (
            "apis__timeline__timeline_mentions",
            {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        ),
        (
            "apis__timeline__timeline_tweets",
            {"retweet_count": 10, "reply_count": 2, "like_count": 37, "quote_count": 1},
        ),
    ],
)
def test_public_metrics_are_kept(name: str, first_metrics: dict[str, int]) -> None:
    page = parse.parse_page(documented(name))
    assert len(page.posts) == 5
    assert page.posts[0].metrics == first_metrics
    assert page.next_token is not None and page.next_token.startswith("7140dibdnow9c7btw3w3")
    assert all(p.created_at.tzinfo is not None for p in page.posts)


def test_tweets_with_author_expansion() -> None:
    body = documented("apis__tweet__tweets_resp")
    posts = parse.parse_posts(body)
    assert [(p.id, p.author_id) for p in posts] == [
        ("1261326399320715264", "2244994945"),
        ("1278347468690915330", "783214"),
    ]
    assert posts[1].created_at == datetime(2020, 7, 1, 15, 19, 21, tzinfo=UTC)
    assert parse.count_posts(body) == 2


def test_documented_poll_object() -> None:
    poll = parse.parse_poll(documented("models__poll"), post_id="1199786642468413448")
    assert [(o.position, o.label, o.votes) for o in poll.options] == [
        (1, "“C Sharp”", 795),
        (2, "“C Hashtag”", 156),
    ]
    assert poll.total_votes == 951
    assert poll.closed
    assert poll.duration_minutes == 1440
    assert poll.end_datetime == datetime(2019, 11, 28, 20, 26, 41, tzinfo=UTC)


def test_poll_expansion_is_mapped_back_to_its_post() -> None:
    poll = documented("models__poll")
    body = {
        "data": [
            {
                "id": "1199786642791452673",
                "text": "C#",
                "attachments": {"poll_ids": [poll["id"]]},
                "edit_history_tweet_ids": ["1199786642791452673"],
            },
            {"id": "1199786642791452674", "text": "no poll here"},
        ],
        "includes": {"polls": [poll]},
    }
    page = parse.parse_page(body)
    assert page.posts[0].poll_id == poll["id"]
    [found] = page.polls
    assert (found.id, found.post_id, found.total_votes) == (poll["id"], "1199786642791452673", 951)


# -- shapes the README documents but the recordings lack --------------------------------


def test_empty_page_has_no_data_key() -> None:
    page = parse.parse_page({"meta": {"result_count": 0}})
    assert page.posts == () and page.next_token is None and page.newest_id is None


def test_partial_errors_beside_data_are_tolerated() -> None:
    body = {
        "data": [{"id": "1293593516040269825", "text": "still here"}],
        "errors": [
            {
                "resource_id": "1",
                "title": "Not Found Error",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
                "detail": "Could not find tweet with ids: [1].",
            }
        ],
    }
    assert [p.id for p in parse.parse_posts(body)] == ["1293593516040269825"]


def test_user_lookup_with_errors_and_no_data_is_no_user() -> None:
    body = {
        "errors": [
            {
                "value": "nobody_here_123",
                "detail": "Could not find user with username: [nobody_here_123].",
                "title": "Not Found Error",
                "resource_type": "user",
                "parameter": "username",
                "resource_id": "nobody_here_123",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }
    assert parse.parse_single_user(body) is None
    assert "Could not find user" in parse.problem_text(body)


def test_entries_without_id_are_skipped_not_fatal() -> None:
    posts = parse.parse_posts({"data": [{"text": "no id"}, {"id": "5", "text": "ok"}]})
    assert [p.id for p in posts] == ["5"]


def test_problem_text_of_the_429_body() -> None:
    body = {
        "title": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
        "detail": "Too Many Requests",
    }
    assert parse.problem_text(body) == "Too Many Requests"


# -- the mock X API answers the same calls with the same shapes -------------------------

ROOT = POLL_POST_ID
OWNER = ACCOUNT_ID
BOT = BOT_ID


def _shape_scenario() -> dict[str, Any]:
    return poll_scenario(
        300,
        name="shapes",
        start=datetime(2022, 11, 20, 12, 0, tzinfo=UTC),
        posted=POLL_POSTED,
        lang=None,
        votes=[{"at": "2022-11-19T06:00:00.000Z", "counts": [4100000, 3900000]}],
        seed=3,
        until=POLL_CLOSES,
    )


@pytest.fixture(scope="module")
def mock_client() -> Iterator[Any]:
    """A bare tweepy.Client on the mock through our transport: the raw answers, unparsed."""
    import requests
    import tweepy

    from bot.mock_api import MockServer, parse_scenario
    from bot.platforms.x.transport import XTransport, equip

    with MockServer(parse_scenario(_shape_scenario()), speed=0) as mock:
        client = tweepy.Client(
            bearer_token="shape-test-bearer",
            consumer_key="shape-test-key",
            consumer_secret="shape-test-secret",
            access_token=f"{BOT}-shape-test-token",
            access_token_secret="shape-test-token-secret",
            return_type=requests.Response,
        )
        equip(client.session, XTransport(base_url=mock.url, timeout=(5, 30)), lambda r, **k: r)
        yield client


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def assert_same_shape(recorded: object, mocked: object, path: str = "$") -> None:
    """Same keys at every level and the same JSON types (lists compared item by item)."""
    assert _kind(recorded) == _kind(mocked), f"{path}: {_kind(recorded)} vs {_kind(mocked)}"
    if isinstance(recorded, dict):
        assert isinstance(mocked, dict)
        assert set(recorded) == set(mocked), f"{path}: keys {sorted(recorded)} vs {sorted(mocked)}"
        for key in recorded:
            assert_same_shape(recorded[key], mocked[key], f"{path}.{key}")
    elif isinstance(recorded, list) and recorded:
        assert isinstance(mocked, list) and mocked, f"{path}: empty list"
        for item in mocked:
            assert_same_shape(recorded[0], item, f"{path}[]")


def assert_types_agree(documented: object, mocked: object, path: str = "$") -> None:
    """Where both bodies hold a key, the JSON types agree (the documented bodies ask for other
    fields than we do, so only the common ones are compared)."""
    assert _kind(documented) == _kind(mocked), f"{path}: {_kind(documented)} vs {_kind(mocked)}"
    if isinstance(documented, dict):
        assert isinstance(mocked, dict)
        for key in set(documented) & set(mocked):
            assert_types_agree(documented[key], mocked[key], f"{path}.{key}")
    elif isinstance(documented, list) and documented:
        assert isinstance(mocked, list)
        for item in mocked:
            assert_types_agree(documented[0], item, f"{path}[]")


def _recorded(name: str, index: int = 0) -> tuple[int, dict[str, str], dict[str, Any]]:
    response = cassette(name)[index]["response"]
    headers = {k.lower(): v[0] for k, v in response["headers"].items()}
    return response["status"], headers, response["json"]


CALLS: list[tuple[str, Any]] = [
    ("get_me", lambda c: c.get_me(user_auth=True)),
    ("get_user", lambda c: c.get_user(username="elonmusk")),
    ("get_tweet", lambda c: c.get_tweet(ROOT)),
    ("get_tweets", lambda c: c.get_tweets([ROOT, ROOT[:-1] + "0"])),
    ("get_users_tweets", lambda c: c.get_users_tweets(OWNER)),
    ("get_users_mentions", lambda c: c.get_users_mentions(OWNER)),
    ("search_recent_tweets", lambda c: c.search_recent_tweets(f"conversation_id:{ROOT}")),
    ("create_and_delete_tweet", lambda c: c.create_tweet(text="Test Tweet")),
]


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[n for n, _ in CALLS])
def test_mock_answers_like_the_recording(mock_client: Any, name: str, call: Any) -> None:
    status, headers, body = _recorded(name)
    answer = call(mock_client)
    assert answer.status_code == status
    mocked = answer.json()
    if name == "get_tweets":
        # The recording looked up two existing posts; our second id does not exist, which
        # X answers with a partial error beside data (its shape is checked below).
        assert [e["resource_id"] for e in mocked.pop("errors")] == [ROOT[:-1] + "0"]
        body = {"data": body["data"][:1]}
    if name == "get_users_tweets":
        # The owner has one post: no further page, so no next_token.
        body = {**body, "meta": {k: v for k, v in body["meta"].items() if k != "next_token"}}
    assert_same_shape(body, mocked)
    for header in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        assert header in headers and answer.headers[header].isdigit()
    assert answer.headers["content-type"] == headers["content-type"]
    assert answer.headers.get("date")


def test_mock_partial_error_shape_matches_the_documented_one(mock_client: Any) -> None:
    mocked = mock_client.get_tweets([ROOT[:-1] + "0"]).json()
    assert "data" not in mocked
    [error] = mocked["errors"]
    assert {"resource_id", "title", "type", "detail"} <= set(error)
    assert error["title"] == "Not Found Error"
    assert error["type"].endswith("/problems/resource-not-found")


def test_mock_fields_and_poll_agree_with_the_documented_bodies(mock_client: Any) -> None:
    from bot.platforms.x.client import POLL_EXPANSION, POLL_FIELDS, TWEET_FIELDS

    mocked = mock_client.search_recent_tweets(
        f"conversation_id:{ROOT}",
        max_results=100,
        tweet_fields=list(TWEET_FIELDS),
        expansions=[POLL_EXPANSION],
        poll_fields=list(POLL_FIELDS),
    ).json()
    for item in mocked["data"]:
        # (in_reply_to_user_id only on replies, note_tweet only on long posts)
        optional = {"attachments", "referenced_tweets", "in_reply_to_user_id", "note_tweet"}
        expected = set(TWEET_FIELDS) - optional
        assert expected <= set(item), sorted(expected - set(item))
    search_doc = documented("apis__searches__search_tweets_query")
    assert_types_agree(search_doc["data"], mocked["data"])
    assert_types_agree(search_doc["meta"], mocked["meta"])
    metrics_doc = documented("apis__timeline__timeline_mentions")["data"][0]["public_metrics"]
    assert set(metrics_doc) <= set(mocked["data"][0]["public_metrics"])

    lookup = mock_client.get_tweets(
        [ROOT], expansions=[POLL_EXPANSION], poll_fields=list(POLL_FIELDS)
    ).json()
    assert_same_shape(documented("models__poll"), lookup["includes"]["polls"][0])
    assert lookup["data"][0]["attachments"]["poll_ids"] == [lookup["includes"]["polls"][0]["id"]]

"""The Mastodon face's rate limit, errors, faults and controls, as Mastodon.py meets them: 300
requests per 5 minutes per token, then a 429 with an ISO reset on the scenario clock; Mastodon's
``{"error": ...}`` bodies mapped to Mastodon.py's exceptions; injected faults by the face's
endpoint names; stats and reset."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from mastodon import (
    MastodonAPIError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServiceUnavailableError,
    MastodonUnauthorizedError,
)

from bot.mock_api import ScenarioError, parse_scenario
from bot.mock_api.faults import FaultError
from tests.support.cli import run_cli
from tests.support.mastodon import ALICE_REPLY, ALICE_TOKEN, client, mastodon_scenario
from tests.support.mock import mock_posts
from tests.support.scenarios import ALICE_ID, POLL_POST_ID

ISO_RESET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def test_300_requests_per_5_minutes_per_token_then_429(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    mastodon_mock.set_clock(mastodon_mock.now() + timedelta(seconds=12, milliseconds=345))
    for n in range(300):
        api.account(ALICE_ID)
        assert api.ratelimit_remaining == 299 - n
    with pytest.raises(MastodonRatelimitError):
        api.account(ALICE_ID)
    answer = requests.get(
        f"{mastodon_mock.url}/api/v1/statuses/{ALICE_REPLY}",
        headers={"Authorization": "Bearer 9000-token"},
        timeout=10,
    )
    assert answer.status_code == 429 and answer.json() == {"error": "Too many requests"}
    assert answer.headers["x-ratelimit-limit"] == "300"
    assert answer.headers["x-ratelimit-remaining"] == "0"
    # the window ends on the clock's next 5-minute mark, with the request's fraction of a second
    assert ISO_RESET.fullmatch(answer.headers["x-ratelimit-reset"])
    assert answer.headers["x-ratelimit-reset"] == "2022-11-19T01:15:00.345000Z"
    # another token has its own window; the public reads without one count per address
    assert client(mastodon_mock.url, ALICE_TOKEN).account(ALICE_ID).username == "ops_alice"
    assert client(mastodon_mock.url, token=None).account(ALICE_ID).username == "ops_alice"
    assert mastodon_mock.stats()["rate_limited"] == 2
    mastodon_mock.advance(300)
    assert api.account(ALICE_ID).username == "ops_alice"
    assert api.ratelimit_remaining == 299


def test_a_scenario_may_limit_one_endpoint(mastodon_factory: Callable[..., Any]) -> None:
    doc = mastodon_scenario(10) | {"rate_limits": {"create_status": {"limit": 2, "window_s": 60}}}
    mock = mastodon_factory(doc)
    api = client(mock.url)
    api.status_post("one")
    api.status_post("two")
    with pytest.raises(MastodonRatelimitError):
        api.status_post("three")
    assert api.account(ALICE_ID).username == "ops_alice"  # the rest count in the 300
    mock.advance(60)
    assert api.status_post("three").content == "<p>three</p>"


def test_errors_are_mastodons_and_map_to_mastodon_py_exceptions(mastodon_mock: Any) -> None:
    anonymous = client(mastodon_mock.url, token=None)
    with pytest.raises(MastodonUnauthorizedError) as unauthorized:
        anonymous.me()
    assert unauthorized.value.args[1:] == (401, "Unauthorized", "The access token is invalid")
    # (Mastodon.py types a list endpoint's error body as a list and loses the message)
    with pytest.raises(MastodonUnauthorizedError):
        anonymous.notifications()
    answer = requests.get(f"{mastodon_mock.url}/api/v1/notifications", timeout=10)
    assert answer.json() == {"error": "The access token is invalid"}
    with pytest.raises(MastodonNotFoundError) as missing:
        anonymous.status("1")
    assert missing.value.args[1:] == (404, "Not Found", "Record not found")
    with pytest.raises(MastodonNotFoundError):
        anonymous.poll("1")
    # public reads answer without a token
    assert str(anonymous.status(ALICE_REPLY).id) == ALICE_REPLY


def test_faults_by_the_faces_endpoint_names(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    mastodon_mock.add_fault(endpoint="status", status=503, times=1)
    with pytest.raises(MastodonServiceUnavailableError) as unavailable:
        api.status(ALICE_REPLY)
    assert unavailable.value.args[3] == "Service Unavailable"
    assert str(api.status(ALICE_REPLY).id) == ALICE_REPLY  # once only
    mastodon_mock.add_fault(endpoint="status_context", status=429, times=1)
    with pytest.raises(MastodonRatelimitError):
        api.status_context(POLL_POST_ID)
    mastodon_mock.add_fault(endpoint="account_statuses", malformed=True, times=1)
    with pytest.raises(MastodonAPIError, match="Could not parse response as JSON"):
        api.account_statuses(ALICE_ID)
    mastodon_mock.add_fault(endpoint="*", status=500, times=1)
    with pytest.raises(MastodonAPIError):
        api.instance_v2()
    with pytest.raises(FaultError, match="unknown endpoint 'tweet'"):
        mastodon_mock.add_fault(endpoint="tweet", status=503)
    stats = mastodon_mock.stats()
    assert stats["requests"]["status"] == 2 and stats["requests"]["status_context"] == 1
    assert stats["requests"]["instance"] == 1 and stats["rate_limited"] == 1


def test_stats_count_the_faces_endpoints_and_reset_forgets_posts(mastodon_mock: Any) -> None:
    alice = client(mastodon_mock.url, ALICE_TOKEN)
    first = alice.status_post("Before the reset", idempotency_key="k")
    alice.account_statuses(ALICE_ID, limit=5)
    alice.status_context(POLL_POST_ID)
    stats = mastodon_mock.stats()
    assert stats["requests"] == {"account_statuses": 1, "status_context": 1, "create_status": 1}
    assert stats["posts_read"] >= 5 and stats["usd"] == 0
    mastodon_mock.reset()
    assert mock_posts(mastodon_mock.url) == [] and mastodon_mock.stats()["requests"] == {}
    with pytest.raises(MastodonNotFoundError):
        alice.status(first.id)
    mastodon_mock.set_clock(mastodon_mock.now() + timedelta(hours=2))
    assert alice.status_post("Before the reset", idempotency_key="k").id != first.id


def test_the_x_face_keeps_its_own_names(mock_factory: Callable[..., Any]) -> None:
    x = mock_factory(mastodon_scenario(10))
    with pytest.raises(FaultError, match="unknown endpoint 'status_context'"):
        x.add_fault(endpoint="status_context", status=503)
    assert requests.get(f"{x.url}/api/v2/instance", timeout=10).status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"instance": "not a domain!"}, "instance: expected a domain name"),
        ({"instance": ""}, "instance: expected a non-empty string"),
        ({"max_characters": 0}, "max_characters: expected an integer from 1"),
        ({"max_characters": "500"}, "max_characters: expected an integer"),
        ({"rate_limits": {"nope": {"limit": 1, "window_s": 1}}}, "rate_limits.nope: unknown field"),
    ],
)
def test_the_mastodon_keys_of_a_scenario_are_checked(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        parse_scenario(mastodon_scenario(1) | change, source="test")


def test_a_scenario_without_them_is_mastodon_example_at_500() -> None:
    doc = mastodon_scenario(1)
    del doc["instance"], doc["max_characters"]
    scenario = parse_scenario(doc, source="test")
    assert (scenario.instance, scenario.max_characters) == ("mastodon.example", 500)


def test_mock_api_help_documents_the_platform() -> None:
    result = run_cli("mock-api", "--help")
    assert result.code == 0
    assert "--platform [x|mastodon]" in result.out
    assert (
        result.out.split("Options:")[0]
        .rstrip()
        .endswith("pollbot mock-api --platform mastodon --scenario builtin:nov-2022 --port 8788")
    )
    bad = run_cli("mock-api", "--platform", "bluesky")
    assert bad.code == 2 and "bluesky" in bad.err


def test_a_bad_scenario_for_the_mastodon_face_is_one_line_exit_2(tmp_path: Path) -> None:
    doc = mastodon_scenario(1) | {"instance": "no such thing!"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run_cli("mock-api", "--platform", "mastodon", "--scenario", str(path), "--port", "0")
    assert result.code == 2
    assert result.err.strip().count("\n") == 0 and "instance: expected a domain name" in result.err

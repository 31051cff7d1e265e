"""The mock X API's failure modes and controls over real HTTP: error answers, rate limits,
injected faults (fixed and random), the scenario clock, reset and stats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.mock_api import MockServer
from tests.test_mock_api import ROOT, as_user, running_mock, scenario_doc, session, start


@pytest.fixture
def mock() -> Iterator[MockServer]:
    yield from running_mock()


def test_rate_limits_per_endpoint_and_context() -> None:
    with start(
        scenario_doc(count=10, rate_limits={"search_recent": {"limit": 3, "window_s": 60}})
    ) as mock:
        url, params = f"{mock.url}/2/tweets/search/recent", {"query": "from:alice"}
        answers = [session().get(url, params=params) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["x-rate-limit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert answers[3].json() == {
            "title": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
            "detail": "Too Many Requests",
        }
        assert int(answers[3].headers["x-rate-limit-reset"]) == int(mock.now().timestamp()) + 60
        assert (
            as_user("1001").get(url, params=params).status_code == 200
        )  # a user has its own window
        assert session().get(f"{mock.url}/2/users/44196397").headers["x-rate-limit-limit"] == "300"
        mock.advance(60)
        assert session().get(url, params=params).status_code == 200
        assert mock.stats()["rate_limited"] == 1


def test_injected_faults(mock: MockServer) -> None:
    s, url = session(), f"{mock.url}/2/tweets/search/recent"
    params = {"query": "from:alice"}
    ok = requests.post(
        f"{mock.url}/_mock/faults", json={"endpoint": "search_recent", "status": 503, "times": 2}
    )
    assert ok.status_code == 200
    assert [s.get(url, params=params).status_code for _ in range(3)] == [503, 503, 200]
    requests.post(f"{mock.url}/_mock/faults", json={"malformed": True})  # "*": every endpoint
    broken = s.get(f"{mock.url}/2/users/44196397")
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.text)
    requests.post(f"{mock.url}/_mock/faults", json={"endpoint": "tweet", "delay_s": 0.01})
    assert s.get(f"{mock.url}/2/tweets/{ROOT}").json()["data"]["id"] == ROOT
    requests.post(f"{mock.url}/_mock/faults", json={"status": 429, "reset_header": False})
    limited = s.get(url, params=params)
    assert limited.status_code == 429 and "x-rate-limit-reset" not in limited.headers
    assert limited.headers["x-rate-limit-remaining"] == "0"
    bad = requests.post(f"{mock.url}/_mock/faults", json={"endpoint": "nope", "status": 503})
    assert bad.status_code == 400 and "unknown endpoint" in bad.json()["error"]


def _fault_pattern(mock: MockServer, spec: dict[str, Any], n: int = 60) -> list[int]:
    requests.post(f"{mock.url}/_mock/faults", json={"clear": True})
    requests.post(f"{mock.url}/_mock/faults", json=spec)
    s = session()
    return [s.get(f"{mock.url}/2/users/1001").status_code for _ in range(n)]


def test_random_faults_follow_their_seed(mock: MockServer) -> None:
    spec = {"endpoint": "user", "status": 503, "probability": 0.3, "seed": 1}
    first, again = _fault_pattern(mock, spec), _fault_pattern(mock, spec)
    assert first == again and 5 < first.count(503) < 35 and set(first) == {200, 503}
    mixed = _fault_pattern(
        mock,
        {
            "kinds": ["429", "503", "delay", "malformed"],
            "probability": 0.5,
            "seed": 3,
            "delay_s": 0.001,
        },
    )
    assert {429, 503} <= set(mixed) and mixed.count(200) > 10
    requests.post(f"{mock.url}/_mock/faults", json={"clear": True})
    assert _fault_pattern(mock, {"endpoint": "me", "status": 500}, n=5) == [200] * 5


def test_clock_control_and_reset(mock: MockServer) -> None:
    base = f"{mock.url}/_mock"
    moved = requests.post(f"{base}/clock", json={"now": "2022-11-21T00:00:00.000Z"})
    assert moved.json()["now"] == "2022-11-21T00:00:00.000Z"
    assert (
        requests.post(f"{base}/clock", json={"advance_s": 90}).json()["now"]
        == "2022-11-21T00:01:30.000Z"
    )
    back = requests.post(f"{base}/clock", json={"now": "2022-11-20T00:00:00.000Z"})
    assert back.status_code == 400 and "backwards" in back.json()["error"]
    answer = session().get(f"{mock.url}/2/users/1001")
    assert answer.headers["date"] == "Mon, 21 Nov 2022 00:01:30 GMT"
    as_user("1001").post(f"{mock.url}/2/tweets", json={"text": "before the reset"})
    requests.post(f"{base}/faults", json={"status": 503, "times": 5})
    reset = requests.post(f"{base}/reset")
    assert reset.json()["now"] == "2022-11-19T00:00:00.000Z"
    assert (
        requests.get(f"{base}/posts").json() == [] and requests.get(f"{base}/visible").json() == []
    )
    assert requests.get(f"{base}/stats").json()["requests"] == {}
    assert session().get(f"{mock.url}/2/users/1001").status_code == 200  # faults are gone
    mock.advance(86400)
    search = session().get(
        f"{mock.url}/2/tweets/search/recent", params={"query": "before the reset"}
    )
    assert search.json() == {"meta": {"result_count": 0}}


def test_stats_count_requests_and_posts_read(mock: MockServer) -> None:
    s = session()
    s.get(
        f"{mock.url}/2/tweets/search/recent",
        params={"query": f"conversation_id:{ROOT}", "max_results": 100},
    )
    s.get(f"{mock.url}/2/tweets", params={"ids": f"{ROOT},1,1593768000000000001"})
    s.get(f"{mock.url}/2/users/by/username/elonmusk")
    s.get(f"{mock.url}/_mock/visible")
    s.get(f"{mock.url}/2/nothing/here")
    stats = requests.get(f"{mock.url}/_mock/stats").json()
    assert stats["requests"] == {"search_recent": 1, "tweets_lookup": 1, "user_by_username": 1}
    assert stats["posts_read"] == 102 and stats["rate_limited"] == 0


def test_lookups_and_bad_requests_answer_like_x(mock: MockServer) -> None:
    s = session()
    partial = s.get(f"{mock.url}/2/tweets", params={"ids": f"{ROOT},1"}).json()
    assert [p["id"] for p in partial["data"]] == [ROOT]
    assert partial["errors"][0]["resource_id"] == "1" and partial["errors"][0]["type"].endswith(
        "resource-not-found"
    )
    unknown = s.get(f"{mock.url}/2/tweets/search/recent", params={"query": "sentiment:happy"})
    assert (
        unknown.status_code == 400
        and "invalid operator 'sentiment'" in unknown.json()["errors"][0]["message"]
    )
    small = s.get(
        f"{mock.url}/2/tweets/search/recent", params={"query": "from:alice", "max_results": 5}
    )
    assert small.status_code == 400 and small.json()["title"] == "Invalid Request"
    assert s.get(f"{mock.url}/2/users/1001/tweets", params={"max_results": 5}).status_code == 200
    assert s.get(f"{mock.url}/2/users/1001/tweets", params={"max_results": 101}).status_code == 400
    missing = s.get(f"{mock.url}/2/nothing")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == 34
    nobody = s.get(f"{mock.url}/2/users/by/username/nobody")
    assert nobody.status_code == 200 and "data" not in nobody.json()

"""The X client: its clock, transport and chokepoint alone, then a real ``XPlatform`` (tweepy)
against the mock X API on a free port.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy
from requests.structures import CaseInsensitiveDict

from bot.mock_api import MockServer
from bot.platforms.clock import PlatformClock
from bot.platforms.x import XPlatform
from bot.platforms.x.chokepoint import Chokepoint
from bot.platforms.x.pacing import Backoff, Window
from bot.platforms.x.transport import check_base_url, rebase
from jobs.errors import (
    DuplicatePost,
    NotFound,
    PlatformError,
    PlatformRejected,
    PlatformUnavailable,
    RateLimited,
    Stopped,
    UsageError,
)
from jobs.platform import Media, User
from tests.support.clients import FakeTime, OnMock, tiny_png
from tests.support.scenarios import (
    ACCOUNT_ID,
    BOT_ID,
    ISO,
    POLL_CLOSES,
    POLL_ID,
    POLL_POST_ID,
    POLL_POSTED,
    poll_scenario,
)

T0 = datetime(2022, 11, 19, 12, 0, tzinfo=UTC)
HTTP_T0 = "Sat, 19 Nov 2022 12:00:00 GMT"


# -- the platform clock ------------------------------------------------------------------


def test_clock_carries_the_date_header_forward() -> None:
    t = FakeTime()
    clock = PlatformClock(monotonic=t.monotonic)
    clock.observe(HTTP_T0)
    assert clock.now() == T0
    t.sleep(90.5)
    assert clock.now() == T0 + timedelta(seconds=90.5)


def test_clock_does_not_step_back_within_the_headers_second() -> None:
    t = FakeTime()
    clock = PlatformClock(monotonic=t.monotonic)
    clock.observe(HTTP_T0)
    t.sleep(0.7)
    clock.observe(HTTP_T0)  # same whole second: the carried 12:00:00.7 is the better reading
    assert clock.now() == T0 + timedelta(seconds=0.7)
    clock.observe("Sat, 19 Nov 2022 11:00:00 GMT")  # a real jump (scenario clock moved back)
    assert clock.now() == T0 - timedelta(hours=1)
    clock.observe("not a date")
    clock.observe(None)
    assert clock.now() == T0 - timedelta(hours=1)


def test_clock_probes_once_then_falls_back_to_the_system_clock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    t = FakeTime()
    probes: list[int] = []

    def failing_probe() -> None:
        probes.append(1)
        raise requests.ConnectionError("down")

    clock = PlatformClock(monotonic=t.monotonic, probe=failing_probe, system=lambda: T0)
    with caplog.at_level(logging.WARNING):
        assert clock.now() == T0
    assert probes == [1]
    assert "system clock" in caplog.text
    t.sleep(5)
    assert clock.now() == T0 + timedelta(seconds=5)
    assert probes == [1]


def test_clock_probe_reading_is_used() -> None:
    t = FakeTime()
    holder: list[PlatformClock] = []
    clock = PlatformClock(
        monotonic=t.monotonic,
        probe=lambda: holder[0].observe(HTTP_T0),
        system=lambda: datetime(2030, 1, 1, tzinfo=UTC),
    )
    holder.append(clock)
    assert clock.now() == T0


# -- transport and backoff ---------------------------------------------------------------


def test_rebase_keeps_path_and_query() -> None:
    url = "https://api.twitter.com/2/tweets/search/recent?query=a%20b&max_results=100"
    assert rebase(url, "http://127.0.0.1:8787") == (
        "http://127.0.0.1:8787/2/tweets/search/recent?query=a%20b&max_results=100"
    )
    assert rebase("https://upload.twitter.com/1.1/media/upload.json", "http://h:1/x") == (
        "http://h:1/x/1.1/media/upload.json"
    )
    assert check_base_url("http://127.0.0.1:8787/") == "http://127.0.0.1:8787"
    for bad in ("127.0.0.1:8787", "ftp://h", "http://", "http://h/?q=1"):
        with pytest.raises(UsageError, match="X_API_BASE_URL"):
            check_base_url(bad)


def test_backoff_is_capped_exponential_with_jitter() -> None:
    low = Backoff(base_s=1.0, cap_s=30.0, random=lambda: 0.0)
    high = Backoff(base_s=1.0, cap_s=30.0, random=lambda: 1.0)
    assert [low.delay(n) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    assert [high.delay(n) for n in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert high.delay(10_000) == 30.0


# -- the chokepoint alone, with hand-made answers ------------------------------------------


def answer(status: int, body: object = None, **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {
        200: "OK",
        403: "Forbidden",
        429: "Too Many Requests",
        502: "Bad Gateway",
    }.get(status, "")
    response.headers = CaseInsensitiveDict(headers)
    if isinstance(body, bytes):
        response._content = body
    else:
        response._content = json.dumps(body).encode() if body is not None else b""
    return response


def tweepy_error(response: requests.Response) -> Exception:
    """What tweepy.Client raises for a non-2xx answer (mirrors its status dispatch)."""
    status = response.status_code
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        return tweepy.TooManyRequests(response, reset_time=int(reset) if reset else None)
    kinds: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest,
        401: tweepy.Unauthorized,
        403: tweepy.Forbidden,
        404: tweepy.NotFound,
    }
    if status >= 500:
        return tweepy.TwitterServerError(response)
    return kinds.get(status, tweepy.HTTPException)(response)


class Scripted:
    """A ``send`` that plays answers in order, feeding each through the response hook."""

    def __init__(self, chokepoint: Chokepoint, answers: list[requests.Response | Exception]):
        self.chokepoint = chokepoint
        self.answers = list(answers)
        self.sent = 0

    def __call__(self) -> requests.Response:
        self.sent += 1
        item = self.answers.pop(0)
        if isinstance(item, Exception):
            raise item
        self.chokepoint.on_response(item)
        if item.status_code >= 300:
            raise tweepy_error(item)
        return item


def make_chokepoint(
    t: FakeTime, *, max_wait_s: float = 600.0, retries: int = 3
) -> tuple[Chokepoint, list[tuple[str, int]]]:
    usage: list[tuple[str, int]] = []
    clock = PlatformClock(monotonic=t.monotonic, initial=T0)
    chokepoint = Chokepoint(
        clock=clock,
        sleep=t.sleep,
        usage=lambda endpoint, n: usage.append((endpoint, n)),
        max_wait_s=max_wait_s,
        retries=retries,
        backoff=Backoff(base_s=1.0, cap_s=30.0, random=lambda: 0.0),
    )
    return chokepoint, usage


EPOCH0 = int(T0.timestamp())
TWO_POSTS = {"data": [{"id": "2", "text": "b"}, {"id": "1", "text": "a"}]}


def test_5xx_connection_errors_and_malformed_bodies_are_retried() -> None:
    t = FakeTime()
    chokepoint, usage = make_chokepoint(t)
    send = Scripted(
        chokepoint,
        [
            answer(503, {"title": "Service Unavailable"}),
            requests.ConnectionError("refused"),
            answer(200, b'{"data": [{"id": "1", '),
            answer(200, TWO_POSTS),
        ],
    )
    assert chokepoint.call("search_recent", send, counts_posts=True) == TWO_POSTS
    assert send.sent == 4
    assert t.sleeps == [0.5, 1.0, 2.0]
    # Three answers reached us (the connection error did not); only the good one read posts.
    assert usage == [("search_recent", 0), ("search_recent", 0), ("search_recent", 2)]


def test_retries_run_out_as_platform_unavailable() -> None:
    t = FakeTime()
    chokepoint, _ = make_chokepoint(t, retries=2)
    send = Scripted(chokepoint, [answer(502, {}), answer(502, {}), answer(502, {})])
    with pytest.raises(PlatformUnavailable) as caught:
        chokepoint.call("tweets_lookup", send)
    assert str(caught.value) == (
        "X API tweets_lookup unavailable after 3 attempts (last: HTTP 502 Bad Gateway)"
    )
    assert caught.value.endpoint == "tweets_lookup" and caught.value.status == 502
    assert len(t.sleeps) == 2


def test_429_waits_for_the_reset_on_the_platform_clock() -> None:
    t = FakeTime()
    chokepoint, usage = make_chokepoint(t)
    reset = str(EPOCH0 + 300)
    send = Scripted(
        chokepoint,
        [
            answer(429, {"title": "Too Many Requests"}, **{"x-rate-limit-reset": reset}),
            answer(200, {}),
        ],
    )
    chokepoint.call("mentions", send)
    assert t.sleeps == [301.0]  # reset - now + 1 s margin, on the platform clock (not time.time)
    assert usage == [("mentions", 0), ("mentions", 0)]


def test_429_without_reset_backs_off_and_gives_up_as_rate_limited() -> None:
    t = FakeTime()
    chokepoint, _ = make_chokepoint(t, retries=2)
    send = Scripted(chokepoint, [answer(429, {}) for _ in range(3)])
    with pytest.raises(RateLimited) as caught:
        chokepoint.call("mentions", send)
    assert t.sleeps == [0.5, 1.0]  # exponential, never a hot loop
    assert caught.value.reset_at is not None and caught.value.endpoint == "mentions"


def test_429_beyond_max_wait_is_rate_limited_without_sleeping() -> None:
    t = FakeTime()
    chokepoint, _ = make_chokepoint(t, max_wait_s=60)
    reset = EPOCH0 + 900
    send = Scripted(chokepoint, [answer(429, {}, **{"x-rate-limit-reset": str(reset)})])
    with pytest.raises(RateLimited) as caught:
        chokepoint.call("search_recent", send)
    assert caught.value.reset_at == datetime.fromtimestamp(reset, UTC)
    assert t.sleeps == []


def test_spent_window_is_waited_out_before_sending() -> None:
    t = FakeTime()
    chokepoint, _ = make_chokepoint(t)
    spent = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(EPOCH0 + 30)}
    send = Scripted(chokepoint, [answer(200, {}, **spent), answer(200, {})])
    chokepoint.call("user", send)
    assert chokepoint.limits.get("user") == Window(limit=None, remaining=0, reset_epoch=EPOCH0 + 30)
    chokepoint.call("user", send)
    assert t.sleeps == [31.0]
    assert send.sent == 2


def test_a_stop_cuts_a_wait_short_and_sends_nothing_more() -> None:
    """The daemon's stop event ends a rate-limit wait (or a retry's backoff) at once: the
    wait is on the event itself, and Stopped is raised without sending again."""
    import threading
    import time

    stop = threading.Event()
    clock = PlatformClock(monotonic=time.monotonic, initial=T0)
    chokepoint = Chokepoint(
        clock=clock,
        sleep=stop.wait,
        usage=None,
        max_wait_s=600.0,
        retries=3,
        backoff=Backoff(base_s=1.0, cap_s=30.0, random=lambda: 0.0),
        stop=stop,
    )
    spent = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(EPOCH0 + 300)}
    send = Scripted(chokepoint, [answer(200, {}, **spent), answer(200, {})])
    chokepoint.call("user", send)
    threading.Timer(0.2, stop.set).start()
    began = time.monotonic()
    with pytest.raises(Stopped, match="stopped on request while waiting 301s for the X user"):
        chokepoint.call("user", send)
    assert time.monotonic() - began < 30  # not the 301 s wait (a loose bound: a busy machine)
    assert send.sent == 1


def test_spent_window_beyond_max_wait_refuses_without_sending() -> None:
    t = FakeTime()
    chokepoint, _ = make_chokepoint(t, max_wait_s=10)
    spent = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(EPOCH0 + 600)}
    send = Scripted(chokepoint, [answer(200, {}, **spent)])
    chokepoint.call("user", send)
    with pytest.raises(RateLimited, match="user rate limit spent until 2022-11-19T12:10:00Z"):
        chokepoint.call("user", send)
    assert send.sent == 1 and t.sleeps == []


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (400, {"title": "Invalid Request", "detail": "text too long"}, PlatformRejected, "400"),
        (401, {"title": "Unauthorized"}, PlatformRejected, "refused the credentials"),
        (403, {"title": "Unsupported Authentication"}, PlatformRejected, "refused the credentials"),
        (
            403,
            {"detail": "You are not allowed to create a Tweet with duplicate content."},
            DuplicatePost,
            "duplicate",
        ),
        (404, {"title": "Not Found Error"}, NotFound, "not found"),
        (409, b"<html>", PlatformRejected, "409"),
    ],
)
def test_4xx_map_to_typed_errors(
    status: int, body: object, kind: type[Exception], words: str
) -> None:
    t = FakeTime()
    chokepoint, usage = make_chokepoint(t)
    send = Scripted(chokepoint, [answer(status, body)])
    with pytest.raises(kind, match=words) as caught:
        chokepoint.call("create_tweet", send)
    assert type(caught.value) is kind
    assert "\n" not in str(caught.value)
    assert send.sent == 1 and t.sleeps == []
    assert usage == [("create_tweet", 0)]


def test_foreign_exceptions_never_leave() -> None:
    t = FakeTime()
    chokepoint, _ = make_chokepoint(t, retries=1)
    failures: list[Callable[[], Any]] = [
        lambda: (_ for _ in ()).throw(requests.ReadTimeout("slow")),
        lambda: (_ for _ in ()).throw(tweepy.TweepyException("Failed to send request")),
    ]
    for fail in failures:
        with pytest.raises(PlatformUnavailable):
            chokepoint.call("media_upload", fail)


# -- a real XPlatform (tweepy) against the mock X API ---------------------------------------

ROOT = POLL_POST_ID  # the poll post; 1,000 generated replies answer it
POLL = POLL_ID
OWNER = ACCOUNT_ID
BOT = BOT_ID
OPERATOR = "1001"

# Canary credentials: none of these may show up in an error message or a log line.
CANARIES = {
    "bearer_token": "CANARY-BEARER-7f3a9c1e5b",
    "api_key": "CANARY-APIKEY-2d8e4f6a1c",
    "api_secret": "CANARY-APISECRET-9b7c5e3a1f",
    "access_token": f"{BOT}-CANARY-ACCESS-4e6a8c0b2d",
    "access_token_secret": "CANARY-ACCESSSECRET-1a3c5e7f9b",
}


def scenario_file(tmp_path: Path, *, start: str, rate_limits: dict[str, Any] | None = None) -> Path:
    """The poll posted 2022-11-19T00:30Z and 1,000 replies until it closes a day later, with
    the scenario clock starting at ``start``."""
    scenario = poll_scenario(
        1000,
        name="x-client-test",
        start=datetime.strptime(start, ISO).replace(tzinfo=UTC),
        posted=POLL_POSTED,
        until=POLL_CLOSES,
        users=[{"id": OPERATOR, "username": "operator", "name": "An Operator"}],
        rate_limits=rate_limits,
    )
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return path


@pytest.fixture
def mock_after_the_poll(tmp_path: Path) -> Iterator[MockServer]:
    """The scenario clock frozen (speed 0) after every reply arrived and the poll closed."""
    with MockServer(scenario_file(tmp_path, start="2022-11-20T12:00:00.000Z"), speed=0) as mock:
        yield mock


class Harness(OnMock):
    """An XPlatform on the mock whose sleeps move the scenario clock instead of waiting."""

    def __init__(self, mock: MockServer, **options: Any) -> None:
        super().__init__(mock)
        credentials = {**CANARIES, **options.pop("credentials", {})}
        self.platform = XPlatform(
            **credentials,
            base_url=options.pop("base_url", mock.url),
            **self.knobs(),
            **{"retries": 4, "backoff_base_s": 1.0, "max_wait_s": 1000.0, **options},
        )

    def fault(self, **spec: Any) -> None:
        """Through the control endpoint, as an operator of the mock would."""
        requests.post(f"{self.mock.url}/_mock/faults", json=spec, timeout=10).raise_for_status()


def assert_no_secret(text: str) -> None:
    for name, value in CANARIES.items():
        assert value not in text, f"{name} leaked"
    assert "CANARY" not in text


def conversation(mock: MockServer) -> list[str]:
    """The replies the mock holds for the poll, newest first (ids are snowflakes)."""
    ids = [
        p["id"] for p in mock.visible_posts() if p["conversation_id"] == ROOT and p["id"] != ROOT
    ]
    return sorted(ids, key=int, reverse=True)


def test_the_environment_proxy_is_used_for_the_host_requests_really_go_to(
    mock_after_the_poll: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests no longer reads the environment per request (it cost a tenth of a page's
    time): the transport must still route through ``HTTP_PROXY``, and honour ``NO_PROXY``,
    for the mock's host (not tweepy's api.twitter.com)."""
    with socket.socket() as closed:  # a port nothing listens on: the "proxy" refuses
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", dead)
    monkeypatch.setenv("http_proxy", dead)
    h = Harness(mock_after_the_poll, retries=0)
    with pytest.raises(PlatformUnavailable):
        h.platform.user_by_username("elonmusk")
    assert h.requests_to("user_by_username") == 0  # it went to the proxy, not the mock
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    h = Harness(mock_after_the_poll, retries=0)
    assert h.platform.user_by_username("elonmusk").id == OWNER
    assert h.requests_to("user_by_username") == 1


def test_pagination_returns_each_reply_once_newest_first(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    pages = list(h.platform.search_recent(f"conversation_id:{ROOT} is:reply"))
    ids = [p.id for page in pages for p in page.posts]
    assert len(ids) == 1000 == len(set(ids))
    assert ids == conversation(mock_after_the_poll)
    times = [p.created_at for page in pages for p in page.posts]
    assert times == sorted(times, reverse=True)
    assert all(len(page.posts) <= 100 for page in pages) and len(pages) == 10
    assert pages[-1].next_token is None and all(page.next_token for page in pages[:-1])
    first = pages[0].posts[0]
    assert first.conversation_id == ROOT and first.replied_to_id == ROOT
    assert first.in_reply_to_user_id == OWNER and first.created_at.tzinfo is not None
    # The base-URL adapter sent tweepy's requests to the mock, each counted once.
    assert h.requests_to("search_recent") == 10
    assert h.usage == [("search_recent", len(page.posts)) for page in pages]
    assert mock_after_the_poll.stats()["posts_read"] == 1000
    assert h.sleeps == []


def test_since_and_until_ids_bound_the_search(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    everything = conversation(mock_after_the_poll)
    query = f"conversation_id:{ROOT} is:reply"
    newer = [
        p.id for pg in h.platform.search_recent(query, since_id=everything[150]) for p in pg.posts
    ]
    assert newer == everything[:150]
    older = [
        p.id for pg in h.platform.search_recent(query, until_id=everything[899]) for p in pg.posts
    ]
    assert older == everything[900:]


def test_a_caller_that_stops_early_makes_no_more_requests(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    pages = h.platform.search_recent(f"conversation_id:{ROOT}")
    assert h.requests_to("search_recent") == 0  # nothing until asked
    first = next(pages)
    assert len(first.posts) == 100 and first.next_token
    pages.close()
    assert h.requests_to("search_recent") == 1
    assert h.usage == [("search_recent", 100)]


def test_poll_follows_the_scenario_clock(tmp_path: Path) -> None:
    with MockServer(scenario_file(tmp_path, start="2022-11-19T01:00:00.000Z"), speed=0) as mock:
        h = Harness(mock)
        [poll] = h.platform.polls([ROOT])
        assert (poll.id, poll.post_id) == (POLL, ROOT)
        assert [(o.label, o.votes) for o in poll.options] == [("Yes", 0), ("No", 0)]
        assert poll.voting_status == "open" and poll.duration_minutes == 1440
        assert poll.end_datetime == datetime(2022, 11, 20, 0, 30, tzinfo=UTC)

        mock.advance(6 * 3600)  # 07:00: the first snapshot is out
        [poll] = h.platform.polls([ROOT])
        assert [o.votes for o in poll.options] == [4100000, 3900000] and not poll.closed

        mock.set_clock(datetime(2022, 11, 20, 1, 0, tzinfo=UTC))
        [poll] = h.platform.polls([ROOT, "1"])  # a missing post is a partial error: left out
        assert [o.votes for o in poll.options] == [7814551, 7270907]
        assert poll.closed and poll.total_votes == 15085458
        assert h.platform.now() == datetime(2022, 11, 20, 1, 0, tzinfo=UTC)
        assert h.usage == [("tweets_lookup", 1)] * 3


def test_polls_are_looked_up_in_batches_of_100(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    ids = [ROOT, *conversation(mock_after_the_poll)[:150]]
    polls = h.platform.polls(ids)
    assert [p.post_id for p in polls] == [ROOT]
    assert h.requests_to("tweets_lookup") == 2
    assert sum(n for _, n in h.usage) == 151


def test_lookup_returns_the_posts_that_exist_with_their_polls(
    mock_after_the_poll: MockServer,
) -> None:
    h = Harness(mock_after_the_poll)
    reply = conversation(mock_after_the_poll)[0]
    page = h.platform.lookup([reply, "1", ROOT, reply])
    assert [p.id for p in page.posts] == [reply, ROOT]  # order kept, the missing one left out
    assert page.posts[0].conversation_id == ROOT and page.posts[0].replied_to_id == ROOT
    assert [(p.id, p.post_id) for p in page.polls] == [(POLL, ROOT)]
    assert h.usage == [("tweets_lookup", 2)]


def test_users_and_not_found(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    assert h.platform.me() == User(id=BOT, username="pollbot", name=h.platform.me().name)
    owner = h.platform.user_by_username("@elonmusk")
    assert (owner.id, owner.username, owner.name) == (OWNER, "elonmusk", "Elon Musk")
    assert h.platform.user(OWNER).username == "elonmusk"
    with pytest.raises(NotFound, match="user @nobody_here not found"):
        h.platform.user_by_username("nobody_here")
    with pytest.raises(NotFound):
        h.platform.user("123456")
    # What cannot be an id or a username never reaches a URL path.
    with pytest.raises(NotFound, match="not an X id"):
        h.platform.user("1/../../me")
    with pytest.raises(NotFound, match="not an X id"):
        h.platform.mentions("../users/me")
    with pytest.raises(NotFound, match="no user can be called"):
        h.platform.user_by_username("elon/../me")
    assert h.requests_to("me") == 1  # me() is asked once and remembered
    assert h.usage == [
        ("me", 0),
        ("user_by_username", 0),
        ("user", 0),
        ("user_by_username", 0),
        ("user", 0),
    ]


def test_user_posts_carry_their_polls(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    [page] = list(h.platform.user_posts(OWNER))
    assert [p.id for p in page.posts] == [ROOT]  # replies and retweets excluded
    assert page.posts[0].poll_id == POLL
    assert [(p.id, p.post_id) for p in page.polls] == [(POLL, ROOT)]


def test_posting_replies_duplicates_and_length(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    first = h.platform.create_post("Poll 'Reinstate': Yes 51.8% / No 48.2%")
    reply = h.platform.create_post("a" * 280, in_reply_to=first)
    with pytest.raises(DuplicatePost) as duplicate:
        h.platform.create_post("Poll 'Reinstate': Yes 51.8% / No 48.2%")
    with pytest.raises(PlatformRejected) as too_long:
        h.platform.create_post("a" * 281)
    assert type(too_long.value) is PlatformRejected and too_long.value.status == 400
    posted = mock_after_the_poll.posts()
    assert [(p["id"], p["author_id"], p["in_reply_to"]) for p in posted] == [
        (first, BOT, None),
        (reply, BOT, first),
    ]
    for error in (duplicate.value, too_long.value):
        assert_no_secret(str(error))

    mock_after_the_poll.advance(60)
    since = mock_after_the_poll.now() - timedelta(minutes=5)
    own = h.platform.recent_own_posts(since=since)
    assert [p.id for p in own] == [reply, first]  # replies included, newest first


def test_posting_with_media_uploads_first(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    post_id = h.platform.create_post("chart", media=Media(data=tiny_png()))
    [posted] = mock_after_the_poll.posts()
    assert posted["id"] == post_id and len(posted["media_ids"]) == 1
    assert h.requests_to("media_upload") == 1


def test_posting_as_another_user_and_reading_mentions(mock_after_the_poll: MockServer) -> None:
    operator = Harness(
        mock_after_the_poll, credentials={"access_token": f"{OPERATOR}-CANARY-ACCESS-4e6a8c0b2d"}
    )
    h = Harness(mock_after_the_poll)
    before = [p.id for pg in h.platform.mentions(BOT) for p in pg.posts]
    mention = operator.platform.create_post("@pollbot jobs run collect")
    pages = list(h.platform.mentions(BOT, since_id=before[0] if before else None))
    [found] = [p for pg in pages for p in pg.posts]
    assert (found.id, found.author_id) == (mention, OPERATOR)


def test_bearer_only_cannot_post(mock_after_the_poll: MockServer) -> None:
    h = Harness(
        mock_after_the_poll,
        credentials={
            "api_key": None,
            "api_secret": None,
            "access_token": None,
            "access_token_secret": None,
        },
    )
    with pytest.raises(PlatformRejected, match="needs the bot's user credentials"):
        h.platform.create_post("hello")
    assert h.requests_to("create_tweet") == 0
    assert h.platform.user(OWNER).id == OWNER  # app-only reads still work


def test_incomplete_credentials_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="X_ACCESS_TOKEN_SECRET not set") as caught:
        XPlatform(**{**CANARIES, "access_token_secret": None})
    assert_no_secret(str(caught.value))
    with pytest.raises(UsageError, match="no X credentials"):
        XPlatform()


# -- rate limits, faults and retries against the mock ---------------------------------------


def test_429_with_reset_is_waited_out_on_the_scenario_clock(
    mock_after_the_poll: MockServer,
) -> None:
    h = Harness(mock_after_the_poll)
    h.platform.user(OWNER)
    reset = h.platform.rate_limits["user"].reset_epoch
    assert reset is not None
    h.fault(endpoint="user", status=429, times=1)
    assert h.platform.user(OWNER).id == OWNER
    now = int(mock_after_the_poll.now().timestamp() - sum(h.sleeps))
    assert h.sleeps == [reset - now + 1]
    assert mock_after_the_poll.stats()["rate_limited"] == 1
    assert h.requests_to("user") == 3


def test_429_without_reset_backs_off(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    h.fault(endpoint="user", status=429, times=2, reset_header=False)
    assert h.platform.user(OWNER).id == OWNER
    assert h.sleeps == [0.5, 1.0]  # capped exponential backoff (random fixed at 0)


def test_429_with_a_reset_beyond_max_wait_is_rate_limited(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll, max_wait_s=60)
    h.platform.user(OWNER)
    reset = h.platform.rate_limits["user"].reset_epoch
    assert reset is not None
    h.fault(endpoint="user", status=429, times=1)
    with pytest.raises(RateLimited) as caught:
        h.platform.user(OWNER)
    assert caught.value.reset_at == datetime.fromtimestamp(reset, UTC)
    assert caught.value.endpoint == "user" and h.sleeps == []
    assert_no_secret(str(caught.value))


def test_scenario_rate_limits_are_paced_without_429(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        start="2022-11-20T12:00:00.000Z",
        rate_limits={
            "user": {"limit": 2, "window_s": 60},
            "mentions": {"limit": 1, "window_s": 900},
        },
    )
    with MockServer(path, speed=0) as mock:
        h = Harness(mock, max_wait_s=120)
        for _ in range(5):
            h.platform.user(OWNER)
        assert mock.stats()["rate_limited"] == 0
        assert len(h.sleeps) == 2 and all(0 < s <= 61 for s in h.sleeps)
        # A window further away than max_wait_s: refused before any request is made.
        list(h.platform.mentions(BOT))
        with pytest.raises(RateLimited, match="mentions rate limit spent until") as caught:
            list(h.platform.mentions(BOT))
        assert h.requests_to("mentions") == 1 and caught.value.reset_at is not None
        assert caught.value.reset_at > mock.now()


def test_malformed_bodies_and_503_are_retried(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    h.fault(endpoint="search_recent", malformed=True, times=1)
    h.fault(endpoint="search_recent", status=503, times=2)
    pages = list(h.platform.search_recent(f"conversation_id:{ROOT} is:reply"))
    assert sum(len(p.posts) for p in pages) == 1000
    assert h.sleeps == [0.5, 1.0, 2.0]
    assert h.requests_to("search_recent") == 13


@pytest.mark.parametrize(
    ("spec", "last"),
    [
        ({"status": 503}, "HTTP 503 Service Unavailable"),
        ({"malformed": True}, "malformed JSON body (HTTP 200)"),
    ],
)
def test_lasting_failures_are_platform_unavailable(
    mock_after_the_poll: MockServer, spec: dict[str, Any], last: str
) -> None:
    h = Harness(mock_after_the_poll, retries=3)
    h.fault(endpoint="tweets_lookup", times=10, **spec)
    with pytest.raises(PlatformUnavailable) as caught:
        h.platform.polls([ROOT])
    assert str(caught.value) == f"X API tweets_lookup unavailable after 4 attempts (last: {last})"
    assert caught.value.endpoint == "tweets_lookup"
    assert h.sleeps == [0.5, 1.0, 2.0]  # 4 attempts, 3 waits between them
    assert h.requests_to("tweets_lookup") == 4


def test_a_slow_answer_times_out_and_is_retried(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll, read_timeout_s=0.2)
    h.fault(endpoint="user", delay_s=1.0, times=1)
    assert h.platform.user(OWNER).id == OWNER
    assert h.sleeps == [0.5]


def test_connection_refused_is_platform_unavailable(mock_after_the_poll: MockServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    h = Harness(mock_after_the_poll, base_url=f"http://127.0.0.1:{closed_port}", retries=1)
    with pytest.raises(
        PlatformUnavailable, match=r"user unavailable after 2 attempts \(last: ConnectionError\)"
    ):
        h.platform.user(OWNER)
    assert h.usage == []  # nothing answered, nothing counted


def test_platform_clock_is_the_mocks(mock_after_the_poll: MockServer) -> None:
    h = Harness(mock_after_the_poll)
    # Before any answer, now() makes one credential-free request for the date header.
    assert h.platform.now() == datetime(2022, 11, 20, 12, 0, tzinfo=UTC)
    assert sum(mock_after_the_poll.stats()["requests"].values()) == 0  # not an X request
    mock_after_the_poll.advance(3600)
    h.platform.user(OWNER)
    assert h.platform.now() == datetime(2022, 11, 20, 13, 0, tzinfo=UTC)


def test_no_secret_in_errors_or_debug_logs(
    mock_after_the_poll: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[Exception] = []
    with caplog.at_level(logging.DEBUG):
        h = Harness(mock_after_the_poll, retries=1, max_wait_s=1)
        h.platform.me()
        h.platform.create_post("hello", media=Media(data=tiny_png()))
        list(h.platform.mentions(BOT))
        h.fault(endpoint="user", status=503, times=5)
        h.fault(endpoint="search_recent", status=429, times=1)
        calls: list[Callable[[], object]] = [
            lambda: h.platform.create_post("hello"),
            lambda: h.platform.create_post("x" * 300),
            lambda: h.platform.user(OWNER),
            lambda: list(h.platform.search_recent("to:elonmusk")),
            lambda: h.platform.user_by_username("nobody_here"),
        ]
        for call in calls:
            try:
                call()
            except PlatformError as exc:
                errors.append(exc)
    assert [type(e).__name__ for e in errors] == [
        "DuplicatePost",
        "PlatformRejected",
        "PlatformUnavailable",
        "RateLimited",
        "NotFound",
    ]
    for error in errors:
        assert_no_secret(str(error))
        assert_no_secret(repr(error))
    assert "Making API request" in caplog.text  # tweepy's debug lines were there, masked
    assert_no_secret(caplog.text)

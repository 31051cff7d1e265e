"""The Mastodon client's chokepoint, through Mastodon.py, against a scripted HTTP server: each
test scripts the answers (status, headers, body) exactly, so every path of the error mapping,
the retries and the pacing is driven as Mastodon.py meets it on the wire."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.platforms.mastodon import MastodonPlatform
from bot.platforms.mastodon.posting import idempotency_key
from jobs.errors import (
    NotFound,
    PlatformError,
    PlatformRejected,
    PlatformUnavailable,
    RateLimited,
    Stopped,
)
from jobs.platform import Media, ThreadedPlatform
from tests.support.clients import Driven, FakeTime

T0 = datetime(2026, 8, 1, 13, 50, tzinfo=UTC)
TOKEN = "9000-CANARY-MASTODON-TOKEN-5e7a1c"


def status(sid: str) -> dict[str, Any]:
    return {
        "id": sid,
        "created_at": "2026-08-01T13:00:00.000Z",
        "account": {"id": "9000", "acct": "pollbot"},
        "content": f"<p>status {sid}</p>",
        "language": "en",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "poll": None,
    }


Reply = tuple[int, Any, dict[str, str]]


class Stub:
    """A Mastodon that plays scripted answers per path prefix (then a default), stamping
    each with a ``date`` header from ``now`` and the rate-limit headers Mastodon sends."""

    def __init__(self) -> None:
        self.now = T0
        self.script: dict[str, list[Reply]] = {}
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                sent = self.rfile.read(length) if length else b""
                stub.seen.append((self.command, self.path, dict(self.headers), sent))
                code, body, headers = stub.reply(self.path)
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response_only(code)
                self.send_header("date", format_datetime(stub.now, usegmt=True))
                reset = (stub.now + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
                base = {
                    "x-ratelimit-limit": "300",
                    "x-ratelimit-remaining": "299",
                    "x-ratelimit-reset": reset,
                }
                for name, value in {**base, **headers}.items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def reply(self, path: str) -> Reply:
        for prefix, queue in self.script.items():
            if path.startswith(prefix) and queue:
                return queue.pop(0)
        if path.startswith("/api/v1/accounts/verify_credentials"):
            return 200, {"id": "9000", "acct": "pollbot", "display_name": "Poll bot"}, {}
        if path.startswith("/api/v1/statuses/") and path.count("/") == 4:
            return 200, status(path.rsplit("/", 1)[1].split("?")[0]), {}
        return 404, {"error": "Record not found"}, {}

    def then(self, prefix: str, *replies: Reply) -> None:
        self.script.setdefault(prefix, []).extend(replies)

    def requests_to(self, prefix: str) -> int:
        return sum(1 for _, path, _, _ in self.seen if path.startswith(prefix))


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    yield server
    server.server.shutdown()
    server.server.server_close()


class Client(Driven):
    """A MastodonPlatform on the stub whose sleeps move the stub's clock."""

    def __init__(self, stub: Stub, **options: Any) -> None:
        self.stub = stub
        super().__init__(self._move_stub)
        self.platform = MastodonPlatform(
            base_url=stub.url,
            access_token=TOKEN,
            **self.knobs(),
            **{"retries": 3, "max_wait_s": 600.0, **options},
        )

    def _move_stub(self, seconds: float) -> None:
        self.stub.now += timedelta(seconds=seconds)


def test_it_is_a_threaded_platform(stub: Stub) -> None:
    platform: ThreadedPlatform = Client(stub).platform
    assert platform.name == "mastodon" and platform.supports_media


def test_5xx_and_malformed_answers_are_retried_with_capped_backoff(stub: Stub) -> None:
    c = Client(stub)
    stub.then(
        "/api/v1/statuses/7",
        (503, {"error": "Service Unavailable"}, {}),
        (502, b"<html>bad gateway</html>", {}),
        (200, b'{"id": "7", "conte', {}),
    )
    page = c.platform.lookup(["7"])
    assert [p.id for p in page.posts] == ["7"]
    assert c.time.sleeps == [0.5, 1.0, 2.0]
    assert stub.requests_to("/api/v1/statuses/7") == 4
    assert c.usage == [("status", 0), ("status", 0), ("status", 0), ("status", 1)]


def test_retries_run_out_as_platform_unavailable(stub: Stub) -> None:
    c = Client(stub, retries=2)
    stub.then("/api/v1/statuses/7", *[(500, {"error": "boom"}, {})] * 3)
    with pytest.raises(PlatformUnavailable) as caught:
        c.platform.conversation("7")
    assert str(caught.value) == (
        "Mastodon API status unavailable after 3 attempts (last: HTTP 500 Internal Server Error)"
    )
    assert caught.value.endpoint == "status" and caught.value.status == 500


def test_a_refused_connection_is_retried_then_unavailable() -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    t = FakeTime()
    platform = MastodonPlatform(
        base_url=url, access_token=TOKEN, monotonic=t.monotonic, sleep=t.sleep, retries=2,
        random=lambda: 0.0, initial_time=T0,
    )  # fmt: skip
    with pytest.raises(PlatformUnavailable, match=r"after 3 attempts \(last: connection error\)"):
        platform.user("1")
    assert t.sleeps == [0.5, 1.0]


def test_a_429_waits_for_its_iso_reset_on_the_platform_clock(stub: Stub) -> None:
    c = Client(stub)
    reset = (T0 + timedelta(seconds=90, microseconds=500_000)).isoformat().replace("+00:00", "Z")
    stub.then(
        "/api/v1/accounts/1",
        (
            429,
            {"error": "Too many requests"},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        ),
        (200, {"id": "1", "acct": "someone"}, {}),
    )
    assert c.platform.user("1").username == "someone"
    assert c.time.sleeps == [91.5]  # the reset, 90.5 s away on the platform clock, and 1 s
    assert c.platform.now() == T0 + timedelta(seconds=91.5)


def test_a_429_beyond_max_wait_is_rate_limited_with_its_reset(stub: Stub) -> None:
    c = Client(stub, max_wait_s=60)
    reset = T0 + timedelta(minutes=5)
    stub.then(
        "/api/v1/accounts/1",
        (
            429,
            {"error": "Too many requests"},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset.isoformat()},
        ),
    )
    with pytest.raises(RateLimited) as caught:
        c.platform.user("1")
    assert caught.value.reset_at == reset and caught.value.endpoint == "account"
    assert c.time.sleeps == []


def test_a_spent_window_is_waited_out_before_sending_and_shared_by_reads(stub: Stub) -> None:
    c = Client(stub)
    reset = (T0 + timedelta(seconds=30)).isoformat()
    stub.then(
        "/api/v1/accounts/1",
        (200, {"id": "1", "acct": "a"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}),
    )
    c.platform.user("1")
    # Mastodon's window is the account's, for every read: a status read waits for it too.
    c.platform.lookup(["5"])
    assert c.time.sleeps == [31.0]
    assert stub.requests_to("/api/v1/statuses/5") == 1
    # Posting has a window of its own.
    assert set(c.platform.rate_limits) == {"api"}


def test_a_spent_window_beyond_max_wait_refuses_without_sending(stub: Stub) -> None:
    c = Client(stub, max_wait_s=10)
    reset = (T0 + timedelta(minutes=4)).isoformat()
    stub.then(
        "/api/v1/accounts/1",
        (200, {"id": "1", "acct": "a"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}),
    )
    c.platform.user("1")
    with pytest.raises(RateLimited, match="rate limit spent until 2026-08-01T13:54:00Z"):
        c.platform.lookup(["5"])
    assert stub.requests_to("/api/v1/statuses/5") == 0


def test_a_stop_cuts_a_wait_short(stub: Stub) -> None:
    stop = threading.Event()
    stop.set()
    c = Client(stub, stop=stop)
    stub.then("/api/v1/accounts/1", (503, {}, {}))
    with pytest.raises(Stopped, match="to retry Mastodon account"):
        c.platform.user("1")
    assert c.time.sleeps == []


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (404, {"error": "Record not found"}, NotFound, r"not found \(HTTP 404: Record not found\)"),
        (401, {"error": "The access token is invalid"}, PlatformRejected, "MASTODON_ACCESS_TOKEN"),
        (
            403,
            {"error": "This action is outside the authorized scopes"},
            PlatformRejected,
            "outside the authorized scopes",
        ),
        # the recorded 422 of test_poll_illegal_vote, in the server's language
        (
            422,
            {"error": "バリデーションに失敗しました: このアンケートには投票済みです"},
            PlatformRejected,
            "投票済み",
        ),
        (400, b"<html>", PlatformRejected, "HTTP 400"),
    ],
)
def test_4xx_map_to_typed_errors(
    stub: Stub, status: int, body: Any, kind: type[PlatformError], words: str
) -> None:
    c = Client(stub)
    stub.then("/api/v1/accounts/1", (status, body, {}))
    with pytest.raises(kind, match=words) as caught:
        c.platform.user("1")
    assert type(caught.value) is kind and caught.value.status == status
    assert "\n" not in str(caught.value) and TOKEN not in str(caught.value)
    assert c.time.sleeps == [] and c.usage == [("account", 0)]


def test_the_token_never_shows_in_errors_or_logs(
    stub: Stub, caplog: pytest.LogCaptureFixture
) -> None:
    c = Client(stub, retries=1)
    # A server echoing the request back must not carry the token into a message.
    echo = {"error": f"invalid token Bearer {TOKEN}"}
    stub.then("/api/v1/accounts/1", (401, echo, {}))
    stub.then("/api/v1/accounts/2", (500, echo, {}), (500, echo, {}))
    with caplog.at_level(logging.DEBUG):
        for user_id in ("1", "2"):
            with pytest.raises(PlatformError) as caught:
                c.platform.user(user_id)
            assert TOKEN not in str(caught.value) and "CANARY" not in str(caught.value)
            if user_id == "1":  # the 401's text is shown, masked, with the variable's name
                assert "[redacted]" in str(caught.value)
                assert "MASTODON_ACCESS_TOKEN" in str(caught.value)
    assert TOKEN not in caplog.text
    assert stub.seen[0][2]["Authorization"] == f"Bearer {TOKEN}"  # it was sent, as a header


def test_the_clock_follows_the_date_header(stub: Stub) -> None:
    c = Client(stub)
    stub.then("/api/v1/accounts/1", (200, {"id": "1", "acct": "a"}, {}))
    c.platform.user("1")
    assert c.platform.now() == T0
    c.time.mono += 12.5  # time passes locally: the reading is carried forward
    assert c.platform.now() == T0 + timedelta(seconds=12.5)
    stub.now = T0 + timedelta(hours=3)  # the platform's clock jumps (a scenario moved it)
    c.platform.lookup(["5"])
    assert c.platform.now() == T0 + timedelta(hours=3)


def test_now_before_any_answer_probes_the_server(stub: Stub) -> None:
    c = Client(stub)
    assert c.platform.now() == T0
    assert stub.seen[0][:2] == ("GET", "/")
    assert "Authorization" not in stub.seen[0][2]  # the probe carries no credentials
    assert c.usage == []


def test_the_instance_is_read_once_for_the_status_length(stub: Stub) -> None:
    c = Client(stub)
    instance = {
        "domain": "mastodon.example",
        "configuration": {"statuses": {"max_characters": 1000}},
    }
    stub.then("/api/v2/instance", (200, instance, {}))
    assert c.platform.max_post_length == 1000
    assert c.platform.max_post_length == 1000
    assert stub.requests_to("/api/v2/instance") == 1 and c.usage == [("instance", 0)]


def test_a_gone_status_or_account_is_not_found(stub: Stub) -> None:
    c = Client(stub)
    stub.then("/api/v1/statuses/8", (410, {"error": "Gone"}, {}))
    assert c.platform.lookup(["7", "8"]).posts[0].id == "7"
    stub.then("/api/v1/accounts/8", (410, {"error": "Gone"}, {}))
    assert c.platform.users(["8"]) == []


def test_an_image_still_processing_is_waited_for_before_posting(stub: Stub) -> None:
    c = Client(stub)
    stub.then("/api/v2/media", (202, {"id": "77", "type": "image", "url": None}, {}))
    stub.then(
        "/api/v1/media/77",
        (206, {"id": "77", "type": "image", "url": None}, {}),
        (200, {"id": "77", "type": "image", "url": "https://files.example/77.png"}, {}),
    )
    stub.then("/api/v1/statuses", (200, status("500"), {}))
    chart = Media(b"\x89PNG fake", description="Yes 51.8%")
    assert c.platform.create_post("Summary", in_reply_to="7", media=chart) == "500"
    assert c.time.sleeps == [0.5, 1.0]
    assert [e for e, _ in c.usage] == [
        "verify_credentials", "media_upload", "media_upload", "media_upload", "create_status",
    ]  # fmt: skip
    method, path, headers, body = stub.seen[-1]
    assert (method, path) == ("POST", "/api/v1/statuses")
    assert headers["Idempotency-Key"] == idempotency_key(
        "9000", "Summary", in_reply_to="7", media=chart
    )
    assert b"media_ids%5B%5D=77" in body and b"in_reply_to_id=7" in body
    upload = next(b for m, p, _, b in stub.seen if p == "/api/v2/media")
    assert b"Yes 51.8%" in upload  # the alt text, as the upload's description


def test_a_remote_account_is_resolved_through_the_instance(stub: Stub) -> None:
    c = Client(stub)
    instance = {
        "domain": "mastodon.example",
        "configuration": {"statuses": {"max_characters": 500}},
    }
    stub.then("/api/v2/instance", (200, instance, {}))
    # Not known to the instance yet: the lookup misses, the search (a WebFinger) finds it.
    stub.then("/api/v1/accounts/lookup", (404, {"error": "Record not found"}, {}))
    found = [
        {"id": "41", "acct": "alice@other.social.example", "display_name": "Not her"},
        {"id": "42", "acct": "Alice@Other.Social", "display_name": "Alice"},
    ]
    stub.then("/api/v1/accounts/search", (200, found, {}))
    user = c.platform.user_by_username("@alice@other.social")
    assert (user.id, user.username, user.name) == ("42", "Alice@Other.Social", "Alice")
    search = next(p for _, p, _, _ in stub.seen if p.startswith("/api/v1/accounts/search"))
    assert "q=alice%40other.social" in search and "resolve=1" in search
    # The instance's own domain is a local account: the bare name is looked up.
    stub.then("/api/v1/accounts/lookup", (200, {"id": "7", "acct": "bob"}, {}))
    assert c.platform.user_by_username("bob@Mastodon.Example").username == "bob"
    assert stub.seen[-1][1] == "/api/v1/accounts/lookup?acct=bob"
    assert [e for e, _ in c.usage] == [
        "instance", "account_lookup", "account_search", "account_lookup",
    ]  # fmt: skip

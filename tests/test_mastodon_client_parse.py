"""The Mastodon client's pure parts, on the answers a real Mastodon 4.5 server gave
(``shared/data/mastodon-samples``): statuses, polls, accounts, threads, the instance, the
rate-limit headers, and the idempotency key."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.platforms.mastodon import parse
from bot.platforms.mastodon.pacing import bucket_of, parse_reset, window_from_headers
from bot.platforms.mastodon.posting import idempotency_key
from bot.platforms.x.pacing import Window
from jobs.platform import Media, PollOption
from tests.support.mastodon_samples import cassette, statuses


def _answer(name: str, method: str, path: str) -> Any:
    for exchange in cassette(name):
        if (
            exchange.status == 200
            and exchange.method == method
            and exchange.uri.split("?")[0].endswith(path)
        ):
            return exchange.body
    raise LookupError(f"{name}: no {method} {path}")


# -- statuses ---------------------------------------------------------------------------------


def test_every_recorded_status_becomes_a_post_with_the_wire_ids() -> None:
    seen = 0
    for name, raw in statuses():
        post = parse.parse_status(raw)
        assert post is not None, name
        assert post.id == raw["id"] and type(post.id) is str
        assert post.author_id == raw["account"]["id"] and type(post.author_id) is str
        assert (
            post.created_at.tzinfo is not None and post.created_at.utcoffset().total_seconds() == 0
        )  # type: ignore[union-attr]
        assert post.created_at == datetime.fromisoformat(raw["created_at"])
        assert post.replied_to_id == raw["in_reply_to_id"]
        assert post.in_reply_to_user_id == raw["in_reply_to_account_id"]
        assert post.lang == raw["language"]  # every recorded status declares one
        assert set(post.metrics) == {"reply_count", "retweet_count", "like_count"}
        seen += 1
    assert seen > 30


def test_a_reply_names_the_status_and_account_it_answers() -> None:
    reply = _answer("test_status_reply", "POST", "/api/v1/statuses")
    first = parse.parse_status(reply)
    assert first is not None and first.replied_to_id is None
    answers = [e.body for e in cassette("test_status_reply") if e.method == "POST"][1]
    post = parse.parse_status(answers)
    assert post is not None
    assert post.replied_to_id == "117020583245459824"
    assert post.in_reply_to_user_id == "117020566092212359"
    assert post.text == "@mastodonpy_test_2 same!"


def test_metrics_are_named_as_on_x() -> None:
    raw = copy.deepcopy(_answer("test_status_card", "GET", "/api/v1/statuses/117020609135389699"))
    raw.update(replies_count=3, reblogs_count=5, favourites_count=8)
    post = parse.parse_status(raw)
    assert post is not None
    assert post.metrics == {"reply_count": 3, "retweet_count": 5, "like_count": 8}


def test_a_content_warning_comes_first_and_a_reblog_is_no_post() -> None:
    raw = copy.deepcopy(_answer("test_status_card", "GET", "/api/v1/statuses/117020609135389699"))
    raw["spoiler_text"] = "politics"
    post = parse.parse_status(raw)
    assert post is not None and post.text == "politics\n\nhttp://example.org/"
    boost = {**raw, "id": "1", "content": "", "reblog": raw}
    assert parse.parse_status(boost) is None
    assert parse.parse_status({"content": "<p>no id</p>"}) is None


def test_ids_stay_strings_even_when_a_server_sends_numbers() -> None:
    raw = copy.deepcopy(_answer("test_status_reply", "POST", "/api/v1/statuses"))
    raw.update(id=117020583245459824, in_reply_to_id=5, in_reply_to_account_id=6)
    raw["account"]["id"] = 7
    post = parse.parse_status(raw)
    assert post is not None
    assert (post.id, post.replied_to_id, post.in_reply_to_user_id, post.author_id) == (
        "117020583245459824",
        "5",
        "6",
        "7",
    )


# -- polls ------------------------------------------------------------------------------------


def test_a_recorded_poll_becomes_a_poll() -> None:
    status = _answer("test_polls", "POST", "/api/v1/statuses")
    post = parse.parse_status(status)
    assert post is not None and post.poll_id == "1"
    poll = parse.poll_of(status, post)
    assert poll is not None
    assert (poll.id, poll.post_id) == ("1", "117020582690282017")
    assert poll.options == (
        PollOption(position=1, label="four twenty", votes=0),
        PollOption(position=2, label="sixty-nine", votes=0),
    )
    assert poll.voting_status == "open" and not poll.closed
    assert poll.end_datetime == datetime(2026, 8, 1, 13, 58, 7, 237000, tzinfo=UTC)
    assert poll.duration_minutes == 5


def test_poll_votes_and_expiry() -> None:
    voted = [e.body for e in cassette("test_polls") if e.method == "GET"][-1]
    poll = parse.parse_poll(voted, post_id="117020582690282017")
    assert poll is not None and poll.total_votes == voted["votes_count"] == 2
    closed = {**voted, "expired": True}
    assert parse.parse_poll(closed, post_id="x").voting_status == "closed"  # type: ignore[union-attr]
    # Hidden totals (``hide_totals`` until the poll ends): null counts, read as 0.
    hidden = {**voted, "votes_count": None, "options": [{"title": "a", "votes_count": None}]}
    poll = parse.parse_poll(hidden, post_id="x")
    assert poll is not None and poll.options == (PollOption(1, "a", 0),) and poll.total_votes == 0


# -- accounts and the instance ----------------------------------------------------------------


def test_accounts_are_named_by_their_acct() -> None:
    local = _answer("test_account_lookup", "GET", "/api/v1/accounts/lookup")
    user = parse.parse_account(local)
    assert user is not None and (user.id, user.username, user.name) == (
        "117020565966271181",
        "mastodonpy_test",
        "John Lennon",
    )
    remote = {**local, "id": "42", "acct": "alice@other.social", "username": "alice"}
    assert parse.parse_account(remote).username == "alice@other.social"  # type: ignore[union-attr]
    assert parse.parse_account({"acct": "x"}) is None


def test_the_instance_names_its_status_length_and_domain() -> None:
    instance = _answer("test_instance", "GET", "/api/v2/instance/")
    assert parse.max_characters(instance) == instance["configuration"]["statuses"]["max_characters"]
    assert parse.instance_domain(instance) == "localhost:3000"
    assert parse.max_characters({}) == 500 and parse.max_characters([], 280) == 280


def test_posts_read_are_counted_per_answer() -> None:
    page = _answer("test_fetch_next_previous", "GET", "/statuses")
    assert parse.count_statuses(page) == len(page) == 5
    notes = _answer("test_notifications_mentions_only", "GET", "/api/v1/notifications")
    assert parse.count_statuses(notes) == len(notes) >= 1
    assert parse.count_statuses({"ancestors": [], "descendants": []}) == 0
    assert parse.count_statuses(_answer("test_status_card", "POST", "/api/v1/statuses")) == 1
    assert parse.count_statuses(_answer("test_instance", "GET", "/api/v2/instance/")) == 0
    mentions = parse.mention_statuses(notes)
    assert [m["id"] for m in mentions] == [n["status"]["id"] for n in notes]


# -- threads ----------------------------------------------------------------------------------


def status(
    sid: str, *, reply_to: str | None = None, replies: int = 0, at: int = 0
) -> dict[str, Any]:
    return {
        "id": sid,
        "created_at": f"2022-11-19T00:{30 + at:02d}:00.000Z",
        "account": {"id": "1001", "acct": "someone"},
        "content": f"<p>status {sid}</p>",
        "language": "en",
        "in_reply_to_id": reply_to,
        "in_reply_to_account_id": "44196397" if reply_to else None,
        "replies_count": replies,
        "reblogs_count": 0,
        "favourites_count": 0,
        "poll": None,
    }


def depth_first_context() -> dict[str, Any]:
    """Replies to status 100 as Mastodon lists descendants: depth first (101, its reply 104,
    then 102), though 102 came before 104."""
    return {
        "ancestors": [],
        "descendants": [
            status("101", reply_to="100", replies=1, at=1),
            status("104", reply_to="101", at=4),
            status("102", reply_to="100", at=2),
        ],
    }


def test_a_thread_is_its_root_and_descendants_oldest_first() -> None:
    root = status("100", replies=2)
    root["poll"] = {"id": "9", "expires_at": None, "expired": False, "options": []}
    # Mastodon lists descendants depth first; the thread is oldest first.
    context = depth_first_context()
    thread = parse.parse_thread(root, context, cap=4096)
    assert thread is not None
    assert thread.root.id == "100" and thread.root.conversation_id == "100"
    assert [p.id for p in thread.posts] == ["101", "102", "104"]
    assert {p.conversation_id for p in thread.posts} == {"100"}
    assert [p.id for p in thread.polls] == ["9"] and thread.polls[0].post_id == "100"
    assert thread.complete


def test_a_thread_with_replies_missing_or_cut_is_incomplete() -> None:
    root = status("100", replies=3)  # three replies counted, two came back
    context = {
        "ancestors": [],
        "descendants": [status("101", reply_to="100"), status("102", reply_to="100")],
    }
    thread = parse.parse_thread(root, context, cap=4096)
    assert thread is not None and not thread.complete
    deeper = status("101", reply_to="100", replies=1)  # a descendant's reply is missing
    context = {"ancestors": [], "descendants": [deeper]}
    assert not parse.parse_thread(status("100", replies=1), context, cap=4096).complete  # type: ignore[union-attr]
    # The cap reached: Mastodon cut the answer there.
    many = [status(str(200 + i), reply_to="100") for i in range(5)]
    context = {"ancestors": [], "descendants": many}
    assert parse.parse_thread(status("100", replies=5), context, cap=10).complete  # type: ignore[union-attr]
    assert not parse.parse_thread(status("100", replies=5), context, cap=5).complete  # type: ignore[union-attr]


def test_known_replies_are_left_out_unread_and_still_count_for_completeness() -> None:
    context = depth_first_context()
    thread = parse.parse_thread(status("100", replies=2), context, cap=4096, known={"101", "104"})
    assert thread is not None and [p.id for p in thread.posts] == ["102"]
    assert thread.complete  # 101's reply (104) came back, though it was not read
    short = {"ancestors": [], "descendants": context["descendants"][:2]}
    thread = parse.parse_thread(status("100", replies=2), short, cap=4096, known={"101", "104"})
    assert thread is not None and thread.posts == () and not thread.complete


def test_a_thread_read_from_a_reply_names_the_conversations_root() -> None:
    context = {
        "ancestors": [status("50", replies=1)],
        "descendants": [status("102", reply_to="100")],
    }
    thread = parse.parse_thread(status("100", reply_to="50", replies=1), context, cap=4096)
    assert thread is not None and thread.root.conversation_id == "50"
    assert [p.conversation_id for p in thread.posts] == ["50"]


def test_the_recorded_empty_context() -> None:
    root = _answer("test_status_context", "POST", "/api/v1/statuses")
    context = _answer("test_status_context", "GET", "/context")
    thread = parse.parse_thread(root, context, cap=4096)
    assert thread is not None and thread.posts == () and thread.complete
    assert thread.root.text == "Toot!"


# -- rate-limit headers -----------------------------------------------------------------------


def test_recorded_rate_limit_headers_are_read() -> None:
    exchange = cassette("test_status_context")[1]
    window = window_from_headers(exchange.headers)
    reset = datetime(2026, 8, 1, 13, 55, 0, 31396, tzinfo=UTC)
    assert parse_reset(exchange.headers["x-ratelimit-reset"]) == reset
    assert window == Window(limit=300, remaining=299, reset_epoch=int(reset.timestamp()) + 1)
    assert parse_reset("1669000000") == datetime.fromtimestamp(1669000000, UTC)  # epoch form
    assert parse_reset("2026-08-01T15:00:00") == datetime(2026, 8, 1, 15, tzinfo=UTC)
    assert parse_reset("soon") is None and parse_reset(None) is None
    assert window_from_headers({"content-type": "application/json"}) is None


def test_windows_are_per_bucket() -> None:
    assert bucket_of("create_status") == "statuses"
    assert bucket_of("media_upload") == "media"
    assert {bucket_of(e) for e in ("status", "status_context", "notifications")} == {"api"}


# -- the idempotency key ----------------------------------------------------------------------


def test_the_idempotency_key_is_the_posts_identity() -> None:
    chart = Media(b"\x89PNG...", description="a chart")
    key = idempotency_key("9000", "Poll: Yes 51.8%", in_reply_to="5", media=chart)
    again = idempotency_key("9000", "Poll: Yes 51.8%", in_reply_to="5", media=Media(b"\x89PNG..."))
    assert key == again and key.startswith("pollbot-") and len(key) == 8 + 64
    others = {
        idempotency_key("9001", "Poll: Yes 51.8%", in_reply_to="5", media=chart),
        idempotency_key("9000", "Poll: Yes 51.9%", in_reply_to="5", media=chart),
        idempotency_key("9000", "Poll: Yes 51.8%", in_reply_to=None, media=chart),
        idempotency_key("9000", "Poll: Yes 51.8%", in_reply_to="5", media=None),
        idempotency_key("9000", "Poll: Yes 51.8%", in_reply_to="5", media=Media(b"\x89PNG..!")),
        # parts cannot run together into the same bytes
        idempotency_key("90005", "Poll: Yes 51.8%", in_reply_to="", media=chart),
    }
    assert key not in others and len(others) == 6


@pytest.mark.parametrize("text", ["", "x" * 5000, "emoji 🎉 and ünïcode"])
def test_the_key_is_stable_across_processes(text: str) -> None:
    # A plain function of its inputs (no salt, no clock): a restarted process derives it again.
    assert idempotency_key("1", text, in_reply_to=None, media=None) == idempotency_key(
        "1", text, in_reply_to=None, media=None
    )

"""A real ``MastodonPlatform`` (Mastodon.py) over HTTP against the Mastodon face of the mock
(SPEC "The Mastodon face"), its sleeps moving the scenario clock instead of waiting."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from bot.mock_api import MockServer, parse_scenario
from bot.platforms.mastodon import MastodonPlatform
from jobs.errors import NotFound, PlatformError, PlatformRejected, PlatformUnavailable, RateLimited
from jobs.platform import Media
from tests.support.clients import OnMock, tiny_png
from tests.support.scenarios import (
    ACCOUNT_ID,
    ALICE_ID,
    BOT_ID,
    ISO,
    OPS_ALICE,
    POLL_CLOSES,
    POLL_ID,
    POLL_POST_ID,
    POLL_POSTED,
    poll_scenario,
)

ROOT = POLL_POST_ID
TOKEN = f"{BOT_ID}-CANARY-MASTODON-TOKEN-3b9f0d"
AFTER = datetime(2022, 11, 20, 12, 0, tzinfo=UTC)  # every reply in, the poll closed


def scenario(replies: int, *, start: datetime = AFTER, **extra: Any) -> Any:
    doc = poll_scenario(
        replies, name="mastodon-client", start=start, posted=POLL_POSTED, until=POLL_CLOSES,
        users=[OPS_ALICE], **extra,
    )  # fmt: skip
    return parse_scenario(doc, source="test")


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(scenario(1000), speed=0, platform="mastodon") as server:
        yield server


class Harness(OnMock):
    """A MastodonPlatform on the mock whose sleeps move the scenario clock."""

    def __init__(self, mock: MockServer, **options: Any) -> None:
        super().__init__(mock)
        self.platform = MastodonPlatform(
            base_url=mock.url,
            access_token=options.pop("access_token", TOKEN),
            **self.knobs(),
            **{"retries": 4, "max_wait_s": 1000.0, **options},
        )


def thread_of(mock: MockServer, root: str = ROOT) -> list[dict[str, Any]]:
    """The replies the mock holds in the root's conversation, oldest first."""
    found = [p for p in mock.visible_posts() if p["conversation_id"] == root and p["id"] != root]
    return sorted(found, key=lambda p: (p["created_at"], int(p["id"])))


def post_as(mock: MockServer, account: str, text: str, *, reply_to: str | None = None) -> str:
    """Post ``text`` as the account whose id begins the bearer token."""
    form = {"status": text, **({"in_reply_to_id": reply_to} if reply_to else {})}
    answer = requests.post(
        f"{mock.url}/api/v1/statuses",
        data=form,
        headers={"Authorization": f"Bearer {account}-token"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


# -- reading ----------------------------------------------------------------------------------


def test_the_polls_conversation_is_read_whole(mock: MockServer) -> None:
    h = Harness(mock)
    thread = h.platform.conversation(ROOT)
    expected = thread_of(mock)
    assert len(expected) == 1000
    assert thread.root.id == ROOT and thread.root.author_id == ACCOUNT_ID
    assert thread.root.text == "Reinstate former President Trump" and thread.root.lang == "en"
    assert [p.id for p in thread.posts] == [p["id"] for p in expected]  # oldest first
    assert {p.conversation_id for p in (thread.root, *thread.posts)} == {ROOT}
    assert all(type(p.id) is str and type(p.author_id) is str for p in thread.posts)
    first = thread.posts[0]
    assert first.replied_to_id == expected[0]["in_reply_to"]
    assert first.created_at == datetime.fromisoformat(expected[0]["created_at"])
    assert thread.complete
    [poll] = thread.polls
    assert (poll.id, poll.post_id, poll.voting_status) == (POLL_ID, ROOT, "closed")
    assert [(o.label, o.votes) for o in poll.options] == [("Yes", 7814551), ("No", 7270907)]
    assert poll.end_datetime == POLL_CLOSES
    assert h.usage == [("status", 1), ("status_context", 1000)]
    assert mock.stats()["posts_read"] == 1001
    # Text as the X client stores it: mentions as @user, no HTML left.
    texts = [p.text for p in thread.posts]
    assert all("<" not in t and "&amp;" not in t for t in texts)
    assert sum(t.startswith("@elonmusk") for t in texts) > 100


def test_a_conversation_still_growing_is_complete_for_what_is_visible(tmp_path: Any) -> None:
    midway = POLL_POSTED + timedelta(hours=6)
    with MockServer(scenario(300, start=midway), speed=0, platform="mastodon") as mock:
        h = Harness(mock)
        early = h.platform.conversation(ROOT)
        assert early.complete and 0 < len(early.posts) < 300
        assert [p.voting_status for p in early.polls] == ["open"]
        mock.advance(24 * 3600)
        later = h.platform.conversation(ROOT)
        assert later.complete and len(later.posts) == 300
        assert {p.id for p in early.posts} < {p.id for p in later.posts}


def test_a_conversation_past_the_context_cap_is_incomplete() -> None:
    with MockServer(scenario(4200), speed=0, platform="mastodon") as mock:
        thread = Harness(mock).platform.conversation(ROOT)
        assert len(thread.posts) == 4096 and not thread.complete


def test_lookup_and_polls_leave_out_what_is_gone(mock: MockServer) -> None:
    h = Harness(mock)
    reply = thread_of(mock)[0]["id"]
    page = h.platform.lookup([ROOT, "1234567", reply, ROOT])
    assert [p.id for p in page.posts] == [ROOT, reply]
    assert [p.id for p in page.polls] == [POLL_ID]
    assert [p.post_id for p in h.platform.polls([reply, ROOT])] == [ROOT]


def account_scenario() -> Any:
    """@elonmusk's poll, then 90 posts of his own an hour apart, 5 replies of his to himself."""
    posts: list[dict[str, Any]] = []
    for i in range(90):
        posts.append({
            "id": str(1593800000000000000 + i * 1000),
            "author_id": ACCOUNT_ID,
            "created_at": (POLL_POSTED + timedelta(hours=1 + i)).strftime(ISO),
            "text": f"Post number {i} of mine",
            "lang": "en",
        })  # fmt: skip
    for i in range(5):
        posts.append({
            "id": str(1593900000000000000 + i),
            "author_id": ACCOUNT_ID,
            "created_at": (POLL_POSTED + timedelta(hours=100, minutes=i)).strftime(ISO),
            "text": f"And a reply to myself {i}",
            "in_reply_to": str(1593800000000000000 + i * 1000),
        })  # fmt: skip
    return scenario(10, start=POLL_POSTED + timedelta(days=5), posts=posts)


def test_account_statuses_come_newest_first_in_pages_of_40() -> None:
    with MockServer(account_scenario(), speed=0, platform="mastodon") as mock:
        h = Harness(mock)
        pages = list(h.platform.user_posts(ACCOUNT_ID))
        ids = [p.id for page in pages for p in page.posts]
        own = [str(1593800000000000000 + i * 1000) for i in reversed(range(90))] + [ROOT]
        assert ids == own  # no replies (not even to himself), the poll post last
        # Pages of 40 statuses; Mastodon's exclude_replies keeps an author's replies to
        # himself, which the client drops (the first page held all five).
        assert [len(page.posts) for page in pages][:3] == [35, 40, 16]
        assert all(page.next_token for page in pages[:-1]) and pages[-1].next_token is None
        assert pages[0].newest_id == own[0] and pages[0].oldest_id == own[34]
        assert [p.id for page in pages for p in page.polls] == [POLL_ID]
        assert h.usage == [("account_statuses", n) for n in (40, 40, 16)]  # posts read
        # since_id and until_id bound what is read, as on X
        newer = [
            p.id for pg in h.platform.user_posts(ACCOUNT_ID, since_id=own[50]) for p in pg.posts
        ]
        assert newer == own[:50]
        older = [
            p.id for pg in h.platform.user_posts(ACCOUNT_ID, until_id=own[69]) for p in pg.posts
        ]
        assert older == own[70:]
        both = h.platform.user_posts(ACCOUNT_ID, since_id=own[30], until_id=own[9])
        assert [p.id for pg in both for p in pg.posts] == own[10:30]


def test_a_caller_that_stops_early_makes_no_more_requests() -> None:
    with MockServer(account_scenario(), speed=0, platform="mastodon") as mock:
        h = Harness(mock)
        pages = h.platform.user_posts(ACCOUNT_ID)
        assert h.requests_to("account_statuses") == 0
        assert next(pages).next_token
        pages.close()
        assert h.requests_to("account_statuses") == 1


def test_accounts_by_address(mock: MockServer) -> None:
    h = Harness(mock)
    for address in (
        "elonmusk",
        "@elonmusk",
        "elonmusk@mastodon.example",
        "@ElonMusk@Mastodon.Example",
    ):
        user = h.platform.user_by_username(address)
        assert (user.id, user.username) == (ACCOUNT_ID, "elonmusk"), address
    assert h.platform.me().id == BOT_ID and h.platform.me().username == "pollbot"
    assert [u.id for u in h.platform.users([ACCOUNT_ID, "999999", ALICE_ID])] == [
        ACCOUNT_ID,
        ALICE_ID,
    ]
    with pytest.raises(NotFound):
        h.platform.user_by_username("nobody_here")
    with pytest.raises(NotFound):  # a remote account the instance cannot resolve
        h.platform.user_by_username("@someone@elsewhere.social")
    with pytest.raises(NotFound, match="no account can be called"):
        h.platform.user_by_username("not an/address")
    assert h.requests_to("account_lookup") == 6 and h.requests_to("verify_credentials") == 1


def test_the_status_length_is_the_instances(mock: MockServer) -> None:
    h = Harness(mock)
    assert h.platform.max_post_length == 500
    with pytest.raises(PlatformRejected, match="no recent search"):
        h.platform.search_recent("anything")


def test_mentions_are_the_mention_notifications_statuses(mock: MockServer) -> None:
    h = Harness(mock)
    first = [post_as(mock, ALICE_ID, f"@pollbot status please {i}") for i in range(3)]
    post_as(mock, ALICE_ID, "no mention here")
    pages = list(h.platform.mentions(BOT_ID))
    got = [p.id for page in pages for p in page.posts]
    assert got == list(reversed(first))
    assert all(p.author_id == ALICE_ID for page in pages for p in page.posts)
    assert pages[0].posts[0].text == "@pollbot status please 2"
    # The cursor: what came after the newest seen, bounded by the request itself now.
    later = [post_as(mock, ALICE_ID, f"@pollbot and then {i}") for i in range(2)]
    h.usage.clear()
    newer = [p.id for pg in h.platform.mentions(BOT_ID, since_id=got[0]) for p in pg.posts]
    assert newer == list(reversed(later))
    assert sum(n for _, n in h.usage) == 2  # only the two new ones were read
    assert [p.id for pg in h.platform.mentions(BOT_ID, until_id=later[0]) for p in pg.posts] == got
    with pytest.raises(PlatformRejected):
        h.platform.mentions(ACCOUNT_ID)


def test_mentions_since_a_status_a_new_process_has_not_seen(mock: MockServer) -> None:
    made = [post_as(mock, ALICE_ID, f"@pollbot number {i}") for i in range(4)]
    h = Harness(mock)  # a restarted process: no notification ids known
    newer = [p.id for pg in h.platform.mentions(BOT_ID, since_id=made[1]) for p in pg.posts]
    assert newer == [made[3], made[2]]


# -- posting ----------------------------------------------------------------------------------


def test_a_post_repeated_is_posted_once(mock: MockServer) -> None:
    h = Harness(mock)
    text = "Poll 'Reinstate former President Trump': Yes 51.8% / No 48.2%"
    first = h.platform.create_post(text)
    again = h.platform.create_post(text)  # a retry: same key, the first status back
    restarted = Harness(mock).platform.create_post(text)  # a new process, within the hour
    assert first == again == restarted
    posted = mock.posts()
    assert [(p["id"], p["author_id"], p["text"]) for p in posted] == [(first, BOT_ID, text)]
    # A different post is a different status, and an hour later the key is forgotten.
    reply = h.platform.create_post("Replies today: 31% positive", in_reply_to=first)
    assert reply != first and mock.posts()[-1]["in_reply_to"] == first
    mock.advance(3601)
    assert h.platform.create_post(text) not in (first, reply)
    assert len(mock.posts()) == 3


def test_a_chart_goes_up_with_its_alt_text(mock: MockServer) -> None:
    h = Harness(mock)
    chart = Media(tiny_png(), description="Yes 51.8%, No 48.2%")
    first = h.platform.create_post("With a chart", media=chart)
    assert h.platform.create_post("With a chart", media=chart) == first  # keyed on the bytes
    posted = mock.posts()
    assert len(posted) == 1 and len(posted[0]["media_ids"]) == 1
    assert h.requests_to("media_upload") == 2  # the second upload is left unattached
    status = requests.get(f"{mock.url}/api/v1/statuses/{first}", timeout=10).json()
    assert status["media_attachments"][0]["description"] == "Yes 51.8%, No 48.2%"


def test_recent_own_posts_include_replies(mock: MockServer) -> None:
    h = Harness(mock)
    start = h.platform.now()
    first = h.platform.create_post("Summary, part 1")
    second = h.platform.create_post("Summary, part 2", in_reply_to=first)
    mine = h.platform.recent_own_posts(since=start - timedelta(seconds=1))
    assert [p.id for p in mine] == [second, first]
    assert mine[0].replied_to_id == first


# -- the chokepoint on the wire ---------------------------------------------------------------


def test_5xx_are_retried_and_converge(mock: MockServer) -> None:
    h = Harness(mock)
    mock.add_fault(endpoint="status_context", status=503, times=2)
    thread = h.platform.conversation(ROOT)
    assert len(thread.posts) == 1000
    assert h.sleeps == [0.5, 1.0]
    assert h.requests_to("status_context") == 3
    assert [n for e, n in h.usage if e == "status_context"] == [0, 0, 1000]


def test_5xx_past_the_retries_are_unavailable(mock: MockServer) -> None:
    h = Harness(mock, retries=1)
    mock.add_fault(endpoint="status", status=502, times=5)
    with pytest.raises(PlatformUnavailable, match="status unavailable after 2 attempts"):
        h.platform.conversation(ROOT)


def test_a_429_is_waited_out_until_its_iso_reset(mock: MockServer) -> None:
    h = Harness(mock)
    mock.add_fault(endpoint="status", status=429, times=1)
    before = mock.now()
    assert [p.id for p in h.platform.lookup([ROOT]).posts] == [ROOT]
    # Mastodon's windows end on the clock's 5-minute marks: 12:05 here, and a second's margin.
    assert h.sleeps == [301.0]
    assert mock.now() == before + timedelta(seconds=301)


def test_a_429_too_far_away_is_rate_limited(mock: MockServer) -> None:
    h = Harness(mock, max_wait_s=60)
    mock.add_fault(endpoint="status", status=429, times=1)
    with pytest.raises(RateLimited) as caught:
        h.platform.lookup([ROOT])
    assert caught.value.reset_at == AFTER + timedelta(minutes=5)
    assert h.sleeps == []


def test_a_spent_window_is_waited_for_before_sending() -> None:
    limited = scenario(10, rate_limits={"status": {"limit": 2, "window_s": 300}})
    with MockServer(limited, speed=0, platform="mastodon") as mock:
        h = Harness(mock)
        h.platform.lookup([ROOT, ROOT + "0"])  # the second is gone (404), still counted
        assert h.sleeps == []
        h.platform.lookup([ROOT])
        assert h.sleeps == [301.0] and mock.stats()["rate_limited"] == 0
        h2 = Harness(mock, max_wait_s=10)  # the same token: the window's second request
        h2.platform.lookup([ROOT])
        with pytest.raises(RateLimited, match="rate limit spent until 2022-11-20T12:10:00Z"):
            h2.platform.lookup([ROOT])
        assert h.requests_to("status") == 4


def test_the_clock_follows_the_date_header(mock: MockServer) -> None:
    h = Harness(mock)
    assert h.platform.now() == AFTER  # probed before any request of the bot's
    h.platform.me()
    mock.advance(3 * 3600)
    assert h.platform.now() == AFTER  # nothing heard yet
    h.platform.user(ACCOUNT_ID)
    assert h.platform.now() == AFTER + timedelta(hours=3)
    h.time.mono += 42.0
    assert h.platform.now() == AFTER + timedelta(hours=3, seconds=42)


def test_no_secret_in_any_error_or_log(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(mock, retries=1)
    failures: list[PlatformError] = []
    with caplog.at_level(logging.DEBUG):
        for fault in (401, 403, 500, 422):
            mock.add_fault(endpoint="account", status=fault, times=2)
            with pytest.raises(PlatformError) as caught:
                h.platform.user(ACCOUNT_ID)
            failures.append(caught.value)
    messages = [str(f) for f in failures]
    assert "MASTODON_ACCESS_TOKEN" in messages[0] and "MASTODON_ACCESS_TOKEN" in messages[1]
    for text in (*messages, *(repr(f) for f in failures), caplog.text):
        assert TOKEN not in text and "CANARY" not in text


def test_the_faces_html_reads_back_as_the_text_that_was_posted(mastodon_mock: MockServer) -> None:
    """The mock's shared scenario (``tests.support.mastodon``): statuses written as plain text,
    served as Mastodon's HTML (mentions, a hashtag, a long link, paragraphs, entities)."""
    from tests.support.mastodon import (
        ALICE_AGAIN,
        ALICE_REPLY,
        ALICE_REPLY_TEXT,
        ELON_REPLY,
        INSTANCE,
        MENTIONS,
        SELF_REPLY,
    )

    h = Harness(mastodon_mock)
    thread = h.platform.conversation(ROOT)
    by_id = {p.id: p for p in thread.posts}
    assert by_id[ALICE_REPLY].text == ALICE_REPLY_TEXT
    assert by_id[ELON_REPLY].text == "@ops_alice Thanks, vote!"
    assert by_id[ALICE_AGAIN].replied_to_id == ELON_REPLY
    assert by_id[ALICE_AGAIN].in_reply_to_user_id == ACCOUNT_ID
    assert thread.complete and h.platform.max_post_length == 500
    # The instance's own domain is local: the bare name, as Mastodon's acct gives it.
    alice = h.platform.user_by_username(f"@ops_alice@{INSTANCE}")
    assert (alice.id, alice.username) == (ALICE_ID, "ops_alice")
    mine = [p.id for pg in h.platform.user_posts(ALICE_ID) for p in pg.posts]
    assert SELF_REPLY not in mine and ALICE_REPLY not in mine
    assert len(mine) == 7 and mine[:2] == list(reversed(MENTIONS))  # 5 notes, 2 mentions
    mentions = [p for pg in h.platform.mentions(BOT_ID) for p in pg.posts]
    assert [p.id for p in mentions] == list(reversed(MENTIONS))
    # A mention link reads as Mastodon shows it (@pollbot, the domain left out); an address
    # nobody resolved stays the plain text it was.
    assert mentions[0].text == "@pollbot again, @nobody@elsewhere.social"

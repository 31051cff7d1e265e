"""The Mastodon face of the mock, read through Mastodon.py itself over HTTP: accounts, an
account's statuses page by page, a conversation growing with the clock, a poll's figures,
mention notifications, a status's HTML, the instance."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from mastodon import MastodonNotFoundError

from tests.support.mastodon import (
    ALICE_AGAIN,
    ALICE_REPLY,
    ALICE_STATUSES,
    ALICE_TOKEN,
    ELON_REPLY,
    INSTANCE,
    LONG_URL,
    MENTIONS,
    NOTES,
    SELF_REPLY,
    client,
    mastodon_scenario,
)
from tests.support.scenarios import (
    ACCOUNT_ID,
    ALICE_ID,
    BOT_ID,
    POLL_CLOSES,
    POLL_ID,
    POLL_POST_ID,
    POLL_POSTED,
)


def test_lookup_finds_local_accounts_by_name_or_address(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    elon = api.account_lookup("elonmusk")
    assert str(elon.id) == ACCOUNT_ID and elon.acct == "elonmusk" and elon.username == "elonmusk"
    assert elon.url == f"https://{INSTANCE}/@elonmusk"
    assert str(api.account_lookup(f"elonmusk@{INSTANCE}").id) == ACCOUNT_ID
    assert str(api.account_lookup(f"@ops_alice@{INSTANCE}").id) == ALICE_ID
    for unknown in ("nobody", "elonmusk@mastodon.social"):
        with pytest.raises(MastodonNotFoundError) as caught:
            api.account_lookup(unknown)
        assert "Record not found" in str(caught.value)


def test_account_and_verify_credentials_follow_the_token(mastodon_mock: Any) -> None:
    alice = client(mastodon_mock.url, ALICE_TOKEN).me()
    assert str(alice.id) == ALICE_ID and alice.source["privacy"] == "public"
    assert alice.statuses_count == ALICE_STATUSES
    assert str(client(mastodon_mock.url, "not-a-user-token").me().id) == BOT_ID
    account = client(mastodon_mock.url).account(ALICE_ID)
    assert account.username == "ops_alice" and account.statuses_count == ALICE_STATUSES
    with pytest.raises(MastodonNotFoundError):
        client(mastodon_mock.url).account("123")


def test_statuses_page_newest_first_through_link_headers(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    seen: list[str] = []
    page = api.account_statuses(ALICE_ID, limit=4)
    sizes = []
    while page:
        sizes.append(len(page))
        seen += [str(s.id) for s in page]
        page = api.fetch_next(page)
    assert sizes == [4, 4, 2]
    assert seen == sorted(seen, key=int, reverse=True) and len(set(seen)) == ALICE_STATUSES
    # back again: the page before the second is the first
    first = api.account_statuses(ALICE_ID, limit=4)
    second = api.fetch_next(first)
    assert second is not None
    previous = api.fetch_previous(second)
    assert previous is not None
    assert [s.id for s in previous] == [s.id for s in first]
    # min_id: the statuses just after it, still newest first
    after = api.account_statuses(ALICE_ID, min_id=NOTES[0], limit=3)
    assert [str(s.id) for s in after] == [NOTES[3], NOTES[2], NOTES[1]]
    assert [str(s.id) for s in api.account_statuses(ALICE_ID, since_id=MENTIONS[0])] == [
        MENTIONS[1]
    ]


def test_exclude_replies_keeps_an_accounts_own_threads(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    ids = {str(s.id) for s in api.account_statuses(ALICE_ID, exclude_replies=True)}
    assert SELF_REPLY in ids and set(NOTES) <= ids
    assert ALICE_REPLY not in ids and ALICE_AGAIN not in ids
    assert len(ids) == ALICE_STATUSES - 2


def test_context_grows_with_the_clock_in_thread_order(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    early = api.status_context(POLL_POST_ID)
    assert early.ancestors == []
    ids = [str(s.id) for s in early.descendants]
    # depth first: Alice's reply, then what answers it, before the next reply to the poll
    at = ids.index(ALICE_REPLY)
    assert ids[at : at + 3] == [ALICE_REPLY, ELON_REPLY, ALICE_AGAIN]
    _assert_thread_order(early.descendants, POLL_POST_ID)
    mastodon_mock.advance(6 * 3600)
    later = api.status_context(POLL_POST_ID)
    visible = [p for p in mastodon_mock.visible_posts() if p["conversation_id"] == POLL_POST_ID]
    assert len(later.descendants) == len(visible) - 1 > len(early.descendants)
    _assert_thread_order(later.descendants, POLL_POST_ID)
    # the other way up: a reply's ancestors, oldest first
    up = api.status_context(ALICE_AGAIN)
    assert [str(s.id) for s in up.ancestors] == [POLL_POST_ID, ALICE_REPLY, ELON_REPLY]
    poll_status = api.status(POLL_POST_ID)
    assert poll_status.replies_count == sum(1 for p in visible if p["in_reply_to"] == POLL_POST_ID)


def _assert_thread_order(statuses: list[Any], root: str) -> None:
    """Each status follows its parent, and a status's subtree comes whole before its next
    sibling: depth-first, siblings oldest first."""
    path: list[str] = [root]
    for status in statuses:
        parent = str(status.in_reply_to_id)
        assert parent in path, f"{status.id} answers {parent}, not on the path {path}"
        del path[path.index(parent) + 1 :]
        path.append(str(status.id))


def test_context_without_a_token_is_capped_at_60(mastodon_mock: Any) -> None:
    mastodon_mock.advance(20 * 3600)
    anonymous = client(mastodon_mock.url, token=None).status_context(POLL_POST_ID)
    with_token = client(mastodon_mock.url).status_context(POLL_POST_ID)
    assert len(anonymous.descendants) == 60
    assert len(with_token.descendants) > 60
    assert [s.id for s in anonymous.descendants] == [s.id for s in with_token.descendants][:60]


def test_context_with_a_token_stops_at_4096(mastodon_factory: Callable[..., Any]) -> None:
    """Read over plain HTTP: Mastodon.py takes half a minute to type 4,096 statuses (9 MB)."""
    mock = mastodon_factory(mastodon_scenario(5000))
    mock.set_clock(POLL_CLOSES)
    answer = requests.get(
        f"{mock.url}/api/v1/statuses/{POLL_POST_ID}/context",
        headers={"Authorization": "Bearer 9000-token"},
        timeout=60,
    )
    assert answer.status_code == 200
    assert len(answer.json()["descendants"]) == 4096


def test_poll_figures_follow_the_scenario_clock(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    before = api.poll(POLL_ID)
    assert before.votes_count == 0 and before.voters_count == 0 and not before.expired
    assert [o.title for o in before.options] == ["Yes", "No"]
    assert before.multiple is False and before.own_votes == [] and before.voted is False
    mastodon_mock.set_clock(POLL_POSTED + timedelta(hours=6))
    during = api.status(POLL_POST_ID).poll
    assert [o.votes_count for o in during.options] == [4_100_000, 3_900_000]
    assert during.votes_count == 8_000_000 and not during.expired
    mastodon_mock.set_clock(POLL_CLOSES)
    after = api.poll(POLL_ID)
    assert after.expired and [o.votes_count for o in after.options] == [7_814_551, 7_270_907]
    assert after.expires_at == POLL_CLOSES
    assert client(mastodon_mock.url, ALICE_TOKEN).poll(POLL_ID).voted is False


def test_notifications_are_the_mentions_of_the_tokens_account(mastodon_mock: Any) -> None:
    api = client(mastodon_mock.url)
    mentions = api.notifications(types=["mention"])
    assert [str(n.status.id) for n in mentions] == [MENTIONS[1], MENTIONS[0]]
    assert all(n.type == "mention" and str(n.account.id) == ALICE_ID for n in mentions)
    assert all(str(n.id) != str(n.status.id) for n in mentions)  # ids of their own
    assert api.notifications(types=["follow"]) == []
    assert api.notifications(exclude_types=["mention"]) == []
    one = api.notifications(types=["mention"], limit=1)
    rest = api.fetch_next(one)
    assert rest is not None and [str(n.status.id) for n in rest] == [MENTIONS[0]]
    # Elon is mentioned by the generated replies too, never by his own statuses
    mastodon_mock.advance(24 * 3600)
    elon = client(mastodon_mock.url, f"{ACCOUNT_ID}-token").notifications(limit=80)
    assert len(elon) == 80 and all(str(n.account.id) != ACCOUNT_ID for n in elon)


def test_content_is_mastodons_html(mastodon_mock: Any) -> None:
    status = client(mastodon_mock.url).status(ALICE_REPLY)
    elon = (
        f'<span class="h-card" translate="no"><a href="https://{INSTANCE}/@elonmusk" '
        'class="u-url mention">@<span>elonmusk</span></a></span>'
    )
    tag = f'<a href="https://{INSTANCE}/tags/vote" class="mention hashtag" rel="tag">#<span>Vote</span></a>'
    link = (
        f'<a href="{LONG_URL}" target="_blank" rel="nofollow noopener" translate="no">'
        '<span class="invisible">https://www.</span>'
        '<span class="ellipsis">example.com/a/very/long/path/t</span>'
        '<span class="invisible">hat/goes/on/and/on</span></a>'
    )
    assert status.content == (
        f"<p>{elon} What a question! &lt;3 &amp; more</p>"
        f"<p>Second paragraph<br />line two {tag} {link}</p>"
    )
    assert [m.acct for m in status.mentions] == ["elonmusk"]
    assert [t.name for t in status.tags] == ["vote"]
    assert str(status.in_reply_to_id) == POLL_POST_ID
    assert str(status.in_reply_to_account_id) == ACCOUNT_ID
    assert status.url == f"https://{INSTANCE}/@ops_alice/{ALICE_REPLY}"
    assert status.language == "en" and status.visibility == "public"
    assert status.account.username == "ops_alice"
    # a remote address stays text; the bot's full local address is a mention
    mention = client(mastodon_mock.url).status(MENTIONS[1])
    assert "@nobody@elsewhere.social" in mention.content
    assert [m.acct for m in mention.mentions] == ["pollbot"]


def test_instance_gives_the_scenarios_status_length(mastodon_factory: Callable[..., Any]) -> None:
    mock = mastodon_factory(mastodon_scenario(10) | {"max_characters": 777})
    instance = client(mock.url).instance_v2()
    assert instance.domain == INSTANCE
    assert instance.configuration.statuses.max_characters == 777


def test_paths_with_a_trailing_slash_and_the_date_on_the_scenario_clock(
    mastodon_mock: Any,
) -> None:
    plain = requests.get(f"{mastodon_mock.url}/api/v1/statuses/{ALICE_REPLY}", timeout=10)
    slashed = requests.get(f"{mastodon_mock.url}/api/v1/statuses/{ALICE_REPLY}/", timeout=10)
    assert plain.status_code == slashed.status_code == 200
    assert plain.json() == slashed.json()
    assert plain.headers["date"] == "Sat, 19 Nov 2022 01:10:00 GMT"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", plain.headers["x-ratelimit-reset"]
    )
    assert plain.headers["x-ratelimit-reset"] == "2022-11-19T01:15:00.000000Z"
    missing = requests.get(f"{mastodon_mock.url}/api/v1/nothing/here", timeout=10)
    assert missing.status_code == 404 and "error" in missing.json()


def test_a_status_not_yet_posted_is_not_found(mastodon_factory: Callable[..., Any]) -> None:
    mock = mastodon_factory(mastodon_scenario(10))  # the clock at the start: 00:00
    api = client(mock.url)
    with pytest.raises(MastodonNotFoundError) as caught:
        api.status(NOTES[0])
    assert "Record not found" in str(caught.value)
    mock.advance(11 * 60)
    assert str(api.status(NOTES[0]).id) == NOTES[0]
    assert api.status(NOTES[0]).replies_count == 0

"""The Mastodon face of the mock as tests drive it: a scenario with threads, mentions, a link,
a hashtag and the poll, on the instance ``poll.example``; and Mastodon.py clients against it.

A client's token is ``<account id>-...``: the face posts as that account (the bot's,
``9000-token``, by default)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mastodon import Mastodon

from bot.mock_api.timefmt import snowflake, to_ms
from tests.support.scenarios import (
    ACCOUNT_ID,
    ALICE_ID,
    BOT_ID,
    ISO,
    OPS_ALICE,
    POLL_POST_ID,
    START,
    poll_scenario,
)

INSTANCE = "poll.example"
MAX_CHARACTERS = 500
BOT_TOKEN = f"{BOT_ID}-token"
ALICE_TOKEN = f"{ALICE_ID}-token"
LONG_URL = "https://www.example.com/a/very/long/path/that/goes/on/and/on"


def _at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def sid(minutes: int, seq: int = 0) -> str:
    """The id of a scripted status made ``minutes`` after the start (a snowflake of its time)."""
    return str(snowflake(to_ms(_at(minutes)), seq))


def _post(minutes: int, author: str, text: str, reply_to: str | None = None) -> dict[str, Any]:
    post = {"id": sid(minutes), "author_id": author, "created_at": _at(minutes).strftime(ISO)}
    post |= {"text": text, "lang": "en"}
    if reply_to is not None:
        post["in_reply_to"] = reply_to
    return post


# @ops_alice's notes (top-level, 00:10 to 00:14), her reply to her first note (a thread)
NOTES = [sid(10 + n) for n in range(5)]
SELF_REPLY = sid(20)
# a thread under the poll: Alice answers it, Elon answers her, she answers him
ALICE_REPLY, ELON_REPLY, ALICE_AGAIN = sid(40), sid(45), sid(50)
ALICE_REPLY_TEXT = (
    f"@elonmusk What a question! <3 & more\n\nSecond paragraph\nline two #Vote {LONG_URL}"
)
# Alice mentions the bot twice: by name, and by its full address
MENTIONS = [sid(60), sid(65)]
ALICE_STATUSES = 10
AFTER_THREADS = _at(70)  # every scripted status visible; the poll's first votes are at 06:00


def mastodon_scenario(replies: int = 200, **options: Any) -> dict[str, Any]:
    """The poll scenario of ``tests.support.scenarios`` with ``replies`` generated replies, @ops_alice
    and her scripted statuses, served as ``poll.example``; ``options`` go to ``poll_scenario``."""
    posts = [_post(10 + n, ALICE_ID, f"Morning note {n} #polls") for n in range(5)]
    posts += [
        _post(20, ALICE_ID, "And a follow-up to my first note", NOTES[0]),
        _post(40, ALICE_ID, ALICE_REPLY_TEXT, POLL_POST_ID),
        _post(45, ACCOUNT_ID, "@ops_alice Thanks, vote!", ALICE_REPLY),
        _post(50, ALICE_ID, "@elonmusk done", ELON_REPLY),
        _post(60, ALICE_ID, "@pollbot status please"),
        _post(65, ALICE_ID, f"@pollbot@{INSTANCE} again, @nobody@elsewhere.social"),
    ]
    doc = poll_scenario(replies, users=[OPS_ALICE], posts=posts, **options)
    doc |= {"instance": INSTANCE, "max_characters": MAX_CHARACTERS}
    return doc


def client(url: str, token: str | None = BOT_TOKEN, **options: Any) -> Mastodon:
    """Mastodon.py 2.x against the mock at ``url``, raising on a 429 (no sleeping)."""
    return Mastodon(
        api_base_url=url,
        access_token=token,
        ratelimit_method="throw",
        version_check_mode="none",
        **options,
    )

"""The Mastodon face of the mock as tests drive it: a scenario with threads, mentions, a link,
a hashtag and the poll, on the instance ``poll.example``; and Mastodon.py clients against it.

A client's token is ``<account id>-...``: the face posts as that account (the bot's,
``9000-token``, by default)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mastodon import Mastodon

from bot.mock_api.scenario import MASTODON_ENDPOINTS
from bot.mock_api.timefmt import snowflake, to_ms
from tests.support.scenarios import (
    ACCOUNT_ID,
    ALICE_ID,
    BOT_ID,
    ELONMUSK,
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


# A poll's conversation comes in one ``context`` answer of at most 4,096 descendants.
BENCH_PER_POLL = 4_000
# Benchmarks measure speed, not the limit: Mastodon's 300 requests per 5 minutes (all
# endpoints together) would stop rounds of runs on the mock's frozen clock.
UNLIMITED = {name: {"limit": 10**9, "window_s": 300} for name in MASTODON_ENDPOINTS}


def bench_scenario(
    replies: int, *, per_poll: int = BENCH_PER_POLL, hours: float = 24.0, seed: int = 7
) -> dict[str, Any]:
    """The benchmarks' on Mastodon: ``replies`` generated replies over ``hours`` to as few
    polls of @elonmusk as keep each conversation within ``per_poll`` (the first poll is
    ``POLL_POST_ID``, the others posted a minute apart after it), each poll's replies a
    ``generate`` block of its own (seed ``seed + n``); no rate limit; served as
    ``poll.example``. ``poll_urls`` gives the polls' status URLs, to track."""
    polls = max(1, -(-replies // per_poll))
    counts = [replies // polls + (n < replies % polls) for n in range(polls)]
    doc = poll_scenario(
        counts[0], name=f"bench-mastodon-{replies}", seed=seed, hours=hours, rate_limits=UNLIMITED
    )
    first = doc["generate"]
    blocks = [first]
    for n in range(1, polls):
        created = START + timedelta(minutes=30 + n)
        post_id = str(snowflake(to_ms(created), 0))
        poll = {"id": str(snowflake(to_ms(created), 1)), "duration_minutes": 1440}
        poll |= {"options": ["Yes", "No"]}
        doc["posts"].append(
            {"id": post_id, "author_id": ACCOUNT_ID, "created_at": created.strftime(ISO)}
            | {"text": f"Poll number {n + 1}: should this go on?", "lang": "en", "poll": poll}
        )
        blocks.append(first | {"replies_to": [post_id], "count": counts[n], "seed": seed + n})
    doc["generate"] = blocks
    doc |= {"instance": INSTANCE, "max_characters": MAX_CHARACTERS}
    return doc


def poll_urls(doc: dict[str, Any]) -> list[str]:
    """The status URLs of the scenario's polls on its instance (what ``track`` is given)."""
    user = ELONMUSK["username"]
    return [
        f"https://{doc['instance']}/@{user}/{p['id']}"
        for p in doc["posts"]
        if p.get("poll") is not None and p["author_id"] == ACCOUNT_ID
    ]


def client(url: str, token: str | None = BOT_TOKEN, **options: Any) -> Mastodon:
    """Mastodon.py 2.x against the mock at ``url``, raising on a 429 (no sleeping)."""
    return Mastodon(
        api_base_url=url,
        access_token=token,
        ratelimit_method="throw",
        version_check_mode="none",
        **options,
    )

"""The one scenario most tests and every benchmark use: @elonmusk's poll and N generated
replies to it, built by ``poll_scenario``; and the named variants of it (the tests' default,
the benchmarks', the fault soak's).

The documents are plain dicts, as a scenario file holds them; ``bot.mock_api.parse_scenario``
takes them as they are. The ids and times are those of the builtin nov-2022 world.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.mock_api import ENDPOINTS

START = datetime(2022, 11, 19, 0, 0, tzinfo=UTC)
ACCOUNT_ID = "44196397"  # @elonmusk
POLL_POST_ID = "1593767953706921985"  # the post that carries the poll
POLL_ID = "1593767953539239936"  # the poll object itself
BOT_ID = "9000"  # @pollbot
ALICE_ID = "1101"  # @ops_alice, the operator
POLL_POSTED = START + timedelta(minutes=30)
POLL_CLOSES = POLL_POSTED + timedelta(hours=24)  # its 1440 minutes are over
ISO = "%Y-%m-%dT%H:%M:%S.000Z"
SEARCH_WINDOW = timedelta(days=7)  # recent search sees this far back

ELONMUSK = {"id": ACCOUNT_ID, "username": "elonmusk", "name": "Elon Musk"}
OPS_ALICE = {"id": ALICE_ID, "username": "ops_alice", "name": "Alice"}
# Benchmarks measure speed, not the limit: X's 450 searches a window would stop a
# million-reply pass after 45,000.
UNLIMITED_SEARCH = {"search_recent": {"limit": 10**9, "window_s": 900}}


def poll_scenario(
    replies: int,
    *,
    name: str = "generated",
    start: datetime = START,
    posted: datetime | None = None,
    users: Sequence[Mapping[str, str]] = (),
    posts: Sequence[Mapping[str, Any]] = (),
    lang: str | None = "en",
    poll_minutes: int = 1440,
    votes: Sequence[Mapping[str, Any]] | None = None,
    seed: int = 7,
    hours: float = 24.0,
    until: datetime | None = None,
    rate_limits: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A scenario whose clock starts at ``start``: @elonmusk (then ``users``) and the bot;
    his poll posted at ``posted`` (default 30 minutes after ``start``), then ``posts``; and
    ``replies`` replies generated from ``seed``, from a minute after the poll over ``hours``
    (or up to ``until``).

    ``lang``: the poll post's language (None: no ``lang`` key). ``votes``: the poll's counts
    over time; None gives 4.1M/3.9M five and a half hours after the poll and the final
    7,814,551/7,270,907 a day after it; an empty sequence leaves the key out.
    ``rate_limits``: the document's ``rate_limits`` when given and not empty.
    """
    posted = posted or start + timedelta(minutes=30)
    if votes is None:
        votes = [
            {"at": (posted + timedelta(hours=5, minutes=30)).strftime(ISO), "counts": [4100000, 3900000]},
            {"at": (posted + timedelta(hours=24)).strftime(ISO), "counts": [7814551, 7270907]},
        ]  # fmt: skip
    poll: dict[str, Any] = {
        "id": POLL_ID,
        "duration_minutes": poll_minutes,
        "options": ["Yes", "No"],
    }
    if votes:
        poll["votes"] = [dict(v) for v in votes]
    poll_post: dict[str, Any] = {
        "id": POLL_POST_ID,
        "author_id": ACCOUNT_ID,
        "created_at": posted.strftime(ISO),
        "text": "Reinstate former President Trump",
    }
    if lang is not None:
        poll_post["lang"] = lang
    poll_post["poll"] = poll
    first = posted + timedelta(minutes=1)
    doc: dict[str, Any] = {
        "name": name,
        "start": start.strftime(ISO),
        "bot": {"id": BOT_ID, "username": "pollbot"},
        "users": [dict(ELONMUSK), *(dict(u) for u in users)],
        "posts": [poll_post, *(dict(p) for p in posts)],
        "generate": {
            "replies_to": [POLL_POST_ID],
            "count": replies,
            "seed": seed,
            "from": first.strftime(ISO),
            "to": (until or first + timedelta(hours=hours)).strftime(ISO),
        },
    }
    if rate_limits:
        doc["rate_limits"] = dict(rate_limits)
    return doc


def generated_scenario(
    *,
    count: int,
    seed: int = 7,
    hours: float = 24.0,
    rate_limits: dict[str, object] | None = None,
    start: datetime = START,
) -> dict[str, Any]:
    """The tests' default: the poll posted 30 minutes after ``start``, ``count`` generated
    replies to it over ``hours``, and @ops_alice to be an operator."""
    return poll_scenario(
        count,
        start=start,
        users=[OPS_ALICE],
        seed=seed,
        hours=hours,
        rate_limits=rate_limits,
    )


def bench_scenario(replies: int, *, hours: float = 24.0, seed: int = 7) -> dict[str, Any]:
    """The benchmarks': the poll posted 30 minutes after START, ``replies`` generated replies
    to it over ``hours``, and no rate limit on search."""
    return poll_scenario(
        replies, name=f"bench-{replies}", seed=seed, hours=hours, rate_limits=UNLIMITED_SEARCH
    )


def collect_time(doc: Mapping[str, Any]) -> datetime:
    """A scenario time one hour after the last generated reply (of every ``generate`` block,
    when it holds a list): every reply is visible and well inside the 7-day window of recent
    search."""
    blocks = doc["generate"] if isinstance(doc["generate"], list) else [doc["generate"]]
    end = max(datetime.strptime(b["to"], ISO).replace(tzinfo=UTC) for b in blocks)
    return end + timedelta(hours=1)


def soak_scenario(
    *, hours: float, replies_per_hour: int = 1500, seed: int = 7, rate_window_s: int | None = 1
) -> dict[str, Any]:
    """The fault soak's and the crash matrix's: @elonmusk posts a poll 30 minutes in; replies
    (to it, and to each other) arrive over ``hours``; the poll closes half-way, its votes
    growing until then. Everything stays in the 7-day search window, so a store that missed
    nothing equals what the mock shows.

    ``rate_window_s``: every endpoint's rate-limit window, in scenario seconds, with limits
    too high to reach: the soak is about injected faults. Why: the daemon cannot know that
    the mock's clock runs fast. An injected 429 says "wait for the reset" (up to 15 scenario
    minutes away with the documented windows); the client waits scenario seconds in real
    seconds, or gives up and remembers the window as spent, and between answers its clock
    moves at real speed, so every endpoint soon sits out most of a window for nothing.
    Windows of one scenario second keep each 429 a wait of 2-3 real seconds. None: the
    documented windows and limits.
    """
    if timedelta(hours=hours) + timedelta(hours=1) > SEARCH_WINDOW:
        raise ValueError(f"{hours:.0f} scenario hours do not fit the 7-day search window")
    posted = START + timedelta(minutes=30)
    poll_minutes = int(min(10080, max(5, hours * 60 / 2)))
    closes = posted + timedelta(minutes=poll_minutes)
    votes = [
        {
            "at": (posted + (closes - posted) * (i + 1) / 8).strftime(ISO),
            "counts": [410_000 * (i + 1) + 7 * i * i, 390_000 * (i + 1) + 11 * i],
        }
        for i in range(8)
    ]
    rate_limits = (
        {name: {"limit": 1_000_000, "window_s": rate_window_s} for name in ENDPOINTS}
        if rate_window_s is not None
        else None
    )
    return poll_scenario(
        max(1, int(replies_per_hour * hours)),
        name="soak",
        posted=posted,
        users=[OPS_ALICE],
        poll_minutes=poll_minutes,
        votes=votes,
        seed=seed,
        until=posted + timedelta(hours=hours),
        rate_limits=rate_limits,
    )

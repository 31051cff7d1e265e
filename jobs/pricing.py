"""X's pay-per-use prices (the April 2026 table) and what one answer costs: the bot's estimate.

Prices are in mills (tenths of a US cent), so that a month of sums stays exact:
- a post read 5 ($0.005); an owned read (a post read from the bot's own mentions or timeline,
  in its own user context) 1 ($0.001); a user read 10 ($0.010);
- a post created 15 ($0.015); 200 ($0.20) when its text holds a URL (as twitter-text, which X
  uses, finds one: the X client tells, ``bot.platforms.x.billing``); a reply to a post that
  summoned the bot (mentions it or quotes its post) 10 ($0.010);
- the same post or user read twice in one UTC day is billed once, at its first read's price.
Only answers that succeed are billed.

A table and arithmetic only: ``pollbot status`` shows the estimate (``usd``) and imports this
module, so it parses no text (twitter-text takes a quarter of a second to import).
"""

from __future__ import annotations

from dataclasses import dataclass

POST_READ = 5
OWNED_READ = 1
USER_READ = 10
POST_CREATED = 15
URL_POST = 200
SUMMONED_REPLY = 10
MILLS_PER_USD = 1000


@dataclass(frozen=True, slots=True)
class Charge:
    """What one successful answer costs: ``mills`` for each of ``ids`` first read today
    (``kind`` "post" or "user"), or ``mills`` once (``kind`` None: a post created)."""

    endpoint: str
    mills: int
    kind: str | None = None
    ids: tuple[int, ...] = ()


def post_reads(endpoint: str, ids: tuple[int, ...], *, owned: bool = False) -> Charge:
    return Charge(endpoint, OWNED_READ if owned else POST_READ, "post", ids)


def user_reads(endpoint: str, ids: tuple[int, ...]) -> Charge:
    return Charge(endpoint, USER_READ, "user", ids)


def post_created(*, has_url: bool, summoned_reply: bool) -> Charge:
    if has_url:
        return Charge("create_tweet", URL_POST)
    return Charge("create_tweet", SUMMONED_REPLY if summoned_reply else POST_CREATED)


def usd(mills: int) -> float:
    return round(mills / MILLS_PER_USD, 3)

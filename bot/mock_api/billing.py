"""X's pay-per-use bill (the April 2026 table), as the mock charges it.

Prices are in mills (tenths of a US cent), so that sums stay exact: a post read 5, a user read
10, an owned read (a post read from the caller's own mentions or timeline) 1, a post created 15,
200 when its text holds a URL (as twitter-text finds one), 10 for a reply to a post that
summoned the poster. The same post or user read twice in one UTC day (of the scenario clock) is
billed once, at the price of its first read. Only answers that succeed are billed; posts and
users in ``includes`` are not (a simplification: X bills expansions too)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from twitter_text import extract_urls

POST_READ = 5
OWNED_READ = 1
USER_READ = 10
POST_CREATED = 15
URL_POST = 200
SUMMONED_REPLY = 10
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Charge:
    mills: int
    item: tuple[str, int] | None = None  # ("post" | "user", id): billed once a UTC day


def post_reads(ids: Iterable[int], *, owned: bool = False) -> tuple[Charge, ...]:
    price = OWNED_READ if owned else POST_READ
    return tuple(Charge(price, ("post", i)) for i in ids)


def user_reads(ids: Iterable[int]) -> tuple[Charge, ...]:
    return tuple(Charge(USER_READ, ("user", i)) for i in ids)


def post_created(text: str, *, summoned: bool) -> Charge:
    if extract_urls(text):
        return Charge(URL_POST)
    return Charge(SUMMONED_REPLY if summoned else POST_CREATED)


@dataclass(slots=True)
class Bill:
    mills: int = 0
    _day: int = -1
    _seen: set[tuple[str, int]] = field(default_factory=set)

    def charge(self, charges: Iterable[Charge], now_ms: int) -> None:
        day = now_ms // DAY_MS
        if day != self._day:
            self._day, self._seen = day, set()
        for c in charges:
            if c.item is not None:
                if c.item in self._seen:
                    continue
                self._seen.add(c.item)
            self.mills += c.mills

    @property
    def usd(self) -> float:
        return round(self.mills / 1000, 3)

"""Compact storage of posts and the id-sorted indexes that pages are cut from.

Bulk (generated) posts live in columns (``Block``: arrays of 8-byte ints, one list of texts), a
few hundred bytes a post, so a million fit in memory; the posts of the scenario file and those
created at run time are ``Rec`` tuples in a dict. Every index keeps ids sorted, so a page is a
bisect plus a slice: on the clock (an id carries its creation time), on ``since_id``/``until_id``
and on the 7-day window.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.mock_api.scenario import PollSpec
from bot.mock_api.timefmt import first_id_at, last_id_at, snowflake_ms


class Rec(NamedTuple):
    """One post as the endpoints see it. Ids are ints here; 0 means none."""

    id: int
    ms: int  # created_at, epoch milliseconds
    author: int
    parent: int  # the post it replies to
    conv: int  # conversation_id: the root of its thread
    reply_user: int  # in_reply_to_user_id
    lang: str
    text: str
    poll: PollSpec | None = None
    media: tuple[str, ...] = ()


@dataclass(slots=True)
class Block:
    """Posts in columns, sorted by id; their ids carry their creation time (snowflakes)."""

    ids: array = field(default_factory=lambda: array("q"))
    author: array = field(default_factory=lambda: array("q"))
    parent: array = field(default_factory=lambda: array("q"))
    conv: array = field(default_factory=lambda: array("q"))
    reply_user: array = field(default_factory=lambda: array("q"))
    lang: array = field(default_factory=lambda: array("B"))  # index into ``langs``
    text: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)

    def get(self, post_id: int) -> Rec | None:
        i = bisect_left(self.ids, post_id)
        if i == len(self.ids) or self.ids[i] != post_id:
            return None
        # tuple.__new__ skips the namedtuple's Python-level constructor (a hot path)
        return tuple.__new__(
            Rec,
            (
                post_id,
                snowflake_ms(post_id),
                self.author[i],
                self.parent[i],
                self.conv[i],
                self.reply_user[i],
                self.langs[self.lang[i]],
                self.text[i],
                None,
                (),
            ),
        )


@dataclass(slots=True)
class Bounds:
    """Which ids a page may hold: ``lo < id < hi`` and created within ``[min_ms, now_ms]``."""

    now_ms: int
    lo: int = 0  # exclusive (since_id)
    hi: int = 1 << 63  # exclusive (until_id, or the last id of the previous page)
    min_ms: int = -(1 << 62)
    max_ms: int = 1 << 62  # exclusive (end_time)


class IdIndex:
    """The ids under one key (a conversation, an author, a mentioned user...).

    ``regular`` ids carry their creation time, so visibility is an id bound; ``irregular`` ones
    (a scenario post whose id does not match its created_at, a post made at run time) are few
    and checked one by one.
    """

    __slots__ = ("irregular", "regular")

    def __init__(self) -> None:
        self.regular = array("q")
        self.irregular: list[int] = []

    def walk(self, bounds: Bounds, ms_of: Callable[[int], int]) -> Iterator[int]:
        """Visible ids within bounds, newest first."""
        ids = self.regular
        top = min(bounds.hi - 1, last_id_at(min(bounds.now_ms, bounds.max_ms - 1)))
        bottom = max(bounds.lo + 1, first_id_at(bounds.min_ms))
        end = bisect_right(ids, top)
        start = bisect_left(ids, bottom, 0, end)
        extra = _filter_desc(self.irregular, bounds, ms_of) if self.irregular else []
        return _chunks_desc(ids, start, end, extra)

    def count_visible(self, now_ms: int, ms_of: Callable[[int], int]) -> int:
        n = bisect_right(self.regular, last_id_at(now_ms))
        return n + sum(1 for i in self.irregular if ms_of(i) <= now_ms)


def _chunks_desc(ids: array, start: int, end: int, extra: list[int]) -> Iterator[int]:
    """``ids[start:end]`` newest first with ``extra`` (descending) merged in. Read in growing
    slices: a page needs only its first hundred or so, and slicing runs at C speed."""
    size = 128
    while end > start:
        low = max(start, end - size)
        part = ids[low:end]
        if extra and extra[0] >= part[0]:
            cut = next((n for n, i in enumerate(extra) if i < part[0]), len(extra))
            yield from sorted([*part, *extra[:cut]], reverse=True)
            extra = extra[cut:]
        else:
            yield from reversed(part)
        end, size = low, size * 2
    yield from extra


def _filter_desc(ids: list[int], b: Bounds, ms_of: Callable[[int], int]) -> list[int]:
    return [
        i
        for i in reversed(ids)
        if b.lo < i < b.hi and b.min_ms <= ms_of(i) <= b.now_ms and ms_of(i) < b.max_ms
    ]


def merge_walks(walks: list[Iterator[int]]) -> Iterator[int]:
    """Several indexes' walks as one, newest first, each id once."""
    if len(walks) == 1:
        return walks[0]
    return _dedup(heapq.merge(*walks, reverse=True))


def _dedup(ids: Iterator[int]) -> Iterator[int]:
    last = -1
    for i in ids:
        if i != last:
            yield i
        last = i


def insert_sorted(ids: list[int], post_id: int) -> None:
    ids.insert(bisect_left(ids, post_id), post_id)

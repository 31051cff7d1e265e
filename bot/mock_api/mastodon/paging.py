"""Mastodon's paging: ``max_id``, ``since_id``, ``min_id`` and ``limit`` over an id-sorted index
of the world, newest first, and the ``Link`` header that names the next and previous pages
(``rel="next"`` by ``max_id``, ``rel="prev"`` by ``min_id``), as Mastodon writes it."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from bot.mock_api.handlers.base import Request
from bot.mock_api.table import Bounds, IdIndex, Rec
from bot.mock_api.timefmt import last_id_at
from bot.mock_api.world import World


@dataclass(frozen=True, slots=True)
class Window:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int


def _id(query: Mapping[str, str], name: str, offset: int) -> int | None:
    raw = query.get(name, "")
    return int(raw) - offset if raw.isdigit() and int(raw) > offset else None


def limit_param(query: Mapping[str, str], default: int, maximum: int) -> int:
    """Mastodon's ``limit_param``: the default when absent, else ``|limit|`` up to the maximum."""
    raw = query.get("limit")
    if raw is None:
        return default
    text = raw.strip().lstrip("+-")
    digits = text[: len(text) - len(text.lstrip("0123456789"))]
    return min(int(digits or 0), maximum)


def window(query: Mapping[str, str], default: int, maximum: int, offset: int = 0) -> Window:
    """The page asked for; ids given in a space ``offset`` above the world's (notifications)."""
    return Window(
        _id(query, "max_id", offset),
        _id(query, "since_id", offset),
        _id(query, "min_id", offset),
        limit_param(query, default, maximum),
    )


def ascending(
    index: IdIndex, lo: int, hi: int, now_ms: int, ms_of: Callable[[int], int]
) -> Iterator[int]:
    """Visible ids with ``lo < id < hi``, oldest first."""
    ids = index.regular
    top = min(hi - 1, last_id_at(now_ms))
    start, end = bisect_right(ids, lo), bisect_right(ids, top)
    extra = sorted(i for i in index.irregular if lo < i < hi and ms_of(i) <= now_ms)
    return heapq.merge((ids[i] for i in range(start, end)), extra)


def page(
    world: World, key: tuple[str, int], win: Window, now_ms: int, keep: Callable[[Rec], bool]
) -> list[Rec]:
    """The page of visible posts under ``key`` that ``keep`` accepts, newest first."""
    hi = win.max_id if win.max_id is not None else 1 << 63
    out: list[Rec] = []
    if win.limit <= 0:
        return out
    if win.min_id is not None:
        index = world.base.index(*key)
        ids = iter(()) if index is None else ascending(index, win.min_id, hi, now_ms, world.ms_of)
    else:
        ids = world.walk([key], Bounds(now_ms=now_ms, lo=win.since_id or 0, hi=hi))
    for post_id in ids:
        rec = world.rec(post_id)
        if rec is not None and keep(rec):
            out.append(rec)
            if len(out) == win.limit:
                break
    if win.min_id is not None:
        out.reverse()
    return out


def _query(params: dict[str, list[str]]) -> str:
    """As Rails' ``to_query``: keys sorted, arrays as ``name[]``, escaped."""
    parts = []
    for name in sorted(params):
        for value in params[name]:
            parts.append(f"{quote(name, safe='')}={quote(value, safe='')}")
    return "&".join(parts)


def link_header(
    req: Request,
    kept: tuple[str, ...],
    next_id: int | None,
    prev_id: int | None,
) -> dict[str, str]:
    """The ``Link`` header: the request's ``kept`` parameters with ``max_id`` (next page) or
    ``min_id`` (previous page); nothing when neither page exists."""
    base = {k: v for k, v in req.multi.items() if k in kept}
    host = req.headers.get("host", "localhost")
    url = f"http://{host}{req.path.rstrip('/')}"
    links = []
    if next_id is not None:
        links.append(f'<{url}?{_query({**base, "max_id": [str(next_id)]})}>; rel="next"')
    if prev_id is not None:
        links.append(f'<{url}?{_query({**base, "min_id": [str(prev_id)]})}>; rel="prev"')
    return {"link": ", ".join(links)} if links else {}

"""Paged reads: account statuses and mention notifications, as ``Page``s newest first.

Mastodon pages with ``max_id`` (the ``Link`` header's ``rel="next"``). The jobs' cursors are
post ids, as on X: ``since_id`` and ``until_id`` bound what is read, and ``Page.next_token`` is
the ``max_id`` the next page starts below (None on the last page).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from bot.platforms.mastodon import parse
from bot.platforms.mastodon.chokepoint import Call
from jobs.errors import PlatformUnavailable
from jobs.platform import Page, Post

PAGE_SIZE = 40  # the most account statuses Mastodon gives a request
MENTIONS_PAGE_SIZE = 80  # the most notifications

Fetch = Callable[[str | None], object]  # max_id -> one Mastodon.py request


def id_key(value: str) -> tuple[int, str]:
    """Mastodon's ids order as numbers: a longer decimal id is a larger one."""
    return (len(value), value)


def pages(
    call: Call,
    endpoint: str,
    fetch: Fetch,
    *,
    start: str | None = None,
    keep: Callable[[Post], bool] | None = None,
    statuses: Callable[[list[Any]], Iterable[Any]] = lambda items: items,
    size: int = PAGE_SIZE,
) -> Iterator[Page]:
    """One Page per answer, from ``max_id=start`` down, following the ``Link`` header's next
    (else the last item of a full page) until Mastodon names no next page. ``statuses``
    picks the statuses out of an answer's items; ``keep`` filters the posts.

    A generator: nothing is requested before the first page is asked for, and a caller that
    stops early makes no further requests.
    """
    max_id = start
    seen: set[str] = set()
    while True:
        answer = call(endpoint, functools.partial(fetch, max_id), parse.count_statuses)
        items = answer.body if isinstance(answer.body, list) else []
        posts, polls = parse.parse_statuses(statuses(items))
        if keep is not None:
            posts = [p for p in posts if keep(p)]
            kept = {p.id for p in posts}
            polls = [p for p in polls if p.post_id in kept]
        following = answer.next_max_id
        if following is None and len(items) >= size and isinstance(items[-1], dict):
            following = parse.wire_id(items[-1].get("id"))  # no Link header: page on by id
        if not items:
            following = None
        yield Page(
            posts=tuple(posts),
            polls=tuple(polls),
            newest_id=posts[0].id if posts else None,
            oldest_id=posts[-1].id if posts else None,
            next_token=following,
        )
        if following is None:
            return
        if following in seen:  # a server repeating itself would otherwise loop forever
            raise PlatformUnavailable(f"Mastodon API {endpoint} repeated a page", endpoint=endpoint)
        seen.add(following)
        max_id = following


def mention_pages(
    call: Call,
    fetch: Callable[[str | None, str | None], object],
    marks: dict[str, str],
    *,
    since_id: str | None,
    until_id: str | None,
) -> Iterator[Page]:
    """The statuses of mention notifications (``fetch(since_id, max_id)`` of notification
    ids), newest first, bounded by the *status* ids ``since_id`` and ``until_id``.

    Notifications have ids of their own (a plain sequence on Mastodon), so status ids cannot
    bound the request itself. ``marks`` (status id -> its notification's id, filled as pages
    are read, kept by the client for its lifetime) turns a ``since_id`` seen before into the
    request's own ``since_id``: the usual run reads one short page. A ``since_id`` not seen
    (the first run of a process) reads from the newest down to the first page holding a
    status at or below it. ``until_id`` (a pass resumed) only filters.
    """
    since_key = id_key(since_id) if since_id else None
    until_key = id_key(until_id) if until_id else None
    since_mark = marks.get(since_id) if since_id else None
    page_ids: list[str] = []  # the statuses of the page last read, kept or not

    def statuses(items: list[Any]) -> list[Any]:
        page_ids.clear()
        for note in items:
            status = note.get("status") if isinstance(note, dict) else None
            if isinstance(status, dict):
                status_id, note_id = parse.wire_id(status.get("id")), parse.wire_id(note.get("id"))
                if status_id and note_id:
                    page_ids.append(status_id)
                    marks[status_id] = note_id
        return parse.mention_statuses(items)

    def keep(post: Post) -> bool:
        key = id_key(post.id)
        return (since_key is None or key > since_key) and (until_key is None or key < until_key)

    for page in pages(
        call,
        "notifications",
        lambda max_id: fetch(since_mark, max_id),
        keep=keep,
        statuses=statuses,
        size=MENTIONS_PAGE_SIZE,
    ):
        if since_key is not None and any(id_key(s) <= since_key for s in page_ids):
            yield replace(page, next_token=None)  # reached the cursor: the rest is read
            return
        yield page

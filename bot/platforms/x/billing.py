"""What each successful X answer costs (``jobs.pricing``), told to the billing hook, and the
one guard on what the bot posts that the bill calls for.

Reads are charged per post or user in ``data``; the bot's own mentions and timeline, read in
its own user context, are owned reads. A post is charged by its text (a URL makes it $0.20)
and by what it answers: a reply to one of the bot's own posts (a summary thread) is a post
like any other; a reply to anyone else's post is one X only accepts when that post summoned
the bot (X's reply rule), and is charged as such."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from twitter_text import extract_urls_with_indices

from jobs.pricing import Charge, post_created, post_reads, user_reads

log = logging.getLogger(__name__)

Billing = Callable[[Charge], None]
_OWN_MEMORY = 10_000  # ids of the bot's own posts kept to tell threads from answers
_LINK = "(link)"


def _ids(body: Mapping[str, Any]) -> tuple[int, ...]:
    data = body.get("data")
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    found = (str(i.get("id", "")) for i in items if isinstance(i, dict))
    return tuple(int(i) for i in found if i.isdigit())


def without_links(text: str) -> str:
    """``text`` with every URL (as twitter-text, and so X, finds them) replaced by "(link)":
    X bills a post holding a URL at $0.20 instead of $0.015. Never longer than ``text``
    (a URL weighs 23 whatever its length; "(link)" weighs 6)."""
    found = extract_urls_with_indices(text) if "." in text else []
    for url in reversed(found):
        start, end = url["indices"]
        text = text[:start] + _LINK + text[end:]
    return re.sub(r"\(link\)(\s*\(link\))+", _LINK, text) if found else text


class Biller:
    """Tells ``billing`` what each answer costs; remembers the bot's own posts it has seen."""

    def __init__(self, billing: Billing | None) -> None:
        self._billing = billing
        self._lock = threading.Lock()
        self._own: dict[str, None] = {}  # insertion-ordered: the oldest are dropped first

    def _bill(self, charge: Charge) -> None:
        if self._billing is not None and (charge.ids or charge.kind is None):
            self._billing(charge)

    def posts(self, endpoint: str, body: Mapping[str, Any], *, owned: bool = False) -> None:
        self._bill(post_reads(endpoint, _ids(body), owned=owned))

    def users(self, endpoint: str, body: Mapping[str, Any]) -> None:
        self._bill(user_reads(endpoint, _ids(body)))

    def own_posts(self, ids: Iterable[str]) -> None:
        with self._lock:
            for post_id in ids:
                self._own[post_id] = None
            while len(self._own) > _OWN_MEMORY:
                del self._own[next(iter(self._own))]

    def created(self, post_id: str, text: str, *, in_reply_to: str | None) -> None:
        with self._lock:
            thread = in_reply_to is not None and in_reply_to in self._own
        # Not a reply to an own post seen by this process: an answer to whoever summoned the
        # bot (or, after a restart, a thread's next part: then 0.5 cent under X's bill).
        has_url = bool(extract_urls_with_indices(text))
        self._bill(
            post_created(has_url=has_url, summoned_reply=in_reply_to is not None and not thread)
        )
        self.own_posts([post_id])

"""A post's ``entities`` as X answers them: mentions, URLs and hashtags, each with ``start``
(inclusive) and ``end`` (exclusive) offsets in code points of the text they were found in.

URLs are found as X finds them (twitter-text); X would also wrap each in a t.co link, which the
mock does not (``url``, ``expanded_url`` and ``display_url`` all show the link as written)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from twitter_text import extract_urls_with_indices

from bot.mock_api.world_base import MENTION

# a hashtag: '#' after a non-word character, then word characters holding at least one letter
_HASHTAG = re.compile(r"(?<![\w&#])#(\w*[^\W\d]\w*)")


def entities_json(text: str, user_id_of: Callable[[str], str | None]) -> dict[str, Any] | None:
    """The entities of ``text``, or None when it has none (X leaves the key out then)."""
    out: dict[str, Any] = {}
    urls = extract_urls_with_indices(text) if ("." in text) else []
    if urls:
        out["urls"] = [
            {
                "start": u["indices"][0],
                "end": u["indices"][1],
                "url": u["url"],
                "expanded_url": u["url"],
                "display_url": re.sub(r"^https?://", "", u["url"])[:26],
            }
            for u in urls
        ]
    taken = [range(u["indices"][0], u["indices"][1]) for u in urls]
    hashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)}
        for m in _HASHTAG.finditer(text)
        if not any(m.start() in r for r in taken)
    ]
    if hashtags:
        out["hashtags"] = hashtags
    mentions = []
    for m in MENTION.finditer(text):
        if any(m.start() in r for r in taken):
            continue
        item: dict[str, Any] = {"start": m.start(), "end": m.end(), "username": m.group(1)}
        found = user_id_of(m.group(1))
        if found is not None:
            item["id"] = found
        mentions.append(item)
    if mentions:
        out["mentions"] = mentions
    return out or None

"""Posts, polls and users as X v2 JSON. A post's bytes are cached per shape: a page of a
hundred is then mostly a join, with only the live ``public_metrics`` written each time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Any

from bot.mock_api.entities import entities_json
from bot.mock_api.errors import dumps
from bot.mock_api.fields import (
    ATTACHMENTS,
    AUTHOR,
    CONVERSATION,
    CREATED,
    EDITS,
    ENTITIES,
    LANG,
    METRICS,
    NOTE,
    REFERENCES,
    REPLY_SETTINGS,
    REPLY_USER,
    Shape,
)
from bot.mock_api.profiles import user_json
from bot.mock_api.table import Rec
from bot.mock_api.timefmt import iso_ms
from bot.mock_api.world import World

_CACHE_LIMIT = 400_000
MAX_WEIGHT = 280


_js = encode_basestring  # a JSON string, non-ASCII kept as UTF-8 as X sends it


_URL = re.compile(r"https?://\S+")
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))  # twitter-text: weight 1


def _weights(text: str) -> Iterator[tuple[int, int]]:
    """(end index, weight) of each unit: a character (1 or 2), or a whole link (23)."""
    pos = 0
    for match in _URL.finditer(text):
        for i in range(pos, match.start()):
            yield i + 1, _weight(text[i])
        yield match.end(), 23
        pos = match.end()
    for i in range(pos, len(text)):
        yield i + 1, _weight(text[i])


def _weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _LIGHT) else 2


def split_long(text: str) -> tuple[str, str | None]:
    """(``text`` as served, the full text when it is a long post). Long posts (X Premium) come
    with their first 280 weighted characters in ``text`` and the whole in ``note_tweet``.

    Weighs like twitter-text but faster (its parser takes ~30 ms on a long post); emoji
    sequences may weigh a little more here, which only moves where a long post is cut."""
    if len(text) <= MAX_WEIGHT // 2 or (text.isascii() and len(text) <= MAX_WEIGHT):
        return text, None
    total, cut = 0, 0
    for end, weight in _weights(text):
        total += weight
        if total > MAX_WEIGHT:
            return text[:cut].rstrip() + "…", text
        cut = end
    return text, None


class Serializer:
    def __init__(self, world: World) -> None:
        self.world = world
        self._children = world.base.indexes["children"]
        # (id, shape) -> bytes before public_metrics, after them, and the metrics with no reply
        self._cache: dict[tuple[int, int], tuple[bytes, bytes, bytes]] = {}

    def clear(self) -> None:
        self._cache.clear()

    def tweet(self, rec: Rec, mask: int, now_ms: int) -> bytes:
        parts = self._cache.get((rec.id, mask))
        if parts is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            parts = self._cache[(rec.id, mask)] = (
                *self._parts(rec, mask),
                self._metrics(rec.id, 0),
            )
        head, tail, quiet = parts
        if not mask & METRICS:
            return head + tail
        index = self._children.get(rec.id)
        if index is None:  # most posts never get a reply
            return head + quiet + tail
        return head + self._metrics(rec.id, index.count_visible(now_ms, self.world.ms_of)) + tail

    def _parts(self, rec: Rec, mask: int) -> tuple[bytes, bytes]:
        # keys in X's (alphabetical) order; one f-string, as this runs for every new post
        pid, parent = rec.id, rec.parent
        text, full = split_long(rec.text)
        attachments = ""
        if mask & ATTACHMENTS and (rec.poll or rec.media):
            found: dict[str, list[str]] = {}
            if rec.poll:
                found["poll_ids"] = [rec.poll.id]
            if rec.media:
                found["media_keys"] = [f"3_{m}" for m in rec.media]
            attachments = f'"attachments":{dumps(found).decode()},'
        head = (
            "{"
            + attachments
            + (f'"author_id":"{rec.author}",' if mask & AUTHOR else "")
            + (f'"conversation_id":"{rec.conv}",' if mask & CONVERSATION else "")
            + (f'"created_at":"{iso_ms(rec.ms)}",' if mask & CREATED else "")
            + (self._edit_controls(rec) if mask & EDITS else "")
            + f'"edit_history_tweet_ids":["{pid}"],'
            + (self._entities(text) if mask & ENTITIES else "")
            + f'"id":"{pid}",'
            + (
                f'"in_reply_to_user_id":"{rec.reply_user}",'
                if mask & REPLY_USER and rec.reply_user
                else ""
            )
            + (f'"lang":"{rec.lang}",' if mask & LANG else "")
            + (self._note(full, mask) if mask & NOTE and full is not None else "")
        )
        tail = (
            (
                f'"referenced_tweets":[{{"type":"replied_to","id":"{parent}"}}],'
                if mask & REFERENCES and parent
                else ""
            )
            + ('"reply_settings":"everyone",' if mask & REPLY_SETTINGS else "")
            + f'"text":{_js(text)}}}'
        )
        return head.encode(), tail.encode()

    def _user_id(self, username: str) -> str | None:
        found = self.world.user_by_username(username)
        return None if found is None else found.id

    def _entities(self, text: str) -> str:
        found = entities_json(text, self._user_id)
        return "" if found is None else f'"entities":{dumps(found).decode()},'

    def _note(self, full: str, mask: int) -> str:
        note: dict[str, Any] = {"text": full}
        if mask & ENTITIES:
            found = entities_json(full, self._user_id)
            if found is not None:
                note["entities"] = found
        return f'"note_tweet":{dumps(note).decode()},'

    @staticmethod
    def _edit_controls(rec: Rec) -> str:
        # As X: a post may be edited 5 times within an hour of its creation; a post with a
        # poll may not be edited at all.
        eligible = "false" if rec.poll else "true"
        return (
            f'"edit_controls":{{"editable_until":"{iso_ms(rec.ms + 3_600_000)}",'
            f'"edits_remaining":{0 if rec.poll else 5},"is_edit_eligible":{eligible}}},'
        )

    @staticmethod
    def _metrics(post_id: int, replies: int) -> bytes:
        h = (post_id * 0x9E3779B97F4A7C15 >> 20) & 0xFFFF  # steady per post, varied across posts
        reposts = replies // 4 + h % 5
        likes = replies * 3 + h % 40
        # X's six counts, and ``repost_count`` (the name of ``retweet_count`` in X's current
        # OpenAPI spec, which its SDK requires): the same number twice
        return (
            f'"public_metrics":{{"retweet_count":{reposts},"reply_count":{replies},'
            f'"like_count":{likes},"quote_count":{replies // 20 + h % 2},'
            f'"bookmark_count":{replies // 10 + h % 7},'
            f'"impression_count":{(replies + likes) * 40 + h % 900 + 12},'
            f'"repost_count":{reposts}}},'
        ).encode()


def poll_json(world: World, rec: Rec, fields: frozenset[str], now_ms: int) -> dict[str, Any]:
    poll = rec.poll
    assert poll is not None
    state = world.poll_state(rec, now_ms)
    out: dict[str, Any] = {"id": poll.id}
    if "voting_status" in fields:
        out["voting_status"] = "open" if state.open else "closed"
    if "duration_minutes" in fields:
        out["duration_minutes"] = poll.duration_minutes
    out["options"] = [
        {"position": n, "label": label, "votes": votes}
        for n, (label, votes) in enumerate(zip(poll.options, state.counts, strict=True), start=1)
    ]
    if "end_datetime" in fields:
        out["end_datetime"] = iso_ms(state.end_ms)
    return out


def tweets_body(
    serializer: Serializer,
    recs: list[Rec],
    shape: Shape,
    now_ms: int,
    *,
    meta: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    single: bool = False,
) -> bytes:
    """The whole answer: ``data`` (absent when empty), ``includes``, ``errors``, ``meta``."""
    chunks: list[bytes] = []
    if recs:
        items = [serializer.tweet(r, shape.mask, now_ms) for r in recs]
        chunks.append(b'"data":' + (items[0] if single else b"[" + b",".join(items) + b"]"))
    includes = _includes(serializer, recs, shape, now_ms)
    if includes:
        chunks.append(b'"includes":' + b"{" + b",".join(includes) + b"}")
    if errors:
        chunks.append(b'"errors":' + dumps(errors))
    if meta is not None:
        chunks.append(b'"meta":' + dumps(meta))
    return b"{" + b",".join(chunks) + b"}"


def _includes(serializer: Serializer, recs: list[Rec], shape: Shape, now_ms: int) -> list[bytes]:
    world = serializer.world
    out: list[bytes] = []
    if shape.polls:
        polls = [poll_json(world, r, shape.poll_fields, now_ms) for r in recs if r.poll]
        if polls:
            out.append(b'"polls":' + dumps(polls))
    if shape.users:
        ids = dict.fromkeys(u for r in recs for u in (r.author, r.reply_user) if u)
        users = [user_json(u, shape.user_fields) for u in map(world.user, ids) if u is not None]
        if users:
            out.append(b'"users":' + dumps(users))
    if shape.tweets:
        parents = [world.visible(r.parent, now_ms) for r in recs if r.parent]
        seen = [p for p in dict.fromkeys(parents) if p is not None]
        if seen:
            items = [serializer.tweet(p, shape.mask, now_ms) for p in seen]
            out.append(b'"tweets":[' + b",".join(items) + b"]")
    return out

"""Mastodon API JSON (as on the wire, decoded by orjson) -> the records of ``jobs.platform``.

Pure functions, so recorded answers replay through them without a network. Ids are taken as
the wire's strings (``str()`` of whatever is there: never Mastodon.py's typed objects). Tolerant
like the X parser: an entry without an id is skipped, optional fields may be missing.

A status becomes a ``Post``: ``author_id`` the account's id, ``text`` the content HTML as plain
text (``html.content_text``; a content warning, ``spoiler_text``, comes first as a paragraph of
its own: it is part of what the author wrote), ``lang`` declared or guessed (``language``),
``in_reply_to_user_id``/``replied_to_id`` from ``in_reply_to_account_id``/``in_reply_to_id``,
``poll_id``, and ``metrics`` in X's names: ``reply_count``, ``retweet_count`` (reblogs),
``like_count`` (favourites). A poll's option without a count (totals hidden until it ends)
counts 0.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Container, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.platforms.mastodon.html import content_text
from bot.platforms.mastodon.language import language_of
from jobs.platform import Poll, PollOption, Post, Thread, User

log = logging.getLogger(__name__)

JSON = Mapping[str, Any]
EPOCH = datetime.fromtimestamp(0, UTC)


def parse_datetime(value: object) -> datetime | None:
    """``2026-08-01T13:53:49.918Z`` -> aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        log.debug("unreadable Mastodon datetime %r", value)
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def wire_id(value: object) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return str(value)


def _count(value: object) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def parse_account(obj: JSON) -> User | None:
    """An account: ``username`` is its ``acct``, the bare name when local to the instance
    that answered and ``user@domain`` when remote."""
    account_id = wire_id(obj.get("id"))
    if account_id is None:
        return None
    acct = obj.get("acct") or obj.get("username") or ""
    return User(id=account_id, username=str(acct), name=str(obj.get("display_name") or ""))


def status_text(obj: JSON) -> str:
    text = content_text(obj.get("content") if isinstance(obj.get("content"), str) else None)
    spoiler = obj.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        return f"{' '.join(spoiler.split())}\n\n{text}".strip()
    return text


def parse_status(obj: JSON, *, conversation_id: str | None = None) -> Post | None:
    """One status; None (logged) when it has no id or is a reblog (a boost's wrapper)."""
    status_id = wire_id(obj.get("id"))
    if status_id is None:
        log.debug("Mastodon status without an id skipped")
        return None
    if obj.get("reblog"):
        return None
    account = obj.get("account")
    author = wire_id(account.get("id")) if isinstance(account, dict) else None
    poll = obj.get("poll")
    text = status_text(obj)
    return Post(
        id=status_id,
        author_id=author or "",
        text=text,
        # Never "now" for a missing time: the epoch is obviously wrong, not plausibly wrong.
        created_at=parse_datetime(obj.get("created_at")) or EPOCH,
        conversation_id=conversation_id,
        lang=language_of(obj.get("language"), text),
        in_reply_to_user_id=wire_id(obj.get("in_reply_to_account_id")),
        replied_to_id=wire_id(obj.get("in_reply_to_id")),
        poll_id=wire_id(poll.get("id")) if isinstance(poll, dict) else None,
        metrics={
            "reply_count": _count(obj.get("replies_count")),
            "retweet_count": _count(obj.get("reblogs_count")),
            "like_count": _count(obj.get("favourites_count")),
        },
    )


def parse_poll(obj: JSON, *, post_id: str, posted_at: datetime | None = None) -> Poll | None:
    """A poll object (inline in its status, or ``GET /api/v1/polls/:id``)."""
    poll_id = wire_id(obj.get("id"))
    if poll_id is None:
        return None
    options = tuple(
        PollOption(
            position=i, label=str(raw.get("title", "")), votes=_count(raw.get("votes_count"))
        )
        for i, raw in enumerate((o for o in obj.get("options") or () if isinstance(o, dict)), 1)
    )
    ends = parse_datetime(obj.get("expires_at"))
    duration = None
    if ends is not None and posted_at is not None and posted_at != EPOCH:
        duration = max(0, round((ends - posted_at).total_seconds() / 60))
    return Poll(
        id=poll_id,
        post_id=post_id,
        options=options,
        voting_status="closed" if obj.get("expired") else "open",
        duration_minutes=duration,
        end_datetime=ends,
    )


def poll_of(obj: JSON, post: Post) -> Poll | None:
    """The poll a status carries, if any."""
    raw = obj.get("poll")
    if not isinstance(raw, dict):
        return None
    return parse_poll(raw, post_id=post.id, posted_at=post.created_at)


def parse_statuses(items: Iterable[object]) -> tuple[list[Post], list[Poll]]:
    """A list of statuses (a timeline page) as posts, in the order given, and their polls."""
    posts: list[Post] = []
    polls: list[Poll] = []
    for raw in items:
        if not isinstance(raw, dict):
            continue
        post = parse_status(raw)
        if post is None:
            continue
        posts.append(post)
        poll = poll_of(raw, post)
        if poll is not None:
            polls.append(poll)
    return posts, polls


def mention_statuses(items: Iterable[object]) -> list[JSON]:
    """The statuses of a notifications page (``type`` mention), in the order given."""
    found: list[JSON] = []
    for raw in items:
        if isinstance(raw, dict) and raw.get("type", "mention") == "mention":
            status = raw.get("status")
            if isinstance(status, dict):
                found.append(status)
    return found


def _order(post: Post) -> tuple[datetime, int, str]:
    return (post.created_at, len(post.id), post.id)


def parse_thread(
    root_obj: JSON, context: JSON, *, cap: int, known: Container[str] = frozenset()
) -> Thread | None:
    """A status and its ``context``: the thread's posts oldest first, each with the id of
    the conversation's root (the first ancestor, or the status itself when it has none);
    the descendants whose ids are ``known`` are left out unread (their HTML is most of the
    cost of a conversation read again).

    ``complete`` is False when a status of the answer counts more replies
    (``replies_count``) than the descendants answering it, or ``cap`` descendants came back
    (the answer is cut there); it is judged on every descendant, known or not.
    """
    ancestors = [a for a in context.get("ancestors") or () if isinstance(a, dict)]
    descendants = [d for d in context.get("descendants") or () if isinstance(d, dict)]
    conversation = wire_id(ancestors[0].get("id")) if ancestors else wire_id(root_obj.get("id"))
    root = parse_status(root_obj, conversation_id=conversation)
    if root is None:
        return None
    posts: list[Post] = []
    polls: list[Poll] = []
    root_poll = poll_of(root_obj, root)
    if root_poll is not None:
        polls.append(root_poll)
    for raw in descendants:
        if known and wire_id(raw.get("id")) in known:
            continue
        post = parse_status(raw, conversation_id=conversation)
        if post is None:
            continue
        posts.append(post)
        poll = poll_of(raw, post)
        if poll is not None:
            polls.append(poll)
    posts.sort(key=_order)
    statuses = [root_obj, *(d for d in descendants if not d.get("reblog"))]
    answered = Counter(wire_id(d.get("in_reply_to_id")) for d in statuses[1:])
    short = [
        sid
        for obj in statuses
        if (sid := wire_id(obj.get("id"))) is not None
        and _count(obj.get("replies_count")) > answered.get(sid, 0)
    ]
    if short:
        log.debug(
            "Mastodon thread %s: %d statuses count more replies than came", root.id, len(short)
        )
    complete = not short and len(descendants) < cap
    return Thread(root=root, posts=tuple(posts), polls=tuple(polls), complete=complete)


def count_statuses(body: object) -> int:
    """Posts read in an answer: its statuses (a status, a list of them, a notifications page's,
    or a context's ancestors and descendants)."""
    if isinstance(body, list):
        return sum(
            1
            for i in body
            if isinstance(i, dict) and ("content" in i or isinstance(i.get("status"), dict))
        )
    if isinstance(body, dict):
        if "descendants" in body or "ancestors" in body:
            return count_statuses(body.get("ancestors") or []) + count_statuses(
                body.get("descendants") or []
            )
        return 1 if "content" in body else 0
    return 0


def max_characters(body: object, default: int = 500) -> int:
    """``configuration.statuses.max_characters`` of ``GET /api/v2/instance``."""
    if isinstance(body, dict):
        config = body.get("configuration")
        statuses = config.get("statuses") if isinstance(config, dict) else None
        value = statuses.get("max_characters") if isinstance(statuses, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return default


def instance_domain(body: object) -> str | None:
    """The instance's ``domain`` (``GET /api/v2/instance``), lower-cased."""
    if isinstance(body, dict) and isinstance(body.get("domain"), str) and body["domain"]:
        return str(body["domain"]).lower()
    return None

"""X API v2 JSON bodies -> the records of ``jobs.platform``.

Pure functions over already-decoded JSON (dicts), so recorded bodies can be replayed through
them without a network. Tolerant by design: optional fields may be missing (default-field
answers carry only ``id`` and ``text``), partial ``errors`` beside ``data`` are logged and
ignored, and an entry without an id is skipped rather than failing the whole page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from jobs.platform import Page, Poll, PollOption, Post, User

log = logging.getLogger(__name__)

# Milliseconds since the Unix epoch at which X's snowflake ids start counting.
_SNOWFLAKE_EPOCH_MS = 1288834974657

JSON = Mapping[str, Any]
# Answers come from json.loads, so their objects are dicts: the per-post helpers check for
# ``dict`` (a plain type check) rather than ``Mapping`` (an ABC lookup, 20 checks a post).


def parse_datetime(value: object) -> datetime | None:
    """``2022-11-19T23:59:00.000Z`` -> aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        log.debug("unreadable X datetime %r", value)
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def snowflake_time(post_id: str) -> datetime | None:
    """The creation time encoded in an X id; a fallback when ``created_at`` was not asked for."""
    try:
        ms = (int(post_id) >> 22) + _SNOWFLAKE_EPOCH_MS
    except ValueError:
        return None
    if ms <= _SNOWFLAKE_EPOCH_MS:  # not a snowflake (pre-2010 ids are plain counters)
        return None
    return datetime.fromtimestamp(ms / 1000, UTC)


def _str_or_none(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def parse_user(obj: JSON) -> User:
    return User(
        id=str(obj["id"]), username=str(obj.get("username", "")), name=str(obj.get("name", ""))
    )


def _replied_to(obj: JSON) -> str | None:
    refs = obj.get("referenced_tweets") or ()
    for ref in refs:
        if isinstance(ref, dict) and ref.get("type") == "replied_to" and "id" in ref:
            return str(ref["id"])
    return None


def _first_poll_id(obj: JSON) -> str | None:
    attachments = obj.get("attachments")
    if not isinstance(attachments, dict):
        return None
    poll_ids = attachments.get("poll_ids") or ()
    return str(poll_ids[0]) if poll_ids else None


def _metrics(obj: JSON) -> dict[str, int]:
    raw = obj.get("public_metrics")
    if not isinstance(raw, dict):
        return {}
    return {str(k): int(v) for k, v in raw.items() if isinstance(v, (int, float))}


def parse_post(obj: JSON) -> Post | None:
    """One tweet object; None (logged) when it lacks an id."""
    post_id = _str_or_none(obj.get("id"))
    if post_id is None:
        log.debug("X post without an id skipped: keys %s", sorted(obj))
        return None
    created = parse_datetime(obj.get("created_at")) or snowflake_time(post_id)
    if created is None:
        # Never invent "now": the epoch is obviously wrong rather than plausibly wrong.
        created = datetime.fromtimestamp(0, UTC)
    return Post(
        id=post_id,
        author_id=str(obj.get("author_id", "")),
        text=_full_text(obj),
        created_at=created,
        conversation_id=_str_or_none(obj.get("conversation_id")),
        lang=_str_or_none(obj.get("lang")),
        in_reply_to_user_id=_str_or_none(obj.get("in_reply_to_user_id")),
        replied_to_id=_replied_to(obj),
        poll_id=_first_poll_id(obj),
        metrics=_metrics(obj),
    )


def _full_text(obj: JSON) -> str:
    """A long post's ``text`` is cut at 280 with an ellipsis; ``note_tweet`` has it whole."""
    note = obj.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        return str(note["text"])
    return str(obj.get("text", ""))


def parse_poll(obj: JSON, *, post_id: str) -> Poll:
    options = []
    for i, raw in enumerate(obj.get("options") or (), start=1):
        if not isinstance(raw, Mapping):
            continue
        options.append(
            PollOption(
                position=int(raw.get("position", i)),
                label=str(raw.get("label", "")),
                votes=int(raw.get("votes", 0) or 0),
            )
        )
    options.sort(key=lambda o: o.position)
    duration = obj.get("duration_minutes")
    return Poll(
        id=str(obj["id"]),
        post_id=post_id,
        options=tuple(options),
        voting_status=str(obj.get("voting_status", "open")),
        duration_minutes=int(duration) if isinstance(duration, int | float) else None,
        end_datetime=parse_datetime(obj.get("end_datetime")),
    )


def _log_partial_errors(body: JSON) -> None:
    errors = body.get("errors")
    if errors and "data" in body:
        log.debug("X answered with %d partial error(s) beside data: %s", len(errors), errors[:3])


def _data_list(body: JSON) -> list[JSON]:
    data = body.get("data")
    if data is None:
        return []
    if isinstance(data, Mapping):
        return [data]
    return [d for d in data if isinstance(d, Mapping)]


def _includes(body: JSON, key: str) -> list[JSON]:
    includes = body.get("includes")
    if not isinstance(includes, Mapping):
        return []
    return [i for i in includes.get(key) or () if isinstance(i, Mapping) and "id" in i]


def polls_of(body: JSON, posts: Sequence[Post]) -> list[Poll]:
    """``includes.polls`` mapped back to the posts that carry them (``attachments.poll_ids``)."""
    carrier = {p.poll_id: p.id for p in posts if p.poll_id}
    polls = []
    for raw in _includes(body, "polls"):
        post_id = carrier.get(str(raw["id"]))
        if post_id is None:
            log.debug("X poll %s has no carrying post in the answer; skipped", raw["id"])
            continue
        polls.append(parse_poll(raw, post_id=post_id))
    return polls


def parse_posts(body: JSON) -> list[Post]:
    _log_partial_errors(body)
    return [p for p in (parse_post(d) for d in _data_list(body)) if p is not None]


def parse_page(body: JSON) -> Page:
    """One answer of a timeline or search endpoint."""
    posts = parse_posts(body)
    raw_meta = body.get("meta")
    meta: JSON = raw_meta if isinstance(raw_meta, Mapping) else {}
    return Page(
        posts=tuple(posts),
        polls=tuple(polls_of(body, posts)),
        users=tuple(parse_user(u) for u in _includes(body, "users")),
        newest_id=_str_or_none(meta.get("newest_id")),
        oldest_id=_str_or_none(meta.get("oldest_id")),
        next_token=_str_or_none(meta.get("next_token")),
    )


def parse_single_user(body: JSON) -> User | None:
    """A user lookup; None when X answered with errors and no data (the user does not exist)."""
    data = body.get("data")
    if not isinstance(data, Mapping) or "id" not in data:
        return None
    _log_partial_errors(body)
    return parse_user(data)


def parse_users(body: JSON) -> list[User]:
    """A users lookup's users; those that do not exist (partial errors) are left out."""
    data = body.get("data")
    if not isinstance(data, list):
        return []
    _log_partial_errors(body)
    return [parse_user(u) for u in data if isinstance(u, Mapping) and "id" in u]


def created_post_id(body: JSON) -> str | None:
    data = body.get("data")
    if isinstance(data, Mapping) and data.get("id") is not None:
        return str(data["id"])
    return None


def media_id(body: JSON) -> str | None:
    """The id of an upload: v1.1 ``media_id_string`` (or ``media_id``), v2 ``data.id``."""
    for key in ("media_id_string", "media_id"):
        if body.get(key) is not None:
            return str(body[key])
    data = body.get("data")
    if isinstance(data, Mapping) and data.get("id") is not None:
        return str(data["id"])
    return None


def count_posts(body: JSON) -> int:
    """Posts read in an answer: the tweets in ``data`` (what X bills under pay-per-use)."""
    return len(_data_list(body))


def problem_text(body: object) -> str:
    """A short one-line description of an error body (title, detail, first error message)."""
    if not isinstance(body, Mapping):
        return ""
    parts: list[str] = []
    for key in ("title", "detail"):
        value = body.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, Mapping):
            msg = first.get("message") or first.get("detail") or first.get("title")
            if isinstance(msg, str) and msg not in parts:
                parts.append(msg)
        elif isinstance(first, str):
            parts.append(first)
    text = ": ".join(parts)
    return " ".join(text.split())[:240]

"""Times and ids as X writes them: ISO 8601 with milliseconds, and snowflake ids.

A snowflake carries its creation time in milliseconds since X's epoch in the bits above 22,
which is what makes "id order = time order" and lets an id bound stand for a time bound.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

X_EPOCH_MS = 1288834974657
SEQ_BITS = 22
SEQ_MASK = (1 << SEQ_BITS) - 1
MAX_ID = (1 << 63) - 1


def parse_iso(value: str) -> datetime:
    """ISO 8601 with an explicit UTC designator (``Z`` or ``+00:00``); raises ValueError."""
    if not isinstance(value, str) or "T" not in value:
        raise ValueError(value)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(value)
    return parsed.astimezone(UTC)


_UNIX = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(when: datetime) -> int:
    # integer arithmetic: a float timestamp can land a millisecond off
    return (when - _UNIX) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


_DAYS: dict[int, str] = {}


def iso_ms(ms: int) -> str:
    """``2022-11-19T23:59:00.000Z``: tweepy refuses times without the milliseconds."""
    # arithmetic within a day, the date from a cache: serialising a post stays cheap
    day, rest = divmod(ms, 86_400_000)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%dT")
    seconds, millis = divmod(rest, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{date}{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def snowflake(ms: int, seq: int = 0) -> int:
    return ((ms - X_EPOCH_MS) << SEQ_BITS) | (seq & SEQ_MASK)


def snowflake_ms(post_id: int) -> int:
    return (post_id >> SEQ_BITS) + X_EPOCH_MS


def first_id_at(ms: int) -> int:
    """The smallest id a post created at ``ms`` can carry."""
    return max(0, snowflake(ms, 0))


def last_id_at(ms: int) -> int:
    """The largest id a post created at or before ``ms`` can carry."""
    return max(0, snowflake(ms, SEQ_MASK))

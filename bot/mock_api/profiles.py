"""Users as X v2 JSON, with the ``user.fields`` asked for.

A scenario user may set its profile (``created_at``, ``description``, ``protected``,
``verified``, ``profile_image_url``, ``followers_count``); what it leaves out gets plausible
values drawn from its id, the same on every run, so two answers about a user always agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.mock_api.scenario import UserSpec
from bot.mock_api.timefmt import iso_ms, to_ms

# accounts made between 2007-01-01 and 2022-01-01
_EPOCH_MS = to_ms(datetime(2007, 1, 1, tzinfo=UTC))
_SPAN_MS = to_ms(datetime(2022, 1, 1, tzinfo=UTC)) - _EPOCH_MS
_AVATAR = "https://pbs.twimg.com/profile_images/{n}/avatar_normal.jpg"
_BIOS = (
    "Opinions my own.",
    "Coffee, code, and hot takes.",
    "News junkie. Retweets are not endorsements.",
    "Dad. Runner. Occasional poster.",
    "",
)


def _mix(user_id: int, salt: int) -> int:
    """A steady pseudo-random number per user and purpose."""
    return ((user_id ^ salt) * 0x9E3779B97F4A7C15 >> 17) & 0xFFFFFFFF


def user_json(user: UserSpec, fields: frozenset[str] = frozenset()) -> dict[str, Any]:
    """``id``, ``name`` and ``username`` always (X's required three), then each field asked
    for that the mock knows."""
    out: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
    if not fields:
        return out
    uid = int(user.id)
    if "created_at" in fields:
        made = user.created_at
        out["created_at"] = (
            iso_ms(to_ms(made)) if made is not None else iso_ms(_EPOCH_MS + _mix(uid, 1) % _SPAN_MS)
        )
    if "description" in fields:
        bio = user.description
        out["description"] = bio if bio is not None else _BIOS[_mix(uid, 2) % len(_BIOS)]
    if "profile_image_url" in fields:
        out["profile_image_url"] = user.profile_image_url or _AVATAR.format(n=_mix(uid, 3))
    if "protected" in fields:
        out["protected"] = bool(user.protected)
    if "public_metrics" in fields:
        followers = user.followers_count
        if followers is None:
            followers = _mix(uid, 4) % 5_000
        tweets = _mix(uid, 5) % 20_000 + 10
        # ``tweet_count`` is what X answers and tweepy reads; ``post_count`` the name in X's
        # current OpenAPI spec (its SDK requires it): both, with one value.
        out["public_metrics"] = {
            "followers_count": followers,
            "following_count": _mix(uid, 6) % 2_000,
            "tweet_count": tweets,
            "listed_count": followers // 200,
            "like_count": _mix(uid, 7) % 50_000,
            "media_count": tweets // 12,
            "post_count": tweets,
        }
    if "verified" in fields:
        out["verified"] = bool(user.verified)
    return out

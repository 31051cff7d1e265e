"""Mastodon's rate-limit windows, read from ``X-RateLimit-Limit/-Remaining/-Reset``.

Mastodon limits an account's API requests as a whole (300 per 5 minutes by default), not per
endpoint as X does, and sends its ``X-RateLimit-Reset`` as an ISO 8601 time
(``2026-08-01T15:00:00.949515Z``), not epoch seconds. Posting and media uploads have limits of
their own (statuses 300 per 3 hours, media 30 per 30 minutes), reported on their answers. So
windows are kept per *bucket*: ``statuses`` for ``create_status``, ``media`` for
``media_upload``, and ``api`` for every other request. The window itself and its bookkeeping are
every platform's (``bot.platforms.pacing``): only the headers' reading differs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

from bot.platforms.pacing import Window

_BUCKETS = {"create_status": "statuses", "media_upload": "media"}


def bucket_of(endpoint: str) -> str:
    """The rate-limit window an endpoint's requests count against."""
    return _BUCKETS.get(endpoint, "api")


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def parse_reset(value: str | None) -> datetime | None:
    """``X-RateLimit-Reset``: an ISO 8601 time (Mastodon), or epoch seconds (GoToSocial and
    other servers that copy X); None when unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def window_from_headers(headers: Mapping[str, str]) -> Window | None:
    """The window an answer describes; None when it carries no rate-limit headers. The reset
    is rounded up to the whole second (waiting a fraction longer is harmless)."""
    reset = parse_reset(headers.get("x-ratelimit-reset"))
    window = Window(
        limit=_int(headers.get("x-ratelimit-limit")),
        remaining=_int(headers.get("x-ratelimit-remaining")),
        reset_epoch=math.ceil(reset.timestamp()) if reset is not None else None,
    )
    if window.limit is None and window.remaining is None and window.reset_epoch is None:
        return None
    return window

"""Mastodon's rate limit: 300 requests per 5 minutes per token (per address without one), all
endpoints counted together, in windows that start on the clock's 5-minute marks, as
Rack::Attack counts them; a scenario may give an endpoint a window of its own
(``rate_limits``, by the face's endpoint names).

Headers as Mastodon sends them on every answer: ``x-ratelimit-limit``,
``x-ratelimit-remaining`` and ``x-ratelimit-reset``, an ISO 8601 time with microseconds on the
scenario clock (the mark that ends the window, plus the request's fraction of a second, as
recorded)."""

from __future__ import annotations

import threading

from bot.mock_api.ratelimit import Verdict
from bot.mock_api.scenario import RateLimitSpec
from bot.mock_api.timefmt import iso_ms

LIMIT = 300
PERIOD_S = 300


def iso_us(ms: int) -> str:
    """``2026-08-01T13:55:00.212000Z``: Mastodon's reset time, microseconds and all."""
    return iso_ms(ms)[:-1] + "000Z"


class MastodonLimiter:
    def __init__(self, overrides: dict[str, RateLimitSpec]) -> None:
        self._overrides = overrides
        self._used: dict[tuple[str, str, int], int] = {}  # (bucket, caller, window start) -> n
        self._lock = threading.Lock()

    def take(self, endpoint: str, context: str, now_ms: int, *, consume: bool = True) -> Verdict:
        override = self._overrides.get(endpoint)
        limit, period_s = (override.limit, override.window_s) if override else (LIMIT, PERIOD_S)
        bucket = endpoint if override else "*"
        now_s, fraction_ms = divmod(now_ms, 1000)
        start_s = now_s - now_s % period_s
        key = (bucket, context, start_s)
        with self._lock:
            used = self._used.get(key, 0)
            allowed = used < limit
            if allowed and consume:
                used = self._used[key] = used + 1
                if len(self._used) > 10_000:  # forget windows that are over
                    self._used = {k: v for k, v in self._used.items() if k[2] >= start_s}
        reset_ms = (start_s + period_s) * 1000 + fraction_ms
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - used)),
            "x-ratelimit-reset": iso_us(reset_ms),
        }
        return Verdict(allowed, headers, -(-reset_ms // 1000))

    def reset(self) -> None:
        with self._lock:
            self._used.clear()

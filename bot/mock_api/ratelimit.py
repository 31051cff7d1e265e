"""Rate limits per endpoint and auth context (the app, or each user), in fixed windows on the
scenario clock, with the documented 15-minute defaults; a scenario may override any."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from bot.mock_api.scenario import RateLimitSpec

WINDOW_S = 900
# documented requests per 15 minutes: (app-only, per user)
DEFAULTS: dict[str, tuple[int, int]] = {
    "search_recent": (450, 300),
    "mentions": (450, 300),
    "user_tweets": (10_000, 900),
    "tweets_lookup": (3_500, 5_000),
    "tweet": (450, 900),
    "user_by_username": (300, 900),
    "user": (300, 900),
    "users": (300, 900),
    "users_by": (300, 900),
    "me": (75, 75),
    "create_tweet": (100, 100),
    "media_upload": (500, 500),
}
APP_POSTS_PER_DAY = 10_000


@dataclass(slots=True)
class _Window:
    limit: int
    reset_ms: int
    used: int = 0


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]
    reset_s: int


class Limiter(Protocol):
    """What the request chain asks of a face's rate limits."""

    def take(
        self, endpoint: str, context: str, now_ms: int, *, consume: bool = True
    ) -> Verdict: ...

    def reset(self) -> None: ...


class RateLimiter:
    def __init__(self, overrides: dict[str, RateLimitSpec]) -> None:
        self._overrides = overrides
        self._windows: dict[tuple[str, str], _Window] = {}
        self._lock = threading.Lock()

    def _spec(self, endpoint: str, context: str) -> tuple[int, int]:
        override = self._overrides.get(endpoint)
        if override is not None:
            return override.limit, override.window_s
        app, user = DEFAULTS[endpoint]
        return (app if context == "app" else user), WINDOW_S

    def _window(self, key: tuple[str, str], limit: int, window_s: int, now_ms: int) -> _Window:
        window = self._windows.get(key)
        if window is None or now_ms >= window.reset_ms:
            window = self._windows[key] = _Window(limit, now_ms + window_s * 1000)
        return window

    def take(self, endpoint: str, context: str, now_ms: int, *, consume: bool = True) -> Verdict:
        """Counts one request (unless ``consume`` is false) and gives the headers to send."""
        with self._lock:
            limit, window_s = self._spec(endpoint, context)
            window = self._window((endpoint, context), limit, window_s, now_ms)
            allowed = window.used < window.limit
            daily: _Window | None = None
            if endpoint == "create_tweet":
                daily = self._window(("create_tweet", "app-24h"), APP_POSTS_PER_DAY, 86_400, now_ms)
                allowed = allowed and daily.used < daily.limit
            if allowed and consume:
                window.used += 1
                if daily is not None:
                    daily.used += 1
            reset_s = -(-window.reset_ms // 1000)
            headers = {
                "x-rate-limit-limit": str(window.limit),
                "x-rate-limit-remaining": str(max(0, window.limit - window.used)),
                "x-rate-limit-reset": str(reset_s),
            }
            if daily is not None:
                headers["x-app-limit-24hour-limit"] = str(daily.limit)
                headers["x-app-limit-24hour-remaining"] = str(max(0, daily.limit - daily.used))
                headers["x-app-limit-24hour-reset"] = str(-(-daily.reset_ms // 1000))
            return Verdict(allowed, headers, reset_s)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

"""Rate-limit windows learnt from ``x-rate-limit-*`` headers. The window, its bookkeeping and
the retry backoff are every platform's (``bot.platforms.pacing``), named here as well."""

from __future__ import annotations

from collections.abc import Mapping

from bot.platforms.pacing import Backoff, RateLimits, Window

__all__ = ["Backoff", "RateLimits", "Window", "window_from_headers"]


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def window_from_headers(headers: Mapping[str, str]) -> Window | None:
    """The window an answer describes; None when it carries no rate-limit headers."""
    window = Window(
        limit=_int_header(headers, "x-rate-limit-limit"),
        remaining=_int_header(headers, "x-rate-limit-remaining"),
        reset_epoch=_int_header(headers, "x-rate-limit-reset"),
    )
    if window.limit is None and window.remaining is None and window.reset_epoch is None:
        return None
    return window

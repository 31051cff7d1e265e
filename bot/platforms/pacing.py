"""Rate-limit windows and the retry backoff, the same for every platform: what a window is,
the last one seen per key, and the capped backoff. Reading a window from a platform's headers
is the platform's own (``x/pacing.py``, ``mastodon/pacing.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """One rate-limit window as the platform last described it."""

    limit: int | None
    remaining: int | None
    reset_epoch: int | None  # epoch seconds on the platform's clock

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


class RateLimits:
    """The last window seen per key (X: the endpoint; Mastodon: its bucket); shared by the
    threads using one client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, Window] = {}

    def record(self, endpoint: str, window: Window) -> None:
        with self._lock:
            self._windows[endpoint] = window

    def get(self, endpoint: str) -> Window | None:
        with self._lock:
            return self._windows.get(endpoint)

    def forget(self, endpoint: str) -> None:
        """After waiting out a window the old figures are stale: the next answer tells."""
        with self._lock:
            self._windows.pop(endpoint, None)

    def snapshot(self) -> dict[str, Window]:
        with self._lock:
            return dict(self._windows)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with jitter: ``min(cap, base * 2**n)`` times 0.5..1."""

    base_s: float
    cap_s: float
    random: Callable[[], float]

    def delay(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (0 for the first retry)."""
        ceiling = min(self.cap_s, self.base_s * (2 ** min(attempt, 32)))
        # Half fixed, half random: never zero (no hot loop), and clients that failed together
        # do not retry in lock-step.
        return ceiling * (0.5 + 0.5 * self.random())

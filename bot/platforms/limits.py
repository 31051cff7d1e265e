"""What every platform client decides the same way when a 429 comes: how long to wait, or
that it gives up (``RateLimited``). Pure: the clock's reading and the backoff are handed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from jobs.errors import RateLimited

# Waiting for a reset adds this much: the ``date`` header has whole seconds and a platform's
# rate-limit servers may tick a little after the header's clock.
RESET_MARGIN_S = 1.0


class Backoff(Protocol):
    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry ``attempt`` (0 first)."""
        ...


def iso_z(when: datetime) -> str:
    """``2022-11-19T06:00:00Z``: a time as a message shows it."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def limited_wait(
    *,
    api: str,
    endpoint: str,
    now: datetime,
    reset_at: datetime | None,
    limited: int,
    backoff: Backoff,
    max_wait_s: float,
    retries: int,
) -> float:
    """Seconds to wait after the ``limited``-th 429 in a row on ``endpoint`` of ``api`` ("X",
    "Mastodon"): until the window's reset, or backing off when none is told or it is
    already past. ``RateLimited`` when that is longer than ``max_wait_s`` or the 429s
    outnumber ``retries``."""
    if reset_at is not None:
        wait = (reset_at - now).total_seconds() + RESET_MARGIN_S
        if wait < RESET_MARGIN_S:  # a reset already past and still 429: back off instead
            wait = backoff.delay(limited - 1)
    else:
        wait = backoff.delay(limited - 1)
        reset_at = now + timedelta(seconds=wait)
    if wait > max_wait_s:
        raise RateLimited(
            f"{api} API {endpoint} rate-limited (429) until {iso_z(reset_at)} "
            f"({wait:.0f}s away; the client waits at most {max_wait_s:.0f}s)",
            endpoint=endpoint,
            reset_at=reset_at,
        )
    if limited > retries:
        raise RateLimited(
            f"{api} API {endpoint} still rate-limited (429) after {limited} attempts",
            endpoint=endpoint,
            reset_at=reset_at,
        )
    return wait

"""What every platform's chokepoint does the same way: pacing, retries and the 429 wait.

A platform's ``Chokepoint`` (``x/chokepoint.py``, ``mastodon/chokepoint.py``) runs each request
through ``BaseChokepoint._run``: before sending, a spent window is waited out (or refused with
``RateLimited``); then one attempt, which the platform makes (it sends, reads the answer its
response hook kept, maps a 4xx to a typed error) and which comes back as the answer itself
(returned), a ``Transient`` failure (retried with capped backoff, then ``PlatformUnavailable``)
or a ``Limited`` 429 (waited out until the reset when that is near enough, else
``RateLimited``). The platform also names the window an endpoint counts against, its own name
in messages and the logger they go to.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, Generic, Self, TypeVar

from bot.platforms.clock import PlatformClock
from bot.platforms.limits import RESET_MARGIN_S, iso_z, limited_wait
from bot.platforms.pacing import Backoff, RateLimits
from bot.platforms.redact import redact
from jobs.errors import PlatformUnavailable, RateLimited, Stopped

Usage = Callable[[str, int], None]
Sleep = Callable[[float], object]
AnswerT = TypeVar("AnswerT")


@dataclass(frozen=True, slots=True)
class Transient:
    """A failed attempt worth retrying: 5xx, 408, no answer, timeout, malformed body."""

    reason: str
    status: int | None


@dataclass(frozen=True, slots=True)
class Limited:
    """A 429 answer, with the window's reset when the platform said it."""

    reset_at: datetime | None


class BaseChokepoint(Generic[AnswerT]):
    """The loop around a platform's attempts; ``AnswerT`` is what a successful one returns."""

    api: ClassVar[str]  # the platform's name in messages: "X", "Mastodon"
    log: ClassVar[logging.Logger]  # the platform's chokepoint module's logger

    def __init__(
        self,
        *,
        clock: PlatformClock,
        sleep: Sleep,
        usage: Usage | None,
        max_wait_s: float,
        retries: int,
        backoff: Backoff,
        on_limited: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.clock = clock
        self.limits = RateLimits()  # keyed by ``_window_key``
        self._sleep = sleep
        self._stop = stop
        self._usage = usage
        self._on_limited = on_limited
        self._max_wait_s = max_wait_s
        self._retries = retries
        self._backoff = backoff
        self._local = threading.local()

    @classmethod
    def wired(
        cls,
        *,
        clock: PlatformClock | None,
        monotonic: Callable[[], float],
        probe: Callable[[], None],
        initial: datetime | None,
        sleep: Sleep | None,
        stop: threading.Event | None,
        usage: Usage | None,
        max_wait_s: float,
        retries: int,
        backoff_base_s: float,
        backoff_cap_s: float,
        random: Callable[[], float],
        on_limited: Callable[[str], None] | None,
    ) -> Self:
        """The chokepoint as a client sets it up from its knobs. Clients of one process may
        share a ``clock`` (any answer to any of them moves it); without one, a clock of its
        own, set by ``probe`` when nothing has answered yet."""
        if sleep is None:
            # Waits (rate-limit resets, retry backoff) end early when the job is asked to stop.
            sleep = stop.wait if stop is not None else time.sleep
        return cls(
            clock=clock or PlatformClock(monotonic=monotonic, probe=probe, initial=initial),
            sleep=sleep,
            stop=stop,
            usage=usage,
            max_wait_s=max_wait_s,
            retries=retries,
            backoff=Backoff(base_s=backoff_base_s, cap_s=backoff_cap_s, random=random),
            on_limited=on_limited,
        )

    def _window_key(self, endpoint: str) -> str:
        """The rate-limit window ``endpoint``'s requests count against: its own by default."""
        return endpoint

    # -- the call ------------------------------------------------------------------------

    def _run(self, endpoint: str, attempt: Callable[[], AnswerT | Transient | Limited]) -> AnswerT:
        """Make ``attempt`` (one request to ``endpoint``) until it answers, or raise."""
        failures = 0
        limited = 0
        while True:
            self._pace(endpoint)
            outcome = attempt()
            if isinstance(outcome, Limited):
                limited += 1
                if self._on_limited is not None:
                    self._on_limited(endpoint)
                wait = self._limited_wait(endpoint, outcome.reset_at, limited)
                self.log.warning(
                    "%s %s rate-limited (429): waiting %.1fs", self.api, endpoint, wait
                )
                self._wait(wait, f"for the {self.api} {endpoint} rate-limit reset")
                self.limits.forget(self._window_key(endpoint))
                continue
            if not isinstance(outcome, Transient):
                return outcome
            failures += 1
            if failures > self._retries:
                raise PlatformUnavailable(
                    redact(
                        f"{self.api} API {endpoint} unavailable after {failures} attempts "
                        f"(last: {outcome.reason})"
                    ),
                    endpoint=endpoint,
                    status=outcome.status,
                )
            delay = self._backoff.delay(failures - 1)
            self.log.warning(
                "%s %s failed (%s); retry %d of %d in %.1fs",
                self.api,
                endpoint,
                redact(outcome.reason),
                failures,
                self._retries,
                delay,
            )
            self._wait(delay, f"to retry {self.api} {endpoint}")

    def _wait(self, seconds: float, what: str) -> None:
        """Sleep ``seconds`` unless the job is asked to stop first or meanwhile: then raise
        Stopped at once, nothing sent. (The sleep handed in by the wiring waits on the same
        stop event, so a stop cuts it short; an injected one is checked before and after.)"""
        self._check_stop(seconds, what)
        self._sleep(seconds)
        self._check_stop(seconds, what)

    def _check_stop(self, seconds: float, what: str) -> None:
        if self._stop is not None and self._stop.is_set():
            raise Stopped(f"stopped on request while waiting {seconds:.0f}s {what}")

    def _count(self, endpoint: str, posts_read: int) -> None:
        """One answer to ``endpoint`` for the usage callback, with the posts it read."""
        if self._usage is not None:
            self._usage(endpoint, posts_read)

    # -- rate limits ---------------------------------------------------------------------

    def _pace(self, endpoint: str) -> None:
        """Before sending: when the endpoint's window is spent, wait for its reset or refuse."""
        window = self.limits.get(self._window_key(endpoint))
        if window is None or not window.exhausted or window.reset_epoch is None:
            return
        now = self.clock.now().timestamp()
        if window.reset_epoch <= now:
            return
        wait = window.reset_epoch - now + RESET_MARGIN_S
        reset_at = datetime.fromtimestamp(window.reset_epoch, UTC)
        if wait > self._max_wait_s:
            raise RateLimited(
                f"{self.api} API {endpoint} rate limit spent until {iso_z(reset_at)} "
                f"({wait:.0f}s away; the client waits at most {self._max_wait_s:.0f}s)",
                endpoint=endpoint,
                reset_at=reset_at,
            )
        self.log.info("%s %s window spent: waiting %.1fs for its reset", self.api, endpoint, wait)
        self._wait(wait, f"for the {self.api} {endpoint} rate-limit reset")
        self.limits.forget(self._window_key(endpoint))

    def _limited_wait(self, endpoint: str, reset_at: datetime | None, limited: int) -> float:
        return limited_wait(
            api=self.api, endpoint=endpoint, now=self.clock.now(), reset_at=reset_at,
            limited=limited, backoff=self._backoff, max_wait_s=self._max_wait_s,
            retries=self._retries,
        )  # fmt: skip

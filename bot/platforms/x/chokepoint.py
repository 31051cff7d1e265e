"""The one way out to the network: pacing, retries and error mapping for every X request.

Every tweepy call of ``XPlatform`` runs inside ``Chokepoint.call``. A response hook on the
sessions sees every answer (the clock's ``date`` header, the ``x-rate-limit-*`` window, the
status for the usage count); ``call`` then decides: return the decoded body, wait and retry,
or raise one of ``jobs.errors``. Nothing foreign (tweepy, requests, JSON errors) gets out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import requests
import tweepy

from bot.platforms.clock import PlatformClock
from bot.platforms.limits import RESET_MARGIN_S, iso_z, limited_wait
from bot.platforms.x.pacing import Backoff, RateLimits, window_from_headers
from bot.platforms.x.parse import count_posts, problem_text
from bot.platforms.x.redact import redact
from jobs.errors import (
    DuplicatePost,
    NotFound,
    PlatformError,
    PlatformRejected,
    PlatformUnavailable,
    RateLimited,
    Stopped,
)

log = logging.getLogger(__name__)

Usage = Callable[[str, int], None]
Send = Callable[[], "requests.Response | str | bytes | None"]


_CREDENTIALS_HINT = (
    "check X_BEARER_TOKEN, X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
)


@dataclass(frozen=True, slots=True)
class _Transient:
    """A failed attempt worth retrying: 5xx, connection error, timeout, malformed body."""

    reason: str
    status: int | None


@dataclass(frozen=True, slots=True)
class _Limited:
    """A 429 answer, with the window's reset when X said it."""

    reset_epoch: int | None


class Chokepoint:
    def __init__(
        self,
        *,
        clock: PlatformClock,
        sleep: Callable[[float], object],
        usage: Usage | None,
        max_wait_s: float,
        retries: int,
        backoff: Backoff,
        on_limited: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.clock = clock
        self.limits = RateLimits()
        self._sleep = sleep
        self._stop = stop
        self._usage = usage
        self._on_limited = on_limited
        self._max_wait_s = max_wait_s
        self._retries = retries
        self._backoff = backoff
        self._local = threading.local()

    # -- the response hook -------------------------------------------------------------

    def on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Installed on every session: sees each answer before tweepy does."""
        self.clock.observe(response.headers.get("date"))
        endpoint = getattr(self._local, "endpoint", None)
        if endpoint is None:  # not an X request of ours (the clock probe)
            return
        self._local.status = response.status_code
        window = window_from_headers(response.headers)
        if window is not None:
            self.limits.record(endpoint, window)

    # -- the call ------------------------------------------------------------------------

    def call(self, endpoint: str, send: Send, *, counts_posts: bool = False) -> dict[str, Any]:
        """Run ``send`` (one tweepy request) until it yields a JSON object, or raise."""
        failures = 0
        limited = 0
        while True:
            self._pace(endpoint)
            outcome = self._attempt(endpoint, send, counts_posts)
            if isinstance(outcome, dict):
                return outcome
            if isinstance(outcome, _Limited):
                limited += 1
                if self._on_limited is not None:
                    self._on_limited(endpoint)
                wait = self._rate_limit_wait(endpoint, outcome.reset_epoch, limited)
                log.warning("X %s rate-limited (429): waiting %.1fs", endpoint, wait)
                self._wait(wait, f"for the X {endpoint} rate-limit reset")
                self.limits.forget(endpoint)
                continue
            failures += 1
            if failures > self._retries:
                raise PlatformUnavailable(
                    redact(
                        f"X API {endpoint} unavailable after {failures} attempts "
                        f"(last: {outcome.reason})"
                    ),
                    endpoint=endpoint,
                    status=outcome.status,
                )
            delay = self._backoff.delay(failures - 1)
            log.warning(
                "X %s failed (%s); retry %d of %d in %.1fs",
                endpoint,
                redact(outcome.reason),
                failures,
                self._retries,
                delay,
            )
            self._wait(delay, f"to retry X {endpoint}")

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

    def _attempt(
        self, endpoint: str, send: Send, counts_posts: bool
    ) -> dict[str, Any] | _Transient | _Limited:
        self._local.endpoint = endpoint
        self._local.status = None
        raw: requests.Response | str | bytes | None = None
        error: Exception | None = None
        try:
            raw = send()
        except (tweepy.TweepyException, requests.RequestException, ValueError, OSError) as exc:
            error = exc
        finally:
            status = self._local.status
            self._local.endpoint = None
            self._local.status = None
        answered = status is not None
        if error is not None:
            self._count(answered, endpoint, 0)
            return _classify(endpoint, error)
        body = _decode(raw)
        if body is None:
            self._count(answered, endpoint, 0)
            shown = f" (HTTP {status})" if status is not None else ""
            return _Transient(f"malformed JSON body{shown}", status)
        self._count(answered, endpoint, count_posts(body) if counts_posts else 0)
        return body

    def _count(self, answered: bool, endpoint: str, posts_read: int) -> None:
        if answered and self._usage is not None:
            self._usage(endpoint, posts_read)

    # -- rate limits ---------------------------------------------------------------------

    def _pace(self, endpoint: str) -> None:
        """Before sending: when the endpoint's window is spent, wait for its reset or refuse."""
        window = self.limits.get(endpoint)
        if window is None or not window.exhausted or window.reset_epoch is None:
            return
        now = self.clock.now().timestamp()
        if window.reset_epoch <= now:
            return
        wait = window.reset_epoch - now + RESET_MARGIN_S
        reset_at = datetime.fromtimestamp(window.reset_epoch, UTC)
        if wait > self._max_wait_s:
            raise RateLimited(
                f"X API {endpoint} rate limit spent until {iso_z(reset_at)} "
                f"({wait:.0f}s away; the client waits at most {self._max_wait_s:.0f}s)",
                endpoint=endpoint,
                reset_at=reset_at,
            )
        log.info("X %s window spent: waiting %.1fs for its reset", endpoint, wait)
        self._wait(wait, f"for the X {endpoint} rate-limit reset")
        self.limits.forget(endpoint)

    def _rate_limit_wait(self, endpoint: str, reset_epoch: int | None, limited: int) -> float:
        reset_at = None if reset_epoch is None else datetime.fromtimestamp(reset_epoch, UTC)
        return limited_wait(
            api="X", endpoint=endpoint, now=self.clock.now(), reset_at=reset_at,
            limited=limited, backoff=self._backoff, max_wait_s=self._max_wait_s,
            retries=self._retries,
        )  # fmt: skip


def _decode(raw: requests.Response | str | bytes | None) -> dict[str, Any] | None:
    """The answer's JSON object, or None when it is not one (malformed or truncated)."""
    if isinstance(raw, requests.Response):
        raw = raw.content
    if not raw:
        return None
    try:
        body = orjson.loads(raw)  # a fifth of json's time, on every page collected
    except ValueError:  # orjson.JSONDecodeError is one
        return None
    return body if isinstance(body, dict) else None


def _classify(endpoint: str, exc: Exception) -> _Transient | _Limited:
    """A failed attempt: something to retry or wait out, or (4xx) the typed error, raised."""
    if isinstance(exc, tweepy.TooManyRequests):
        return _Limited(reset_epoch=exc.reset_time)
    if isinstance(exc, tweepy.HTTPException):
        status = _status_of(exc)
        if status is not None and (status >= 500 or status == 408):
            return _Transient(f"HTTP {status} {_reason_of(exc)}".strip(), status)
        raise _rejected(endpoint, exc, status) from None
    if isinstance(exc, requests.Timeout):
        return _Transient("timeout", None)
    if isinstance(exc, tweepy.TweepyException):
        # tweepy.API wraps transport errors in a bare TweepyException.
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, requests.Timeout):
            return _Transient("timeout", None)
        return _Transient(type(cause or exc).__name__, None)
    if isinstance(exc, ValueError):
        return _Transient("malformed JSON body", None)
    return _Transient(type(exc).__name__, None)


def _status_of(exc: tweepy.HTTPException) -> int | None:
    status = getattr(exc.response, "status_code", None)
    return status if isinstance(status, int) else None


def _reason_of(exc: tweepy.HTTPException) -> str:
    reason = getattr(exc.response, "reason", "")
    return reason if isinstance(reason, str) else ""


def _problem(exc: tweepy.HTTPException) -> str:
    try:
        body = exc.response.json()
    except ValueError:
        return _reason_of(exc)
    return problem_text(body) or _reason_of(exc)


def _rejected(endpoint: str, exc: tweepy.HTTPException, status: int | None) -> PlatformError:
    """A 4xx answer as a typed error. Messages are ours plus X's problem text; never a secret."""
    detail = _problem(exc)
    shown = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status == 401:
        return PlatformRejected(
            redact(f"X refused the credentials for {endpoint} ({shown}); {_CREDENTIALS_HINT}"),
            endpoint=endpoint,
            status=status,
        )
    if status == 403:
        if "duplicate" in detail.lower():
            return DuplicatePost(
                redact(f"X refused the post as a duplicate of a recent one ({shown})"),
                endpoint=endpoint,
                status=status,
            )
        return PlatformRejected(
            redact(
                f"X refused the credentials for {endpoint}: they lack access ({shown}); "
                f"{_CREDENTIALS_HINT}"
            ),
            endpoint=endpoint,
            status=status,
        )
    if status == 404:
        return NotFound(redact(f"X {endpoint}: not found ({shown})"), endpoint=endpoint, status=404)
    return PlatformRejected(
        redact(f"X rejected {endpoint} ({shown})"), endpoint=endpoint, status=status
    )

"""The one way out to the network: pacing, retries and error mapping for every X request.

Every tweepy call of ``XPlatform`` runs inside ``Chokepoint.call``. A response hook on the
sessions sees every answer (the clock's ``date`` header, the ``x-rate-limit-*`` window, the
status for the usage count); ``call`` then decides: return the decoded body, wait and retry,
or raise one of ``jobs.errors``. Nothing foreign (tweepy, requests, JSON errors) gets out.
The loop itself (pacing, retries, the 429 wait) is every platform's: ``BaseChokepoint``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
import requests
import tweepy

from bot.platforms.chokepoint import BaseChokepoint, Limited, Transient
from bot.platforms.chokepoint import Usage as Usage
from bot.platforms.redact import redact
from bot.platforms.x.pacing import window_from_headers
from bot.platforms.x.parse import count_posts, problem_text
from jobs.errors import DuplicatePost, NotFound, PlatformError, PlatformRejected

log = logging.getLogger(__name__)

Send = Callable[[], "requests.Response | str | bytes | None"]


_CREDENTIALS_HINT = (
    "check X_BEARER_TOKEN, X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
)


class Chokepoint(BaseChokepoint[dict[str, Any]]):
    """X's attempts: a tweepy request, its answer's JSON object; windows per endpoint."""

    api: ClassVar[str] = "X"
    log: ClassVar[logging.Logger] = log

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
        return self._run(endpoint, lambda: self._attempt(endpoint, send, counts_posts))

    def _attempt(
        self, endpoint: str, send: Send, counts_posts: bool
    ) -> dict[str, Any] | Transient | Limited:
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
        answered = status is not None  # the usage callback counts answers, not attempts
        if error is not None:
            if answered:
                self._count(endpoint, 0)
            return _classify(endpoint, error)
        body = _decode(raw)
        if answered:
            self._count(endpoint, count_posts(body) if body is not None and counts_posts else 0)
        if body is None:
            shown = f" (HTTP {status})" if status is not None else ""
            return Transient(f"malformed JSON body{shown}", status)
        return body


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


def _classify(endpoint: str, exc: Exception) -> Transient | Limited:
    """A failed attempt: something to retry or wait out, or (4xx) the typed error, raised."""
    if isinstance(exc, tweepy.TooManyRequests):
        reset = exc.reset_time  # epoch seconds, from x-rate-limit-reset
        return Limited(None if reset is None else datetime.fromtimestamp(reset, UTC))
    if isinstance(exc, tweepy.HTTPException):
        status = _status_of(exc)
        if status is not None and (status >= 500 or status == 408):
            return Transient(f"HTTP {status} {_reason_of(exc)}".strip(), status)
        raise _rejected(endpoint, exc, status) from None
    if isinstance(exc, requests.Timeout):
        return Transient("timeout", None)
    if isinstance(exc, tweepy.TweepyException):
        # tweepy.API wraps transport errors in a bare TweepyException.
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, requests.Timeout):
            return Transient("timeout", None)
        return Transient(type(cause or exc).__name__, None)
    if isinstance(exc, ValueError):
        return Transient("malformed JSON body", None)
    return Transient(type(exc).__name__, None)


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

"""The one way out to the network for every Mastodon request: pacing, retries, error mapping.

Every Mastodon.py call of ``MastodonPlatform`` runs inside ``Chokepoint.call``. Mastodon.py
sends through a ``requests.Session`` whose response hook is ``on_response``: it sees each
answer first (the ``date`` header for the platform clock, the ``X-RateLimit-*`` window, the
answer itself). ``call`` then judges the *answer*, not what Mastodon.py made of it: with
``ratelimit_method="throw"`` a 429 is a bare ``MastodonRatelimitError`` without its reset time,
and Mastodon.py's results turn JSON into typed objects (ids as its own ``str`` subclass, times
re-parsed by dateutil, ~14 ms a status), while ids must stay the strings of the wire. So the
hook keeps a 2xx answer's bytes and hands Mastodon.py an empty JSON value of the same kind to
map; the body is decoded here (orjson), and the status code decides:

- 2xx with a JSON body: returned (``Answer``), with the ``Link`` header's next ``max_id``
- 429: wait for the reset (ISO 8601 time) when it is within ``max_wait_s``, else
  ``RateLimited(reset_at=...)``; a spent window (``remaining`` 0) is waited out *before*
  sending, the same way
- 5xx, 408, no answer at all (connection refused, timeout), a malformed body: retried with
  capped exponential backoff, then ``PlatformUnavailable``
- 404 (and 410, gone): ``NotFound``; 401/403: ``PlatformRejected`` naming MASTODON_ACCESS_TOKEN (never its
  value); any other 4xx: ``PlatformRejected`` with Mastodon's ``{"error": ...}`` text

Nothing foreign (Mastodon.py, requests, JSON errors) gets out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import mastodon
import orjson
import requests

from bot.platforms.clock import PlatformClock
from bot.platforms.limits import RESET_MARGIN_S, iso_z, limited_wait
from bot.platforms.mastodon.pacing import bucket_of, parse_reset, window_from_headers
from bot.platforms.x.pacing import Backoff, RateLimits
from bot.platforms.x.redact import redact
from jobs.errors import (
    NotFound,
    PlatformError,
    PlatformRejected,
    PlatformUnavailable,
    RateLimited,
    Stopped,
)

log = logging.getLogger(__name__)

Usage = Callable[[str, int], None]
Send = Callable[[], object]
Counter = Callable[[Any], int]

CREDENTIALS_HINT = (
    "check MASTODON_ACCESS_TOKEN: a token of the bot's account on MASTODON_BASE_URL "
    "with the scopes read, write:statuses and write:media"
)


@dataclass(frozen=True, slots=True)
class Answer:
    """A decoded 2xx answer: its JSON (an object or a list), and where the next page starts
    (the ``max_id`` of the ``Link`` header's ``rel="next"``, None when it names none)."""

    body: Any
    next_max_id: str | None = None


# ``Chokepoint.call`` as the client hands it to its helpers: (endpoint, send, count).
Call = Callable[[str, Send, "Counter | None"], Answer]


@dataclass(frozen=True, slots=True)
class _Transient:
    reason: str
    status: int | None


@dataclass(frozen=True, slots=True)
class _Limited:
    reset_at: datetime | None


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
        self.limits = RateLimits()  # keyed by bucket (``pacing.bucket_of``)
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
        """Installed on the session Mastodon.py sends through: sees every answer first."""
        self.clock.observe(response.headers.get("date"))
        endpoint = getattr(self._local, "endpoint", None)
        if endpoint is None:  # not a request of ours (the clock probe)
            return
        self._local.response = response
        self._local.body = response.content
        if 200 <= response.status_code < 300:
            # The body is read here, from these bytes. Mastodon.py would map it to typed
            # objects first, at ~14 ms a status (a 4,096-reply context: a minute): it is
            # handed an empty JSON value of the same kind instead.
            stripped = self._local.body.lstrip()
            response._content = b"[]" if stripped.startswith(b"[") else b"{}"
        window = window_from_headers(response.headers)
        if window is not None:
            self.limits.record(bucket_of(endpoint), window)

    # -- the call ------------------------------------------------------------------------

    def call(self, endpoint: str, send: Send, *, count: Counter | None = None) -> Answer:
        """Run ``send`` (one Mastodon.py request) until it is answered with JSON, or raise.
        ``count`` tells the posts read in a body, for the usage callback."""
        failures = 0
        limited = 0
        while True:
            self._pace(endpoint)
            outcome = self._attempt(endpoint, send, count)
            if isinstance(outcome, Answer):
                return outcome
            if isinstance(outcome, _Limited):
                limited += 1
                if self._on_limited is not None:
                    self._on_limited(endpoint)
                wait = self._limited_wait(endpoint, outcome.reset_at, limited)
                log.warning("Mastodon %s rate-limited (429): waiting %.1fs", endpoint, wait)
                self._wait(wait, f"for the Mastodon {endpoint} rate-limit reset")
                self.limits.forget(bucket_of(endpoint))
                continue
            failures += 1
            if failures > self._retries:
                raise PlatformUnavailable(
                    redact(
                        f"Mastodon API {endpoint} unavailable after {failures} attempts "
                        f"(last: {outcome.reason})"
                    ),
                    endpoint=endpoint,
                    status=outcome.status,
                )
            delay = self._backoff.delay(failures - 1)
            log.warning(
                "Mastodon %s failed (%s); retry %d of %d in %.1fs",
                endpoint,
                redact(outcome.reason),
                failures,
                self._retries,
                delay,
            )
            self._wait(delay, f"to retry Mastodon {endpoint}")

    def pause(self, attempt: int, what: str) -> None:
        """Wait the backoff of ``attempt`` (0 first) before asking again about something the
        server is still doing (an upload being processed); ``Stopped`` on a stop."""
        self._wait(self._backoff.delay(attempt), what)

    def _wait(self, seconds: float, what: str) -> None:
        """Sleep ``seconds`` unless the job is asked to stop first or meanwhile: then raise
        Stopped at once, nothing sent (the wiring's sleep waits on the stop event itself)."""
        self._check_stop(seconds, what)
        self._sleep(seconds)
        self._check_stop(seconds, what)

    def _check_stop(self, seconds: float, what: str) -> None:
        if self._stop is not None and self._stop.is_set():
            raise Stopped(f"stopped on request while waiting {seconds:.0f}s {what}")

    def _attempt(
        self, endpoint: str, send: Send, count: Counter | None
    ) -> Answer | _Transient | _Limited:
        self._local.endpoint = endpoint
        self._local.response = None
        error: Exception | None = None
        try:
            send()
        except (mastodon.MastodonError, requests.RequestException, ValueError, OSError) as exc:
            error = exc
        finally:
            response: requests.Response | None = self._local.response
            raw: bytes = getattr(self._local, "body", b"")
            self._local.endpoint = None
            self._local.response = None
            self._local.body = b""
        if response is None:  # never answered: refused, timed out, or stopped before sending
            if isinstance(
                error, mastodon.MastodonIllegalArgumentError | mastodon.MastodonVersionError
            ):
                raise PlatformRejected(
                    f"Mastodon.py refused to send {endpoint}: {type(error).__name__}",
                    endpoint=endpoint,
                )
            return _Transient(_reason_of_failure(error), None)
        status = response.status_code
        if 200 <= status < 300:
            body = _decode(raw)
            self._count(endpoint, count(body) if body is not None and count is not None else 0)
            if body is None:
                return _Transient(f"malformed JSON body (HTTP {status})", status)
            return Answer(body=body, next_max_id=_next_max_id(response))
        self._count(endpoint, 0)
        if status == 429:
            return _Limited(parse_reset(response.headers.get("x-ratelimit-reset")))
        if status >= 400 and status not in (408, 425) and status < 500:
            raise _rejected(endpoint, response, raw)
        return _Transient(f"HTTP {status} {response.reason or ''}".strip(), status)

    def _count(self, endpoint: str, posts_read: int) -> None:
        if self._usage is not None:
            self._usage(endpoint, posts_read)

    # -- rate limits ---------------------------------------------------------------------

    def _pace(self, endpoint: str) -> None:
        """Before sending: when the bucket's window is spent, wait for its reset or refuse."""
        window = self.limits.get(bucket_of(endpoint))
        if window is None or not window.exhausted or window.reset_epoch is None:
            return
        now = self.clock.now().timestamp()
        if window.reset_epoch <= now:
            return
        wait = window.reset_epoch - now + RESET_MARGIN_S
        reset_at = datetime.fromtimestamp(window.reset_epoch, UTC)
        if wait > self._max_wait_s:
            raise RateLimited(
                f"Mastodon API {endpoint} rate limit spent until {iso_z(reset_at)} "
                f"({wait:.0f}s away; the client waits at most {self._max_wait_s:.0f}s)",
                endpoint=endpoint,
                reset_at=reset_at,
            )
        log.info("Mastodon %s window spent: waiting %.1fs for its reset", endpoint, wait)
        self._wait(wait, f"for the Mastodon {endpoint} rate-limit reset")
        self.limits.forget(bucket_of(endpoint))

    def _limited_wait(self, endpoint: str, reset_at: datetime | None, limited: int) -> float:
        return limited_wait(
            api="Mastodon", endpoint=endpoint, now=self.clock.now(), reset_at=reset_at,
            limited=limited, backoff=self._backoff, max_wait_s=self._max_wait_s,
            retries=self._retries,
        )  # fmt: skip


def _decode(raw: bytes | None) -> Any:
    """The answer's JSON object or list, or None when it is neither (malformed, truncated)."""
    if not raw:
        return None
    try:
        body = orjson.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict | list) else None


def _next_max_id(response: requests.Response) -> str | None:
    url = response.links.get("next", {}).get("url")
    if not url:
        return None
    found = parse_qs(urlsplit(url).query).get("max_id")
    return found[0] if found else None


def _reason_of_failure(error: Exception | None) -> str:
    """Why a request got no answer, without the message (it may hold a URL's query)."""
    cause: BaseException | None = error
    while cause is not None and isinstance(cause, mastodon.MastodonError):
        if cause.__cause__ is None and cause.__context__ is None:
            break
        cause = cause.__cause__ or cause.__context__
    if cause is None:
        return "no answer"
    if isinstance(cause, requests.Timeout):
        return "timeout"
    if isinstance(cause, requests.ConnectionError):
        return "connection error"
    return type(cause).__name__


def error_text(response: requests.Response, raw: bytes) -> str:
    """Mastodon's ``{"error": ..., "error_description": ...}`` on one short line."""
    body = _decode(raw)
    parts: list[str] = []
    if isinstance(body, dict):
        for key in ("error", "error_description"):
            value = body.get(key)
            if isinstance(value, str) and value and value not in parts:
                parts.append(value)
    text = ": ".join(parts) or (response.reason or "")
    return " ".join(text.split())[:240]


def _rejected(endpoint: str, response: requests.Response, raw: bytes) -> PlatformError:
    """A 4xx answer as a typed error: our words plus Mastodon's error text, never a secret."""
    status = response.status_code
    detail = error_text(response, raw)
    shown = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status in (401, 403):
        return PlatformRejected(
            redact(
                f"Mastodon refused the credentials for {endpoint} ({shown}); {CREDENTIALS_HINT}"
            ),
            endpoint=endpoint,
            status=status,
        )
    if status in (404, 410):  # 410: deleted or suspended, gone for good
        return NotFound(
            redact(f"Mastodon {endpoint}: not found ({shown})"), endpoint=endpoint, status=status
        )
    return PlatformRejected(
        redact(f"Mastodon rejected {endpoint} ({shown})"), endpoint=endpoint, status=status
    )

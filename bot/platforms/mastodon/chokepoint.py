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

Nothing foreign (Mastodon.py, requests, JSON errors) gets out. The loop itself (pacing,
retries, the 429 wait) is every platform's: ``BaseChokepoint``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import mastodon
import orjson
import requests

from bot.platforms.chokepoint import BaseChokepoint, Limited, Transient
from bot.platforms.chokepoint import Usage as Usage
from bot.platforms.mastodon.pacing import bucket_of, parse_reset, window_from_headers
from bot.platforms.redact import redact
from jobs.errors import NotFound, PlatformError, PlatformRejected

log = logging.getLogger(__name__)

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


class Chokepoint(BaseChokepoint[Answer]):
    """Mastodon's attempts: a Mastodon.py request, its answer read from the wire; windows per
    bucket (``pacing.bucket_of``)."""

    api: ClassVar[str] = "Mastodon"
    log: ClassVar[logging.Logger] = log

    def _window_key(self, endpoint: str) -> str:
        return bucket_of(endpoint)

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
        return self._run(endpoint, lambda: self._attempt(endpoint, send, count))

    def pause(self, attempt: int, what: str) -> None:
        """Wait the backoff of ``attempt`` (0 first) before asking again about something the
        server is still doing (an upload being processed); ``Stopped`` on a stop."""
        self._wait(self._backoff.delay(attempt), what)

    def _attempt(
        self, endpoint: str, send: Send, count: Counter | None
    ) -> Answer | Transient | Limited:
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
            return Transient(_reason_of_failure(error), None)
        status = response.status_code
        if 200 <= status < 300:
            body = _decode(raw)
            self._count(endpoint, count(body) if body is not None and count is not None else 0)
            if body is None:
                return Transient(f"malformed JSON body (HTTP {status})", status)
            return Answer(body=body, next_max_id=_next_max_id(response))
        self._count(endpoint, 0)
        if status == 429:
            return Limited(parse_reset(response.headers.get("x-ratelimit-reset")))
        if status >= 400 and status not in (408, 425) and status < 500:
            raise _rejected(endpoint, response, raw)
        return Transient(f"HTTP {status} {response.reason or ''}".strip(), status)


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

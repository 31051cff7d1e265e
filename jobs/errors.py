"""Errors of the jobs layer. Foreign exceptions (tweepy, requests, SQLAlchemy) are mapped to
these at one boundary each, so the CLI and the runner handle a handful of named types.
"""

from __future__ import annotations

from datetime import datetime


def shown(text: str, limit: int = 60) -> str:
    """User input as it may appear in a one-line message: quoted, cut to ``limit``
    characters, and with control, format (bidi) and unassigned characters escaped, so
    nothing typed can rewrite the line on a terminal or in a reply."""
    cut = text[:limit]
    body = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in cut
    )
    body = body.replace("'", "\\'")
    return f"'{body}...'" if len(text) > limit else f"'{body}'"


class PollbotError(Exception):
    """Base of every error pollbot raises on purpose."""


class UsageError(PollbotError):
    """Bad input from a user: exit code 2, nothing written."""


class PlatformError(PollbotError):
    """The platform failed or refused; carries no secrets in its message."""

    def __init__(self, message: str, *, endpoint: str | None = None, status: int | None = None):
        super().__init__(message)
        self.endpoint = endpoint
        self.status = status


class PlatformUnavailable(PlatformError):
    """5xx, connection errors, timeouts or malformed answers, after the retries ran out."""


class RateLimited(PlatformError):
    """The endpoint's window is exhausted; ``reset_at`` is when it opens (platform clock)."""

    def __init__(
        self, message: str, *, endpoint: str | None = None, reset_at: datetime | None = None
    ):
        super().__init__(message, endpoint=endpoint, status=429)
        self.reset_at = reset_at


class PlatformRejected(PlatformError):
    """A 4xx other than 429: the request itself is wrong or refused."""


class NotFound(PlatformRejected):
    """The user or post does not exist (or is not visible)."""


class DuplicatePost(PlatformRejected):
    """The platform refused the text as a duplicate of a recent post by the same account."""


class BudgetExhausted(PollbotError):
    """The month's read cap (POLLBOT_MONTHLY_POST_READS) or spend cap
    (POLLBOT_MONTHLY_BUDGET_USD) is reached."""


class LeaseHeld(PollbotError):
    """The job is running elsewhere: exit code 3."""

    def __init__(self, job: str, holder: str):
        super().__init__(f"job {job!r} is running elsewhere: held by {holder}")
        self.job = job
        self.holder = holder


class JobFailed(PollbotError):
    """A job ran and failed (exit code 1): the platform or the store let it down."""


class ScoringFailed(JobFailed):
    """The scoring process died or could not start; the page it held is stored by the next
    run, since its cursor did not move."""


class Stopped(PollbotError):
    """The job was asked to stop (SIGTERM) while it waited (a rate-limit reset, a retry's
    backoff): it stops there, nothing sent, cursors where they stand; the run is ``ok``,
    as any run that stops on request."""


class NotRecorded(PollbotError):
    """Work ended but the store could not record it (the database went away): exit code 1.
    ``cause`` is the storage error."""

    def __init__(self, message: str, *, cause: BaseException) -> None:
        super().__init__(message)
        self.cause = cause

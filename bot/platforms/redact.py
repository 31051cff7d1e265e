"""Keeps credential values out of error messages and log lines.

Our own messages never include credentials; this is the second line of defence for text we do
not write ourselves: at DEBUG tweepy logs the ``Authorization: Bearer ...`` header and oauthlib
the consumer key and access token, and an error body could in principle echo a request back.
"""

from __future__ import annotations

import logging
import threading

_MASK = "[redacted]"
_lock = threading.Lock()
_secrets: set[str] = set()
# Loggers that may print request headers or OAuth parameters at DEBUG.
_GUARDED_LOGGERS = (
    "tweepy",
    "tweepy.client",
    "tweepy.api",
    "requests_oauthlib.oauth1_auth",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
)
# OAuth 1.0a signing logs the consumer key and access token at DEBUG and nothing an operator
# needs: these stay at INFO (their children inherit it) whatever the root level.
_QUIETED_LOGGERS = ("oauthlib", "requests_oauthlib")


def register(*values: str | None) -> None:
    """Remember credential values to mask; short values are skipped (they would mask words)."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= 8)
    _install_filter()


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_filter = _RedactFilter()


def _install_filter() -> None:
    for name in _GUARDED_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
    for name in _QUIETED_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level in (logging.NOTSET, logging.DEBUG):
            logger.setLevel(logging.INFO)

"""Parsers for configuration values. Each takes the raw string and returns the typed value,
or raises ValueError with what was expected (the caller adds the variable's name)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jobs.errors import shown
from jobs.names import address_key, is_address

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
USERNAME = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")
MAX_DURATION = timedelta(days=366)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_duration(raw: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``1d``, or combined like ``1h30m``; must be positive."""
    text = raw.strip().lower()
    pos, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError("expected a duration like 90s, 15m or 2h")
    if total <= 0:
        raise ValueError("expected a duration greater than zero")
    if total > MAX_DURATION.total_seconds():
        raise ValueError("expected a duration of at most 366d")
    return timedelta(seconds=total)


def parse_bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true or false")


def parse_positive_int(raw: str) -> int:
    text = raw.strip().replace("_", "")
    if not re.fullmatch(r"\d+", text) or int(text) <= 0:
        raise ValueError("expected a positive whole number")
    return int(text)


def parse_usd(raw: str) -> float:
    """A positive amount of US dollars: ``50``, ``12.5``, ``$20``."""
    text = raw.strip().removeprefix("$").replace("_", "")
    if not re.fullmatch(r"\d+(\.\d{1,3})?", text) or float(text) <= 0:
        raise ValueError("expected a positive amount of US dollars, like 50 or 12.50")
    return float(text)


def parse_processes(raw: str) -> int | None:
    """``auto`` (None: decided by the CPUs available) or a whole number 0-64."""
    text = raw.strip().lower()
    if text == "auto":
        return None
    if not re.fullmatch(r"\d+", text) or int(text) > 64:
        raise ValueError("expected auto or a whole number 0-64 (0 scores in the job's own process)")
    return int(text)


def parse_port(raw: str) -> int | None:
    text = raw.strip()
    if text == "":
        return None
    if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= 65535:
        raise ValueError("expected a TCP port number 1-65535")
    return int(text)


def parse_cron(raw: str) -> str:
    """Five fields, spaces normalised; their values are checked against APScheduler, which
    runs the cron, by ``bot.config.checks``."""
    text = " ".join(raw.split())
    if len(text.split(" ")) != 5:
        raise ValueError("expected a 5-field cron expression like '0 9 * * *'")
    return text


def parse_timezone(raw: str) -> ZoneInfo:
    text = raw.strip()
    try:
        if not text or text.startswith(("/", ".")) or ".." in text:
            raise ZoneInfoNotFoundError(text)
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: 'Europe' is a dir
        raise ValueError("expected an IANA time zone like UTC or Europe/Berlin") from exc


# The X API's documented host (docs.x.com): where requests go unless X_API_BASE_URL says.
DEFAULT_X_API = "https://api.x.com"


def parse_url(raw: str) -> str:
    """A base URL without trailing slash; empty means X's own (``DEFAULT_X_API``)."""
    text = raw.strip()
    if text == "":
        return DEFAULT_X_API
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("expected an http(s) URL like http://127.0.0.1:8787")
    if parts.query or parts.fragment:
        raise ValueError("expected a base URL without query or fragment")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ValueError("expected an http(s) URL with a valid port") from exc
    return text.rstrip("/")


def parse_choice(raw: str, choices: tuple[str, ...]) -> str:
    text = raw.strip().lower()
    if text not in choices:
        raise ValueError("expected one of " + ", ".join(choices))
    return text


def parse_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def parse_usernames(raw: str) -> tuple[str, ...]:
    """X usernames (``name``) and Mastodon addresses (``user@instance``), lower-cased."""
    names = []
    for item in parse_list(raw):
        match = USERNAME.match(item)
        if match:
            names.append(match.group(1).lower())
        elif is_address(item):
            names.append(address_key(item))
        else:
            raise ValueError(
                "expected usernames (X's: letters, digits, _; 1-15; or Mastodon addresses, "
                f"@user@instance.social), got {shown(item)}"
            )
    return tuple(dict.fromkeys(names))


def parse_optional_url(raw: str) -> str:
    """A base URL without trailing slash (Mastodon's instance)."""
    text = raw.strip()
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("expected an http(s) URL like https://mastodon.social")
    if parts.query or parts.fragment:
        raise ValueError("expected a base URL without query or fragment")
    return text.rstrip("/")

"""The database URL, checked by SQLAlchemy (a dialect and driver it has, a port in range):
the one check the commands that only read or change the store make (``bot.cli.store``),
beside ``bot.config.checks``'s for every command that builds the App."""

from __future__ import annotations

from bot.config.settings import ConfigError, Settings
from storage.engine import parse_url, redact_url
from storage.errors import DatabaseURLInvalid, StorageError


def check_database_url(settings: Settings) -> Settings:
    """``settings`` with its database URL checked; ConfigError, one line, on a bad one."""
    url = settings.database_url
    try:
        parse_url(url)
    except StorageError as exc:
        why = f" ({exc.reason})" if isinstance(exc, DatabaseURLInvalid) and exc.reason else ""
        raise ConfigError(
            f"POLLBOT_DATABASE_URL={redact_url(url)!r}: expected a SQLAlchemy URL like "
            f"sqlite:///pollbot.db or postgresql+psycopg://user@host/db{why}"
        ) from None
    return settings

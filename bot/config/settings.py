"""The one typed settings object, validated at start. The environment wins over ``.env``.

``read_settings`` checks every value's form and needs no heavy library; the two values that
only the library using them can judge (the database URL: SQLAlchemy; the summary cron:
APScheduler) are checked by ``bot.config.checks``, for every command that builds the App.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dotenv import dotenv_values

from bot.config import values as v
from jobs.errors import UsageError, shown
from jobs.names import MASTODON, poll_ref


class ConfigError(UsageError):
    """A bad configuration value: one line naming the variable, the value, what was expected."""


class Secret:
    """A credential. Its repr and str never show the value; ``.reveal()`` does."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _polls(raw: str) -> tuple[str, ...]:
    """X post ids (an X URL becomes its id) and Mastodon status URLs (kept whole: the URL
    is what names the platform)."""
    refs = []
    for item in v.parse_list(raw):
        try:
            platform, key = poll_ref(item)
        except UsageError as exc:
            raise ValueError(str(exc)) from exc
        refs.append(item.strip() if platform == MASTODON else key)
    return tuple(dict.fromkeys(refs))


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///pollbot.db"
    x_bearer_token: Secret = field(default_factory=lambda: Secret(""))
    x_api_key: Secret = field(default_factory=lambda: Secret(""))
    x_api_secret: Secret = field(default_factory=lambda: Secret(""))
    x_access_token: Secret = field(default_factory=lambda: Secret(""))
    x_access_token_secret: Secret = field(default_factory=lambda: Secret(""))
    x_api_base_url: str = v.DEFAULT_X_API
    mastodon_base_url: str | None = None  # unset: no Mastodon
    mastodon_access_token: Secret = field(default_factory=lambda: Secret(""))
    accounts: tuple[str, ...] = ()
    polls: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    collect_every: timedelta = timedelta(minutes=15)
    polls_every: timedelta = timedelta(minutes=10)
    commands_every: timedelta = timedelta(minutes=1)
    summary_cron: str = "0 9 * * *"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    dry_run: bool = False
    monthly_post_reads: int = 10_000
    monthly_budget_usd: float = 50.0
    log_format: str = "text"
    log_level: str = "INFO"
    metrics_port: int | None = None
    scoring_processes: int | None = None  # None: auto (one when a second CPU is there)

    def secrets(self) -> list[str]:
        """Every secret value set, for scrubbing (never for showing)."""
        return [
            getattr(self, f.name).reveal()
            for f in fields(self)
            if isinstance(getattr(self, f.name), Secret) and getattr(self, f.name)
        ]


# variable -> (field, parser).
_VARIABLES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "POLLBOT_DATABASE_URL": ("database_url", str.strip),  # checked by bot.config.checks
    "X_BEARER_TOKEN": ("x_bearer_token", lambda s: Secret(s.strip())),
    "X_API_KEY": ("x_api_key", lambda s: Secret(s.strip())),
    "X_API_SECRET": ("x_api_secret", lambda s: Secret(s.strip())),
    "X_ACCESS_TOKEN": ("x_access_token", lambda s: Secret(s.strip())),
    "X_ACCESS_TOKEN_SECRET": ("x_access_token_secret", lambda s: Secret(s.strip())),
    "X_API_BASE_URL": ("x_api_base_url", v.parse_url),
    "MASTODON_BASE_URL": ("mastodon_base_url", v.parse_optional_url),
    "MASTODON_ACCESS_TOKEN": ("mastodon_access_token", lambda s: Secret(s.strip())),
    "POLLBOT_ACCOUNTS": ("accounts", v.parse_usernames),
    "POLLBOT_POLLS": ("polls", _polls),
    "POLLBOT_OPERATORS": ("operators", v.parse_usernames),
    "POLLBOT_COLLECT_EVERY": ("collect_every", v.parse_duration),
    "POLLBOT_POLLS_EVERY": ("polls_every", v.parse_duration),
    "POLLBOT_COMMANDS_EVERY": ("commands_every", v.parse_duration),
    "POLLBOT_TIMEZONE": ("timezone", v.parse_timezone),
    "POLLBOT_SUMMARY_CRON": ("summary_cron", v.parse_cron),  # and by bot.config.checks
    "POLLBOT_DRY_RUN": ("dry_run", v.parse_bool),
    "POLLBOT_MONTHLY_POST_READS": ("monthly_post_reads", v.parse_positive_int),
    "POLLBOT_MONTHLY_BUDGET_USD": ("monthly_budget_usd", v.parse_usd),
    "POLLBOT_LOG_FORMAT": ("log_format", lambda s: v.parse_choice(s, ("text", "json"))),
    "POLLBOT_LOG_LEVEL": (
        "log_level",
        lambda s: v.parse_choice(s, ("debug", "info", "warning", "error")).upper(),
    ),
    "POLLBOT_METRICS_PORT": ("metrics_port", v.parse_port),
    "POLLBOT_SCORING_PROCESSES": ("scoring_processes", v.parse_processes),
}
VARIABLES = tuple(_VARIABLES)
_SECRET_VARIABLES = {
    name for name in VARIABLES if name.startswith(("X_", "MASTODON_")) and "URL" not in name
}


def shown_value(name: str, raw: str) -> str:
    """``raw`` as a message about variable ``name`` may show it: secrets hidden."""
    if name in _SECRET_VARIABLES:
        return "'***'"
    return shown(raw, 80)


def read_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Read, check the form of and type every variable; raise ConfigError on the first bad
    one. ``bot.config.checks.load_settings`` checks the rest."""
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update({k: val for k, val in dotenv_values(env_file).items() if val is not None})
    merged.update(os.environ if environ is None else environ)
    parsed: dict[str, Any] = {}
    for name, (attr, parser) in _VARIABLES.items():
        raw = merged.get(name)
        if raw is None or (raw.strip() == "" and name != "X_API_BASE_URL"):
            continue
        try:
            parsed[attr] = parser(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={shown_value(name, raw)}: {exc}") from None
    return Settings(**parsed)

"""The two configuration values that only the library using them can judge, checked with
it: the database URL by SQLAlchemy (a dialect and driver it has), the summary cron by
APScheduler (fields in range, a time it ever fires).

Every command that builds the App checks them (``load_settings``, through
``bot.cli.context.get_app``); ``pollbot score`` and ``--help`` use neither the database nor
the scheduler, and skip these imports (a third of a second at every start). The commands that
only read or change the store (``status``, ``track list``, ``track poll``, ``untrack``) have
no schedule: they check the database URL alone (``bot.config.database_url``, when they open
the store with SQLAlchemy), and a bad cron does not stop them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.config.database_url import check_database_url
from bot.config.settings import ConfigError, Settings, read_settings
from jobs.errors import shown


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Every variable read and checked (``read_settings``, then ``check_settings``)."""
    return check_settings(read_settings(environ, env_file=env_file))


def check_settings(settings: Settings) -> Settings:
    """``settings`` with the database URL and the cron checked; ConfigError on a bad one."""
    check_database_url(settings)
    try:
        check_cron(settings.summary_cron, settings.timezone)
    except ValueError as exc:
        raise ConfigError(
            f"POLLBOT_SUMMARY_CRON={shown(settings.summary_cron, 80)}: {exc}"
        ) from None
    return settings


def check_cron(cron: str, tz: ZoneInfo) -> None:
    try:
        trigger = CronTrigger.from_crontab(cron, timezone=tz)
        # "0 0 31 2 *" is valid and never fires: no summary would ever be due.
        if trigger.get_next_fire_time(None, datetime(2000, 1, 1, tzinfo=tz)) is None:
            raise ValueError("it never fires")
    except ValueError as exc:
        # APScheduler quotes the field it refused: shown, not raw (it is user input).
        raise ValueError(
            f"expected a 5-field cron expression like '0 9 * * *' ({shown(str(exc), 80)[1:-1]})"
        ) from exc

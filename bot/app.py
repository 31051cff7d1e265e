"""Wiring: settings in, the database, the platform client and the clocks out.

Every command builds one ``App`` and asks it for what it needs, so nothing is opened that a
command does not use (``pollbot score`` never touches the database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings, load_settings
from bot.logs import configure_logging
from storage.engine import Database
from storage.migrate import upgrade

if TYPE_CHECKING:
    from jobs.platform import Platform

log = logging.getLogger("pollbot")


def system_now() -> datetime:
    """Wall-clock time for operational records (leases, runs, heartbeats), never for data."""
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    wall: Callable[[], datetime] = system_now
    _db: Database | None = field(default=None, repr=False)
    _platform: Platform | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls, *, env_file: Path | None = Path(".env")) -> App:
        settings = load_settings(env_file=env_file)
        configure_logging(
            fmt=settings.log_format, level=settings.log_level, secrets=settings.secrets()
        )
        return cls(settings)

    def db(self, *, migrate: bool = True) -> Database:
        """The database, migrated to the newest schema on first use."""
        if self._db is None:
            db = Database(self.settings.database_url)
            db.check()
            if migrate:
                before, after = upgrade(db)
                if before != after:
                    log.info("database schema upgraded from %s to %s", before or "empty", after)
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None

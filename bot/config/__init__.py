"""Configuration: every variable ``.env.example`` documents, from the environment and
``.env``. ``read_settings`` is light; ``bot.config.checks.load_settings`` checks the values
that need SQLAlchemy and APScheduler too."""

from bot.config.settings import ConfigError, Secret, Settings, read_settings

__all__ = ["ConfigError", "Secret", "Settings", "read_settings"]

"""Configuration: every variable ``.env.example`` documents, from the environment and
``.env``."""

from bot.config.settings import ConfigError, Secret, Settings, load_settings

__all__ = ["ConfigError", "Secret", "Settings", "load_settings"]

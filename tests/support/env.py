"""A pollbot's configuration pointing at the mock: as a child process's environment
(``clean_env``, ``pollbot_env``, ``env_for``) and as ``Settings`` (``settings_for``)."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from tests.support.scenarios import BOT_ID


def clean_env(**overrides: str) -> dict[str, str]:
    """This environment without any POLLBOT_, X_ or MASTODON_ setting, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLLBOT_", "X_", "MASTODON_"))}
    env.update(overrides)
    return env


def pollbot_env(db_url: str, mock_url: str, **extra: str) -> dict[str, str]:
    """A pollbot process's configuration pointing at the mock with test credentials (the
    mock takes any; only the access token's user id prefix counts: it is the bot's)."""
    return clean_env(
        POLLBOT_DATABASE_URL=db_url,
        X_API_BASE_URL=mock_url,
        X_BEARER_TOKEN="bench-bearer",
        X_API_KEY="bench-key",
        X_API_SECRET="bench-secret",
        X_ACCESS_TOKEN=f"{BOT_ID}-bench-access",
        X_ACCESS_TOKEN_SECRET="bench-access-secret",
        **extra,
    )


def env_for(db_url: str, mock_url: str, **extra: str) -> dict[str, str]:
    """The configuration of ``settings_for`` (the mock, the bot's account, the read and spend
    caps out of the way), as a subprocess environment."""
    extra.setdefault("POLLBOT_MONTHLY_BUDGET_USD", "1000000")
    return pollbot_env(db_url, mock_url, POLLBOT_MONTHLY_POST_READS="10000000", **extra)


def settings_for(db_url: str, mock_url: str, **overrides: Any) -> Any:
    """``Settings`` for an in-process ``App`` on the mock, with ``overrides`` replaced."""
    from bot.config import Secret, Settings

    base = Settings(
        database_url=db_url,
        x_api_base_url=mock_url,
        x_bearer_token=Secret("test-bearer"),
        x_api_key=Secret("test-key"),
        x_api_secret=Secret("test-secret"),
        x_access_token=Secret(f"{BOT_ID}-test-access"),
        x_access_token_secret=Secret("test-access-secret"),
        monthly_post_reads=10_000_000,
        monthly_budget_usd=1_000_000.0,
    )
    return replace(base, **overrides)


def mastodon_settings_for(db_url: str, mock_url: str, **overrides: Any) -> Any:
    """``Settings`` for an in-process ``App`` on the mock's Mastodon face only (no X), as the
    bot's account (the token's account id prefix), with ``overrides`` replaced."""
    from bot.config import Secret, Settings

    base = Settings(
        database_url=db_url,
        mastodon_base_url=mock_url,
        mastodon_access_token=Secret(f"{BOT_ID}-test-token"),
    )
    return replace(base, **overrides)

"""Each command imports only what it needs: ``pollbot --help`` and ``pollbot score`` load no
database, platform client, scheduler, twitter-text or charts; ``pollbot status`` and
``pollbot track list`` on a current store read it directly (``storage.direct``): none of
those either, SQLAlchemy included, and nothing of the jobs, the platforms or the migrations
(each checked in a child process of its own, reading its ``sys.modules``). How fast that makes
them is bench/cli.py's to show, not a test's."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from bot.cli.base import COMMANDS, cli
from bot.registry import JOBS, get_job
from tests.support.cli import run_cli
from tests.support.env import clean_env
from tests.support.imports import heavy_in, imported_by

# What reading the store needs none of: the platform clients, twitter-text, the charts, the
# migrations (the schema is current), the scorer's processes, and the job machinery.
NOT_FOR_READS = (
    "tweepy", "mastodon", "twitter_text", "matplotlib", "rich", "alembic", "vaderSentiment",
    "multiprocessing", "bot.app", "bot.platforms", "bot.scoring", "jobs.base", "jobs.runner",
    "jobs.usage", "jobs.platform", "storage.migrate",
)  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [("--help",), (), ("score", "I ❤️ this", "worst idea ever"), ("score", "--help")],
    ids=["--help", "no args", "score", "score --help"],
)
def test_light_commands_load_nothing_heavy(tmp_path: Path, args: tuple[str, ...]) -> None:
    modules = imported_by(*args, env=clean_env(), cwd=tmp_path)
    assert heavy_in(modules) == []
    ours = ("storage.engine", "storage.models", "bot.app", "bot.platforms", "bot.registry")
    assert sorted(m for m in modules if m.startswith(ours)) == []
    assert not (tmp_path / "pollbot.db").exists()


def test_score_with_a_database_configured_still_opens_none(tmp_path: Path) -> None:
    env = clean_env(POLLBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    modules = imported_by("score", "fine", env=env, cwd=tmp_path)
    assert heavy_in(modules) == []
    assert not (tmp_path / "p.db").exists()


@pytest.mark.parametrize("args", [("status",), ("status", "--json"), ("track", "list")])
def test_store_reading_commands_load_no_jobs_platforms_or_migrations(
    db_url: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    env = clean_env(POLLBOT_DATABASE_URL=db_url)
    made = run_cli("track", "poll", "1593767953706921985", env=env, cwd=tmp_path)  # migrates
    assert made.code == 0, made.err
    modules = imported_by(*args, env=env, cwd=tmp_path)
    loaded = sorted(m for m in modules if m.startswith(NOT_FOR_READS))
    assert loaded == []
    # Read directly: no SQLAlchemy, no scheduler (the cron is not checked), and on SQLite
    # no PostgreSQL driver.
    assert heavy_in(modules) == []
    assert "storage.direct" in modules and "bot.config.checks" not in modules
    if db_url.startswith("sqlite"):
        assert not any(m == "psycopg" or m.startswith("psycopg.") for m in modules)


def test_store_reading_commands_on_a_store_behind_load_what_migrating_needs(
    tmp_path: Path,
) -> None:
    """An empty store is read the usual way (SQLAlchemy, migrated): the direct path declined."""
    env = clean_env(POLLBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    modules = imported_by("status", env=env, cwd=tmp_path)
    assert "sqlalchemy" in modules and "storage.migrate" in modules
    assert "apscheduler" not in modules  # the cron is not these commands' to check


def test_help_lists_every_command_by_its_summary_without_loading_it() -> None:
    ctx = click.Context(cli)
    for name, entry in COMMANDS.items():
        cmd = cli.get_command(ctx, name)  # loads it
        assert cmd is not None and cmd.name == name, name
        assert cmd.get_short_help_str(200) == entry.summary
        assert len(entry.summary) <= 60, f"{name}: keep its summary to one short line"


def test_every_job_in_the_registry_loads_by_its_name() -> None:
    for name in JOBS:
        assert get_job(name).name == name

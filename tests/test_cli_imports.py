"""Each command imports only what it needs: ``pollbot --help`` and ``pollbot score`` load no
database, platform client, scheduler, twitter-text or charts (each checked in a child process
of its own, reading its ``sys.modules``). How fast that makes them is bench/cli.py's to show,
not a test's."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from bot.cli.base import COMMANDS, cli
from bot.registry import JOBS, get_job
from tests.support.env import clean_env
from tests.support.imports import heavy_in, imported_by


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

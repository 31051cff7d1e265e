"""The root command group and the shared pieces every command uses. Light on purpose: every
command imports this module, ``score`` and ``--help`` included (``bot.cli.context`` holds
the App, for the commands that use one)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from bot.cli.lazy import Lazy, LazyGroup
from bot.config import Settings, read_settings
from bot.logs import configure_logging
from jobs.errors import shown

F = TypeVar("F", bound=Callable[..., Any])
_SETTINGS = "pollbot.settings"  # where get_settings keeps them in the context's meta


# Every command: the module it lives in (imported only when it runs) and its line in --help.
COMMANDS = {
    "db": Lazy("bot.cli.db", "db", "The database schema."),
    "demo": Lazy(
        "bot.cli.demo", "demo", "Run everything against the built-in November 2022 scenario."
    ),
    "export": Lazy("bot.cli.export", "export", "Export stored data."),
    "jobs": Lazy("bot.cli.jobs", "jobs_group", "The jobs: collect, polls, summarize, commands."),
    "mock-api": Lazy(
        "bot.cli.mock", "mock_api", "Serve the fake X API v2 (or Mastodon) until interrupted."
    ),
    "report": Lazy("bot.cli.report", "report", "Write an HTML report of what is stored."),
    "run": Lazy("bot.cli.run", "run", "Run the daemon: every job on its schedule."),
    "score": Lazy("bot.cli.score", "score", "Score TEXT (or each line of stdin) with VADER."),
    "status": Lazy(
        "bot.cli.status", "status", "Daemon heartbeat, jobs, subjects, API use, errors."
    ),
    "summaries": Lazy(
        "bot.cli.summary", "summaries", "Summaries made, newest first, with their state."
    ),
    "summary": Lazy("bot.cli.summary", "summary", "Summaries before they are posted."),
    "track": Lazy("bot.cli.track", "track", "Follow an account or a poll (kept in the database)."),
    "untrack": Lazy("bot.cli.follow", "untrack", "Stop following SUBJECT; what was stored stays."),
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="pollbot", prog_name="pollbot")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """pollbot follows accounts and informal polls on X, scores the replies they get with
    VADER, stores everything and posts periodic summaries.

    Configuration comes from the environment and a .env file (the environment wins); see
    .env.example. Exit codes: 0 done, 1 failed, 2 bad usage/configuration/input, 3 busy.

    \b
    Example:
      pollbot track account elonmusk && pollbot jobs run collect
    """
    ctx.obj = None


def get_settings(ctx: click.Context) -> Settings:
    """The configuration, read once per invocation, and logging set up from it. Every
    command calls this (through ``bot.cli.context.get_app`` when it uses the App, which
    checks the database URL and the cron as well)."""
    meta = ctx.find_root().meta
    if _SETTINGS not in meta:
        settings = read_settings()
        configure_logging(
            fmt=settings.log_format, level=settings.log_level, secrets=settings.secrets()
        )
        meta[_SETTINGS] = settings
    found = meta[_SETTINGS]
    assert isinstance(found, Settings)
    return found


class Speed(click.ParamType):
    """A positive, finite number of scenario seconds per real second (click's FloatRange
    lets nan and inf through)."""

    name = "speed"

    def __init__(self, *, minimum: float = 0.0) -> None:
        self.minimum = minimum

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{shown(str(value))} is not a number", param, ctx)
        if not math.isfinite(number) or number <= 0 or number < self.minimum:
            least = f"at least {self.minimum:g}" if self.minimum else "greater than 0"
            self.fail(f"{shown(str(value))} is not a finite number {least}", param, ctx)
        return number


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")(f)


def echo_json(doc: Any) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))

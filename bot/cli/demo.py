"""``pollbot demo``: the embedded default."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from bot.cli.base import Speed
from bot.cli.context import get_app


@click.command()
@click.option(
    "--speed",
    type=Speed(minimum=1),
    default=1800.0,
    show_default=True,
    help="Scenario seconds per real second (1800: the poll's day in ~50 s).",
)
@click.option(
    "--duration",
    type=Speed(minimum=1),
    default=60.0,
    show_default=True,
    help="Stop after this many real seconds at most.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("pollbot-demo"),
    show_default=True,
    help="Folder for the demo's SQLite file and chart PNGs (emptied first).",
)
@click.option(
    "--platform",
    type=click.Choice(["x", "mastodon"]),
    default="x",
    show_default=True,
    help="Which face of the mock the bot talks to: X's (tweepy) or Mastodon's (Mastodon.py).",
)
@click.pass_context
def demo(ctx: click.Context, speed: float, duration: float, out: Path, platform: str) -> None:
    """Run everything against the built-in November 2022 scenario: the mock API
    in-process (its X face, or its Mastodon face with --platform mastodon), a fresh SQLite
    file, the daemon on an accelerated scenario clock. Prints each summary as it is posted,
    then what was collected.

    \b
    Example:
      pollbot demo --platform mastodon --speed 1800 --duration 60
    """
    from bot.demo import run_demo

    app = get_app(ctx)
    if app.settings.log_level == "INFO":
        logging.getLogger().setLevel(logging.WARNING)
    run_demo(app.settings, speed=speed, duration=duration, out=out, platform=platform)

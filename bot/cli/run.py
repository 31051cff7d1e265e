"""``pollbot run``: the daemon."""

from __future__ import annotations

import click

from bot.cli import early
from bot.cli.context import get_app


@click.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the daemon: every job on its schedule (POLLBOT_*_EVERY, POLLBOT_SUMMARY_CRON)
    until SIGTERM or SIGINT, then finish the page in hand, commit and exit 0.

    \b
    Example:
      X_API_BASE_URL=http://127.0.0.1:8787 pollbot run
    """
    from bot.daemon import Daemon

    early.catch_stop_signals()  # main() did too; again in case run was called another way
    app = get_app(ctx)
    for platform in app.platform_names():
        app.platform(platform)  # credentials are checked before anything is scheduled
    Daemon(app, stop=early.STOP).run()

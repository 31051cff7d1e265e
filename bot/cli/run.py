"""``pollbot run``: the daemon."""

from __future__ import annotations

import signal
import threading

import click

from bot.cli.base import cli, get_app


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the daemon: every job on its schedule (POLLBOT_*_EVERY, POLLBOT_SUMMARY_CRON)
    until SIGTERM or SIGINT, then finish the page in hand, commit and exit 0.

    \b
    Example:
      X_API_BASE_URL=http://127.0.0.1:8787 pollbot run
    """
    # A signal during start-up (imports take a couple of seconds) still means a clean exit 0.
    early = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _s, _f: early.set())
    from bot.daemon import Daemon

    app = get_app(ctx)
    app.platform()  # credentials are checked before anything is scheduled
    Daemon(app, stop=early).run()

"""``pollbot db``: the schema."""

from __future__ import annotations

import click

from bot.cli.context import get_app
from storage.migrate import upgrade


@click.group()
def db() -> None:
    """The database schema.

    \b
    Example:
      pollbot db upgrade
    """


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply any pending migrations (every start-up does this too).

    \b
    Example:
      POLLBOT_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/test pollbot db upgrade
    """
    app = get_app(ctx)
    database = app.db(migrate=False)
    before, after = upgrade(database)
    if before == after:
        click.echo(f"{database.safe_url}: schema is up to date ({after})")
    else:
        click.echo(f"{database.safe_url}: schema upgraded from {before or 'empty'} to {after}")

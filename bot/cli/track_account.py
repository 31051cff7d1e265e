"""``pollbot track account``: the one ``track`` command that calls out to a platform (the
account is looked up first), and so the one that builds the App."""

from __future__ import annotations

import click

from bot.cli.context import get_app
from jobs.subjects import parse_account
from jobs.tracking import track as track_subject


@click.command("account")
@click.argument("username")
@click.pass_context
def track_account(ctx: click.Context, username: str) -> None:
    """Follow USERNAME: the replies it gets, and the polls it posts. USERNAME is X's
    (elonmusk, @elonmusk) or a Mastodon address (@user@instance.social).

    The account is looked up on its platform first: one that does not exist is refused
    (exit 2).

    \b
    Example:
      pollbot track account elonmusk
    """
    subject = parse_account(username)
    app = get_app(ctx)
    db = app.db()  # the database's errors first, as for every command
    changed = track_subject(db, subject, now=app.wall(), platform=app.platform(subject.platform))
    click.echo(f"tracking {subject}" if changed else f"already tracking {subject}")

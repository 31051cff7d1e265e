"""``pollbot track poll`` and ``pollbot untrack``: change what is followed (the store opened
with SQLAlchemy and migrated, ``get_db``). Loaded only when one of them runs, so that
``track list`` (``bot.cli.track``) loads none of it."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.cli.store import get_db
from jobs.subjects import parse_poll, parse_subject
from jobs.tracking import track as track_subject
from jobs.tracking import untrack as untrack_subject


@click.command("poll")
@click.argument("post")
@click.pass_context
def track_poll(ctx: click.Context, post: str) -> None:
    """Follow the poll in POST (an X post id or URL, or a Mastodon status URL): its votes
    and its whole conversation.

    \b
    Example:
      pollbot track poll 1593767953706921985
    """
    subject = parse_poll(post)
    changed = track_subject(get_db(ctx), subject, now=datetime.now(UTC))
    click.echo(f"tracking {subject}" if changed else f"already tracking {subject}")


@click.command()
@click.argument("subject")
@click.pass_context
def untrack(ctx: click.Context, subject: str) -> None:
    """Stop following SUBJECT (@username, post id or URL); what was stored stays.

    \b
    Example:
      pollbot untrack @elonmusk
    """
    named = parse_subject(subject)
    if untrack_subject(get_db(ctx), named):
        click.echo(f"no longer tracking {named}")
    else:
        raise click.UsageError(f"not tracked: {named}")

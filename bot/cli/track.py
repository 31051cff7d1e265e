"""``pollbot track`` / ``untrack``: what is followed."""

from __future__ import annotations

import click

from bot.cli.base import echo_json, json_option
from bot.cli.context import get_app
from jobs.subjects import parse_account, parse_poll, parse_subject
from jobs.tracking import subject_json, tracked
from jobs.tracking import track as track_subject
from jobs.tracking import untrack as untrack_subject


@click.group()
def track() -> None:
    """Follow an account or a poll (kept in the database).

    \b
    Example:
      pollbot track poll https://x.com/elonmusk/status/1593767953706921985
    """


@track.command("account")
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


@track.command("poll")
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
    app = get_app(ctx)
    changed = track_subject(app.db(), subject, now=app.wall())
    click.echo(f"tracking {subject}" if changed else f"already tracking {subject}")


@track.command("list")
@json_option
@click.pass_context
def track_list(ctx: click.Context, as_json: bool) -> None:
    """List what is followed.

    \b
    Example:
      pollbot track list --json
    """
    app = get_app(ctx)
    items = tracked(app.db())
    if as_json:
        echo_json([subject_json(t) for t in items])
        return
    if not items:
        click.echo("nothing tracked yet: try 'pollbot track account USERNAME'")
        return
    for t in items:
        name = t.label if t.is_account else t.key
        if t.renamed:
            name += f" (now {t.display})"
        extra = f" {t.display}" if t.is_poll and t.display else ""
        closed = " (closed)" if t.closed_at else ""
        failing = f"  FAILING since {t.failed_at:%Y-%m-%d %H:%M}Z: {t.failure}" if t.failure else ""
        added = f"{t.added_at:%Y-%m-%d %H:%M}Z" if t.added_at else "?"
        click.echo(f"{t.kind:8} {name}{extra}{closed}  since {added}{failing}")


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
    app = get_app(ctx)
    if untrack_subject(app.db(), named):
        click.echo(f"no longer tracking {named}")
    else:
        raise click.UsageError(f"not tracked: {named}")

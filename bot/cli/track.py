"""``pollbot track`` / ``untrack``: what is followed. These read and change the store only
(``get_db``); ``track account``, which looks the account up on its platform first, lives in
``bot.cli.track_account`` and is loaded only when it runs."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.cli.base import echo_json, json_option
from bot.cli.lazy import Lazy, LazyGroup
from bot.cli.store import get_db
from jobs.subjects import parse_poll, parse_subject
from jobs.tracking import subject_json, tracked
from jobs.tracking import track as track_subject
from jobs.tracking import untrack as untrack_subject

ACCOUNT = Lazy(
    "bot.cli.track_account",
    "track_account",
    "Follow USERNAME: the replies it gets, and the polls it posts.",
)


@click.group(cls=LazyGroup, lazy={"account": ACCOUNT})
def track() -> None:
    """Follow an account or a poll (kept in the database).

    \b
    Example:
      pollbot track poll https://x.com/elonmusk/status/1593767953706921985
    """


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
    changed = track_subject(get_db(ctx), subject, now=datetime.now(UTC))
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
    items = tracked(get_db(ctx))
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
        where = "" if t.platform == "x" else f"  [{t.platform}]"
        click.echo(f"{t.kind:8} {name}{extra}{closed}  since {added}{where}{failing}")


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

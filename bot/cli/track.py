"""``pollbot track`` / ``untrack``: what is followed. ``track list`` only reads the store
(``read_store``: no SQLAlchemy when the store can be read directly); ``track poll`` and
``untrack`` change it and live in ``bot.cli.follow``, ``track account``, which looks the
account up on its platform first, in ``bot.cli.track_account``: each loaded only when it
runs."""

from __future__ import annotations

import click

from bot.cli.base import echo_json, json_option
from bot.cli.lazy import Lazy, LazyGroup
from bot.cli.reads import read_store
from jobs.tracked import subject_json, tracked

ACCOUNT = Lazy(
    "bot.cli.track_account",
    "track_account",
    "Follow USERNAME: the replies it gets, and the polls it posts.",
)
POLL = Lazy(
    "bot.cli.follow",
    "track_poll",
    "Follow the poll in POST: its votes and its whole conversation.",
)


@click.group(cls=LazyGroup, lazy={"account": ACCOUNT, "poll": POLL})
def track() -> None:
    """Follow an account or a poll (kept in the database).

    \b
    Example:
      pollbot track poll https://x.com/elonmusk/status/1593767953706921985
    """


@track.command("list")
@json_option
@click.pass_context
def track_list(ctx: click.Context, as_json: bool) -> None:
    """List what is followed.

    \b
    Example:
      pollbot track list --json
    """
    items = read_store(ctx, tracked)
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

"""``pollbot export``: the stored data, streamed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from bot.cli.context import get_app
from jobs.errors import UsageError, shown
from jobs.export import FORMATS, export_replies
from jobs.subjects import parse_subject


def parse_since(text: str) -> datetime:
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across UTC
        raise UsageError(
            f"--since: not an ISO 8601 time: {shown(raw, 40)} (expected e.g. 2022-11-19 or "
            "2022-11-19T06:00:00Z)"
        ) from None


@click.group()
def export() -> None:
    """Export stored data.

    \b
    Example:
      pollbot export replies --format jsonl > replies.jsonl
    """


@export.command("replies")
@click.option("--subject", help="Only replies to this subject: @username, post id or URL.")
@click.option("--since", help="Only replies created at or after this ISO 8601 time (UTC).")
@click.option("--format", "fmt", default="csv", show_default=True, help="csv or jsonl.")
@click.pass_context
def export_replies_cmd(
    ctx: click.Context, subject: str | None, since: str | None, fmt: str
) -> None:
    """Stream the stored replies with their scores: id, conversation_id, author_id,
    created_at, lang, text, compound, label (compound and label empty when not scored).

    \b
    Example:
      pollbot export replies --subject @elonmusk --since 2022-11-19 --format csv
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    ref = parse_subject(subject) if subject is not None else None
    since_at = parse_since(since) if since is not None else None
    app = get_app(ctx)
    count = export_replies(app.db(), sys.stdout, fmt=fmt, subject=ref, since=since_at)
    click.echo(f"exported {count} replies", err=True)

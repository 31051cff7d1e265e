"""``pollbot summary preview`` and ``pollbot summaries``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from bot.cli.base import echo_json, json_option
from bot.cli.context import get_app
from jobs.clock import iso
from jobs.subjects import parse_subject
from jobs.summary.preview import preview
from storage.summaries import list_summaries


@click.group()
def summary() -> None:
    """Summaries before they are posted.

    \b
    Example:
      pollbot summary preview @elonmusk
    """


@summary.command("preview")
@click.argument("subject", required=False)
@click.option(
    "--chart",
    "chart_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the chart PNG here.",
)
@click.pass_context
def summary_preview(ctx: click.Context, subject: str | None, chart_path: Path | None) -> None:
    """Compose the summary of SUBJECT (or of every subject) from stored data, from its last
    summary to now on the platform's clock, without posting or storing it.

    \b
    Example:
      pollbot summary preview 1593767953706921985 --chart poll.png
    """
    from bot.charts import render_chart

    named = parse_subject(subject) if subject else None
    app = get_app(ctx)
    s = app.settings
    items = preview(
        app.db(),
        subject=named,
        now=app.platform(named.platform if named else None).now(),
        cron=s.summary_cron,
        tz=s.timezone,
        chart=render_chart if chart_path else None,
    )
    if not items:
        click.echo("nothing tracked yet: try 'pollbot track account USERNAME'")
    for item in items:
        click.echo(
            f"-- {item.subject[:60]} [{iso(item.window_start)} .. {iso(item.window_end)}]"
            + (" final" if item.final else "")
        )
        for part in item.parts:
            click.echo(part)
        click.echo(_counts_line(item.counts, item.collected_through))
        if chart_path and item.chart:
            target = chart_path
            if len(items) > 1:
                target = chart_path.with_stem(f"{chart_path.stem}-{items.index(item) + 1}")
            target.write_bytes(item.chart)
            click.echo(f"chart: {target}")


def _counts_line(counts: dict[str, int | float | str | None], through: datetime | None) -> str:
    """ "counts: 244 replies (230 scored) from 185 accounts, 39 copies, top 10 accounts 38%,
    mean -0.14 per reply, +0.02 per account; collected through 2022-11-20T09:00:00Z" """
    c = counts
    share = c["top_authors_share"]
    top = f", top 10 accounts {float(share):.0%}" if isinstance(share, float) else ""
    means = ""
    if c["mean"] is not None:
        means = f", mean {c['mean']:+.2f} per reply"
        if c["mean_per_author"] is not None:
            means += f", {c['mean_per_author']:+.2f} per account"
    return (
        f"counts: {c['replies']} replies ({c['scored']} scored) from {c['authors']} accounts, "
        f"{c['copies']} copies{top}{means}; collected through {iso(through) or 'not yet'}"
    )


@click.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@json_option
@click.pass_context
def summaries(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Summaries made, newest first, with their state and the ids of their posts. States:
    waiting (its window has ended but collection has not got past its end yet; it is
    composed as soon as it has), pending (composed, not all posted yet), posted, dry_run,
    failed.

    \b
    Example:
      pollbot summaries --limit 5 --json
    """
    app = get_app(ctx)
    docs: list[dict[str, object]] = []
    with app.db().read() as session:
        stored = list_summaries(session, limit=limit)
    for s in stored:
        docs.append(
            {
                "subject": s.subject.display or s.subject.key,
                "subject_key": s.subject.key,
                "platform": s.subject.platform,
                "window_start": iso(s.window_start),
                "window_end": iso(s.window_end),
                "final": s.final,
                "state": s.state,
                "parts": [p.text for p in s.parts],
                "post_ids": [str(p.post_id) for p in s.parts if p.post_id is not None],
                "counts": s.counts,
                "collected_through": iso(s.collected_through),
                "error": s.error,
            }
        )
    if as_json:
        echo_json(docs)
        return
    if not docs:
        click.echo("no summaries yet")
    for d in docs:
        post_ids = d["post_ids"]
        texts = d["parts"]
        assert isinstance(post_ids, list) and isinstance(texts, list)
        ids = ", ".join(post_ids) or "-"
        click.echo(f"{d['window_end']}  {d['state']:<8} {str(d['subject'])[:50]}  posts: {ids}")
        if d["state"] == "waiting":
            click.echo(f"    waiting: collection complete through {d['collected_through'] or '-'}")
        for part in texts:
            click.echo(f"    {part}")

"""``pollbot report``: the static HTML report of what is stored."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.context import get_app
from jobs.errors import UsageError
from jobs.report import build_report
from jobs.report.data import page_name
from jobs.subjects import parse_subject


@click.command()
@click.argument("subjects", nargs=-1)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write index.html and a page per subject into (made if missing).",
)
@click.pass_context
def report(ctx: click.Context, subjects: tuple[str, ...], out: Path) -> None:
    """Write a self-contained HTML report of what is stored: DIR/index.html (subjects, jobs'
    health, API use against the caps) and a page per subject (SUBJECT ..., or every one): vote
    shares over time, sentiment per hour or day, replies, accounts and copies per window, and
    every summary as posted with its chart. No script, no network: open it anywhere. The
    daemon serves the same pages at /report/ on POLLBOT_METRICS_PORT.

    \b
    Example:
      pollbot report 1593767953706921985 --out report/
    """
    app = get_app(ctx)
    asked = {page_name(parse_subject(text)): text for text in subjects}
    named = list(asked) or None
    s = app.settings
    pages = build_report(
        app.db(),
        now=app.wall(),
        cap=s.monthly_post_reads,
        budget_usd=s.monthly_budget_usd,
        pages=named,
    )
    if named is not None:
        missing = [asked[n] for n in named if n not in pages]
        if missing:
            raise UsageError(f"not tracked: {missing[0]} (see 'pollbot track list')")
    out.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (out / f"{name}.html").write_text(text, encoding="utf-8")
    click.echo(f"wrote {len(pages)} pages to {out}/ (open {out / 'index.html'})")

"""``pollbot status``: is it alive, what is it doing, what did it cost."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.cli.base import echo_json, get_settings, json_option
from bot.cli.reads import read_store
from bot.registry import JOB_NAMES
from jobs.status import StatusReport, gather_status


def render(report: StatusReport) -> str:
    d = report.daemon
    lines = []
    if d["alive"]:
        lines.append(f"daemon: alive, pid {d['pid']} on {d['host']}, since {d['started_at']}")
    elif d["heartbeat_at"]:
        lines.append(f"daemon: not running (last heartbeat {d['heartbeat_at']})")
    else:
        lines.append("daemon: never started")
    lines.append("jobs:")
    for job in report.jobs:
        last = job["last_run"]
        state = "running" if job["running"] else "idle"
        if isinstance(last, dict):
            detail = f"last {last['status']} at {last['started_at']} ({last['items']} items)"
            if last.get("error"):
                detail += f": {last['error']}"
        else:
            detail = "never run"
        lines.append(f"  {job['job']:<10} {state:<8} {detail}")
    lines.append(f"subjects: {len(report.subjects)}")
    for s in report.subjects:
        failing = f" FAILING: {s.failure}" if s.failure else ""
        lines.append(f"  {s.label}" + (" (closed)" if s.closed_at else "") + failing)
        waiting = report.summary_waiting(s)
        if waiting is not None:
            lines.append(
                f"    summary to {waiting['window_end']} waiting: collection complete through "
                f"{waiting['collected_through'] or '(not yet)'}"
            )
    u = report.api_usage
    lines.append(
        f"api use {u['month']}: {u['requests']} requests, {u['posts_read']} of {u['cap']} "
        f"posts read, about ${u['estimated_usd']:.2f} of the ${u['budget_usd']:.2f} budget"
    )
    m = report.mastodon_usage
    if m is not None:
        lines.append(
            f"mastodon use {m['month']}: {m['requests']} requests, {m['posts_read']} posts read"
        )
    for e in report.errors:
        lines.append(f"error: {e['job']} at {e['at']}: {e['error']}")
    for ev in report.events[:5]:
        lines.append(f"event: {ev['at']} {ev['kind']}: {ev['message']}")
    return "\n".join(lines)


@click.command()
@json_option
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Daemon heartbeat, jobs and their leases, tracked subjects, this month's API use
    against the cap, and the last errors.

    \b
    Example:
      pollbot status --json
    """
    settings = get_settings(ctx)
    now = datetime.now(UTC)  # wall-clock time, as the daemon's heartbeat and leases keep
    report = read_store(
        ctx,
        lambda store: gather_status(
            store,
            now=now,
            cap=settings.monthly_post_reads,
            budget_usd=settings.monthly_budget_usd,
            job_names=JOB_NAMES,
        ),
    )
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(render(report))

"""``pollbot jobs``: list, run now, history."""

from __future__ import annotations

import contextlib

import click

from bot.cli.base import echo_json, json_option
from bot.cli.context import get_app
from bot.cli.progress import progress_for
from bot.registry import all_jobs, get_job
from bot.schedule import schedules
from jobs.clock import iso
from jobs.errors import JobFailed
from jobs.runner import Holder, run_job
from jobs.subjects import parse_subject
from storage.runs import last_runs, run_history


@click.group("jobs")
def jobs_group() -> None:
    """The jobs: collect, polls, summarize, commands.

    \b
    Example:
      pollbot jobs run collect
    """


@jobs_group.command("list")
@json_option
@click.pass_context
def jobs_list(ctx: click.Context, as_json: bool) -> None:
    """Each job: its schedule, when it is next due, and its last run.

    \b
    Example:
      pollbot jobs list
    """
    app = get_app(ctx)
    now = app.wall()
    with app.db().read() as session:
        last = last_runs(session)
    rows = []
    for name, schedule in schedules(app.settings).items():
        run = last.get(name)
        rows.append(
            {
                "job": name,
                "schedule": schedule.describe(),
                "next_run": iso(
                    schedule.next_run(last_started=run.started_at if run else None, now=now)
                ),
                "last_run": {
                    "status": run.status,
                    "started_at": iso(run.started_at),
                    "finished_at": iso(run.finished_at),
                    "items": run.items,
                    "error": run.error,
                }
                if run
                else None,
            }
        )
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        last_run = row["last_run"]
        detail = (
            f"last {last_run['status']} {last_run['started_at']} ({last_run['items']} items)"
            if isinstance(last_run, dict)
            else "never run"
        )
        click.echo(f"{row['job']:<10} {row['schedule']:<10} next {row['next_run']}  {detail}")


@jobs_group.command("run")
@click.argument("name")
@click.option("--subject", help="Only this subject: @username, a post id or URL.")
@click.pass_context
def jobs_run(ctx: click.Context, name: str, subject: str | None) -> None:
    """Run job NAME now in this process, under the same lease as the daemon: on every
    platform configured, one after the other (on the subject's only, with --subject).

    Exits 3, naming the holder, when the job is running elsewhere; 1 when it fails.

    \b
    Example:
      pollbot jobs run collect --subject @elonmusk
    """
    job = get_job(name)
    named = parse_subject(subject) if subject is not None else None
    app = get_app(ctx)
    platforms = [named.platform] if named is not None else app.platform_names()
    failed = []
    for platform in platforms:
        progress = progress_for(f"{name}") if name == "collect" else None
        with progress or contextlib.nullcontext():
            job_ctx = app.job_context(
                trigger="cli", subject=subject, progress=progress, platform=app.platform(platform)
            )
            outcome = run_job(job, job_ctx, holder=Holder.here("cli"))
        if outcome.status == "failed":
            failed.append(f"{outcome.job} failed: {outcome.error}")
            continue
        suffix = f" ({outcome.error})" if outcome.error else ""
        click.echo(
            f"{outcome.job} {outcome.status}: {outcome.items} items in "
            f"{outcome.seconds:.1f}s{suffix}"
        )
    if failed:
        raise JobFailed("; ".join(failed))


@jobs_group.command("history")
@click.argument("name", required=False)
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@json_option
@click.pass_context
def jobs_history(ctx: click.Context, name: str | None, limit: int, as_json: bool) -> None:
    """Past runs, newest first: trigger, start, duration, items, status, error.

    \b
    Example:
      pollbot jobs history collect --limit 5 --json
    """
    if name is not None and name not in all_jobs():
        get_job(name)
    app = get_app(ctx)
    with app.db().read() as session:
        runs = run_history(session, job=name, limit=limit)
        docs = [
            {
                "job": r.job,
                "trigger": r.trigger,
                "subject": r.subject,
                "started_at": iso(r.started_at),
                "finished_at": iso(r.finished_at),
                "duration_s": round((r.finished_at - r.started_at).total_seconds(), 3)
                if r.finished_at
                else None,
                "status": r.status,
                "items": r.items,
                "error": r.error,
            }
            for r in runs
        ]
    if as_json:
        echo_json(docs)
        return
    if not docs:
        click.echo("no runs yet")
    for d in docs:
        took = f"{d['duration_s']}s" if d["duration_s"] is not None else "-"
        err = f"  {d['error']}" if d["error"] else ""
        click.echo(
            f"{d['started_at']}  {d['job']:<10} {d['trigger']:<8} {d['status']:<8} "
            f"{d['items']:>7} items  {took}{err}"
        )

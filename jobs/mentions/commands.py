"""The commands operators can give by mention. Each is declared with ``@command`` (errbot's
``@botcmd`` is the model); ``jobs.mentions.access`` is the one check that guards them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from jobs.base import JobContext
from jobs.errors import LeaseHeld, UsageError
from jobs.subjects import parse_account, parse_poll, parse_subject
from jobs.summary import compose_summary
from jobs.summary_data import due_inputs, summary_input
from jobs.tracking import track, untrack
from storage.posts import count_posts
from storage.subjects import get_subject, list_subjects

Handler = Callable[[JobContext, tuple[str, ...]], str]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    help: str
    handler: Handler
    operators_only: bool = True


COMMANDS: dict[str, Command] = {}


def command(
    name: str, *, usage: str, help: str, operators_only: bool = True
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = Command(name, usage, help, fn, operators_only)
        return fn

    return register


def help_text() -> str:
    return "Commands: " + "; ".join(c.usage for c in COMMANDS.values())


@command("help", usage="help", help="this list")
def _help(ctx: JobContext, args: tuple[str, ...]) -> str:
    return help_text()


@command("status", usage="status", help="what is followed and collected")
def _status(ctx: JobContext, args: tuple[str, ...]) -> str:
    with ctx.db.read() as session:
        subjects = list_subjects(session)
        replies = count_posts(session)
    reads = ctx.usage.posts_read_this_month()
    accounts = sum(1 for s in subjects if s.kind == "account")
    return (
        f"Following {accounts} accounts and {len(subjects) - accounts} polls; "
        f"{replies:,} posts stored; {reads:,} of {ctx.options.monthly_post_reads:,} reads "
        f"used this month."
    )


@command("collect", usage="collect", help="collect replies now")
def _collect(ctx: JobContext, args: tuple[str, ...]) -> str:
    from jobs.registry import get_job
    from jobs.runner import Holder, run_job

    sub = replace(ctx, trigger="mention", subject=None, stored=0)
    try:
        outcome = run_job(get_job("collect"), sub, holder=Holder.here("mention"))
    except LeaseHeld:
        return "Collection is already running; try again in a minute."
    if outcome.status == "ok":
        return f"Collected: {outcome.items:,} new replies."
    return f"Collection {outcome.status}: {outcome.error or 'see the logs'}"


@command("summary", usage="summary [@user|poll]", help="the summary so far")
def _summary(ctx: JobContext, args: tuple[str, ...]) -> str:
    now = ctx.clock.now()
    with ctx.db.read() as session:
        if args:
            ref = parse_subject(args[0])
            subject = get_subject(session, ref.kind, ref.key)
            if subject is None or not subject.active:
                return f"Not tracking {ref}."
        else:
            subjects = list_subjects(session)
            if not subjects:
                return "Nothing is tracked yet."
            subject = subjects[0]
        due = {d.id: d for d in due_inputs(session)}[subject.id]
        start = due.last_window_end or subject.created_at or now - timedelta(days=1)
        if start >= now:
            start = now - timedelta(days=1)
        data = summary_input(
            session, subject, start=start, end=now, final=False, tz=ctx.options.timezone
        )
    return compose_summary(data, limit=10_000).parts[0]


@command("track", usage="track @user | track poll <url>", help="follow a subject")
def _track(ctx: JobContext, args: tuple[str, ...]) -> str:
    if len(args) == 2 and args[0].lower() == "poll":
        ref = parse_poll(args[1])
    elif len(args) == 1:
        ref = parse_account(args[0])
    else:
        raise UsageError("usage: track @user | track poll <url>")
    changed = track(ctx.db, ref, now=ctx.wall(), source="mention")
    return f"Now tracking {ref}." if changed else f"Already tracking {ref}."


@command("untrack", usage="untrack <subject>", help="stop following a subject")
def _untrack(ctx: JobContext, args: tuple[str, ...]) -> str:
    if len(args) != 1:
        raise UsageError("usage: untrack @user | untrack <post id or url>")
    ref = parse_subject(args[0])
    return f"No longer tracking {ref}." if untrack(ctx.db, ref) else f"Was not tracking {ref}."

"""The commands operators can give by mention. Each is declared with ``@command`` (errbot's
``@botcmd`` is the model); ``jobs.mentions.access`` is the one check that guards them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jobs.base import JobContext
from jobs.errors import LeaseHeld, UsageError
from jobs.subjects import parse_account, parse_poll, parse_subject
from jobs.summary.compose import compose_summary
from jobs.summary.data import window_input
from jobs.summary.due import open_window
from jobs.summary.textlen import fits
from jobs.tracking import track, untrack
from storage.posts import count_posts
from storage.subjects import get_subject, list_subjects
from storage.summaries import summary_mark

Handler = Callable[[JobContext, tuple[str, ...]], str]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    usage: str
    help: str
    handler: Handler
    operators_only: bool = True  # read by the one access check (``jobs.mentions.access``)


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
    with ctx.read() as session:
        subjects = list_subjects(session)
        replies = count_posts(session)
    reads = ctx.usage.posts_read_this_month()
    accounts = sum(1 for s in subjects if s.is_account)
    return (
        f"Following {accounts} accounts and {len(subjects) - accounts} polls; "
        f"{replies:,} posts stored; {reads:,} of {ctx.options.monthly_post_reads:,} reads "
        f"used this month."
    )


@command("collect", usage="collect", help="collect replies now")
def _collect(ctx: JobContext, args: tuple[str, ...]) -> str:
    if ctx.run_now is None:
        return "Collection cannot be started from here; it runs on its schedule."
    try:
        outcome = ctx.run_now("collect")
    except LeaseHeld:
        return "Collection is already running; try again in a minute."
    if outcome.status == "ok":
        return f"Collected: {outcome.items:,} new replies."
    return f"Collection {outcome.status}: {outcome.note or 'see the logs'}"


@command("summary", usage="summary [@user|poll]", help="the summary so far")
def _summary(ctx: JobContext, args: tuple[str, ...]) -> str:
    """The named subject's summary so far; with none named, every subject's, one a line, as
    many as fit one post (the rest counted)."""
    now = ctx.clock.now()
    opts = ctx.options
    with ctx.read() as session:
        if args:
            named = parse_subject(args[0])
            found = get_subject(
                session, named.kind, named.key, platform=named.platform, active_only=True
            )
            if found is None:
                return f"Not tracking {named}."
            subjects = [found]
        else:
            subjects = list_subjects(session)
            if not subjects:
                return "Nothing is tracked yet."
        lines = []
        for subject in subjects:
            standing = (subject, summary_mark(session, subject.stored_id))
            window = open_window(standing, cron=opts.summary_cron, tz=opts.timezone, now=now)
            data = window_input(session, subject, window, tz=opts.timezone)
            lines.append(compose_summary(data, limit=10_000).parts[0])
    return _as_many_as_fit(lines, limit=ctx.platform.max_post_length)


def _as_many_as_fit(lines: list[str], *, limit: int) -> str:
    """The lines, one each, as many as fit ``limit`` with a note of how many did not."""
    if fits("\n".join(lines), limit):
        return "\n".join(lines)
    for shown_lines in range(len(lines) - 1, 0, -1):
        rest = len(lines) - shown_lines
        text = "\n".join([*lines[:shown_lines], f"(+{rest} more: ask for one by name)"])
        if fits(text, limit):
            return text
    return lines[0]


@command("track", usage="track @user | track poll <url>", help="follow a subject")
def _track(ctx: JobContext, args: tuple[str, ...]) -> str:
    if len(args) == 2 and args[0].lower() == "poll":
        subject = parse_poll(args[1])
    elif len(args) == 1:
        subject = parse_account(args[0])
    else:
        raise UsageError("usage: track @user | track poll <url>")
    changed = track(ctx.db, subject, now=ctx.wall(), source="mention", platform=ctx.platform)
    return f"Now tracking {subject}." if changed else f"Already tracking {subject}."


@command("untrack", usage="untrack <subject>", help="stop following a subject")
def _untrack(ctx: JobContext, args: tuple[str, ...]) -> str:
    if len(args) != 1:
        raise UsageError("usage: untrack @user | untrack <post id or url>")
    subject = parse_subject(args[0])
    done = untrack(ctx.db, subject)
    return f"No longer tracking {subject}." if done else f"Was not tracking {subject}."

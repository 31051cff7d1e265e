"""Job ``commands``: read the bot's mentions, run operators' commands, reply once.

Mentions are stored (one row per mention id, with the cursor, as any stream) before they are
handled. A mention is answered at most once across restarts, and answering costs no reads:
the moment a reply is about to be posted is committed first (``attempted_at``), its id after.
Only a mention whose reply was attempted and not recorded (the process died in between) may
have been answered already; the bot's own posts since the earliest such attempt are read,
once a run, to find out.

A new store (no mentions read before) acts only on mentions of the last ``FIRST_READ_BOUND``:
older ones are stored ``expired`` and never answered, so a rebuilt database does not replay
hours-old commands.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from jobs.base import JobContext, JobResult
from jobs.budget import check_budget
from jobs.errors import DuplicatePost, PlatformRejected, PollbotError, UsageError
from jobs.mentions.access import allowed, operator_ids
from jobs.mentions.commands import COMMANDS, help_text
from jobs.mentions.parse import parse_mention
from jobs.platform import Page, Post
from jobs.streams import Plain, run_stream
from jobs.summary import compose_reply
from storage.cursors import load_cursor
from storage.engine import Tx
from storage.mentions import (
    Mention,
    finish_mention,
    mark_attempt,
    pending_mentions,
    replies_since,
    store_mentions,
)

log = logging.getLogger("pollbot.commands")
FIRST_READ_BOUND = timedelta(hours=1)
# How far before an attempt the bot's own posts are read: the platform's clock and ours agree
# to within this.
ATTEMPT_MARGIN = timedelta(minutes=5)
# X refuses the same text from the same account within a day.
DUPLICATE_SPAN = timedelta(hours=24)


class CommandsJob:
    name = "commands"
    description = "read mentions and run operators' commands"

    def run(self, ctx: JobContext) -> JobResult:
        me = ctx.platform.me()
        platform = ctx.platform.name
        cursor = f"mentions:{me.id}" if platform == "x" else f"{platform}:mentions:{me.id}"
        with ctx.read() as session:
            first_read = load_cursor(session, cursor).since_id is None
        oldest = ctx.clock.now() - FIRST_READ_BOUND if first_read else None

        def store(tx: Tx, page: Page) -> int:
            mentions = [
                Mention(p.id, p.author_id, p.text, p.created_at, platform=platform)
                for p in page.posts
                if p.author_id != me.id
            ]
            if oldest is None:
                return store_mentions(tx, mentions)
            old = [m for m in mentions if m.created_at < oldest]
            if old:
                log.info("new store: %d mentions older than %s left unanswered", len(old), oldest)
            store_mentions(tx, old, state="expired")
            return store_mentions(tx, [m for m in mentions if m.created_at >= oldest])

        run_stream(
            ctx,
            cursor_name=cursor,
            fetch=lambda s, u: ctx.platform.mentions(me.id, since_id=s, until_id=u),
            sink=Plain(store),
        )
        with ctx.read() as session:
            pending = pending_mentions(session, platform=platform)
        if not pending:
            return JobResult(0)
        answered = _already_answered(ctx, pending)
        with ctx.read() as session:
            sent = replies_since(session, ctx.clock.now() - DUPLICATE_SPAN, platform=platform)
        operators = operator_ids(ctx)
        handled = 0
        for mention in pending:
            if ctx.stop.is_set():
                break
            done = answered.get(mention.post_id)
            if done is not None:
                self._finish(ctx, mention.post_id, state="replied", command=None,
                             reply_text=done.text, reply_id=done.id)  # fmt: skip
                log.info(
                    "mention %s was answered before a restart, as %s", mention.post_id, done.id
                )
                handled += 1
                continue
            handled += self._handle(ctx, mention, me.username, operators, sent)
        return JobResult(handled)

    def _handle(
        self, ctx: JobContext, mention: Mention, bot: str, operators: set[str], sent: set[str]
    ) -> int:
        """Handle one mention; ``sent`` are the texts replied within the day (and grows)."""
        author_id = mention.author_id
        call = parse_mention(mention.text, bot_username=bot)
        cmd = COMMANDS.get(call.name) if call else None
        # An unknown command is answered with the help, which is for operators too.
        operators_only = cmd.operators_only if cmd is not None else True
        is_operator = allowed(author_id, operators_only=operators_only, operators=operators)
        if call is None or not is_operator:
            # Not addressed to the bot, or not an operator: nothing runs, nothing is said.
            command = call.name if call else None
            self._finish(ctx, mention.post_id, state="ignored", command=command)
            if call is not None:
                log.info("ignored a command from non-operator %s", author_id)
            return 0
        if cmd is None:
            reply = f"Unknown command. {help_text()}"
        else:
            try:
                reply = cmd.handler(ctx, call.args)
            except UsageError as exc:
                reply = f"{exc}. {help_text()}"
            except PollbotError as exc:
                reply = f"{cmd.name} failed: {exc}"
        text = compose_reply(reply, limit=ctx.platform.max_post_length)
        if ctx.options.dry_run:
            log.info("dry run: the answer to mention %s, not posted: %s", mention.post_id, text)
            self._finish(ctx, mention.post_id, state="dry_run", command=call.name, reply_text=text)
            return 1
        reply_id, text = self._reply(ctx, mention.post_id, text, sent)
        state = "replied" if reply_id else "failed"
        self._finish(ctx, mention.post_id, state=state, command=call.name, reply_text=text,
                     reply_id=reply_id)  # fmt: skip
        log.info("answered %r from %s", call.name, author_id)
        return 1

    def _reply(
        self, ctx: JobContext, mention_id: str, text: str, sent: set[str]
    ) -> tuple[str | None, str]:
        """Answer the mention once; returns the reply's id (None if refused) and its text."""
        target = mention_id
        if text in sent:
            # The same answer to another mention went out within the day, and X refuses the
            # same text twice: make this one its own by naming the mention it answers.
            tag = f" [#{target[-4:]}]"
            text = compose_reply(text, limit=ctx.platform.max_post_length - len(tag)) + tag
        attempt = ctx.clock.now()
        with ctx.write() as tx:
            mark_attempt(tx, mention_id, at=attempt, text=text, platform=ctx.platform.name)
        sent.add(text)
        try:
            return ctx.platform.create_post(text, in_reply_to=target), text
        except DuplicatePost:
            # Refused as a duplicate all the same: the answer went out already (a retried
            # request the platform had taken), or a post made elsewhere says the same.
            own = ctx.platform.recent_own_posts(since=attempt - ATTEMPT_MARGIN)
            done = _reply_to(own, target)
            if done is not None:
                return done.id, done.text
            log.error("replying to mention %s failed: refused as a duplicate", target)
            return None, text
        except PlatformRejected as exc:
            log.error("replying to mention %s failed: %s", target, exc)
            return None, text

    @staticmethod
    def _finish(
        ctx: JobContext,
        post_id: str,
        *,
        state: str,
        command: str | None,
        reply_text: str | None = None,
        reply_id: str | None = None,
    ) -> None:
        with ctx.write() as tx:
            finish_mention(
                tx,
                post_id,
                state=state,
                at=ctx.wall(),
                command=command,
                reply_text=reply_text,
                reply_id=reply_id,
                platform=ctx.platform.name,
            )


def _already_answered(ctx: JobContext, pending: Sequence[Mention]) -> dict[str, Post]:
    """The bot's replies to mentions whose reply was attempted but not recorded (a restart
    came in between), by mention id: one read of the bot's own posts since the earliest
    such attempt, and none when there is no such mention."""
    attempts = [m.attempted_at for m in pending if m.attempted_at is not None]
    if not attempts:
        return {}
    check_budget(ctx)
    own = ctx.platform.recent_own_posts(since=min(attempts) - ATTEMPT_MARGIN)
    return {p.replied_to_id: p for p in own if p.replied_to_id is not None}


def _reply_to(own: list[Post], mention_id: str) -> Post | None:
    return next((p for p in own if p.replied_to_id == mention_id), None)

"""Job ``commands``: read the bot's mentions, run operators' commands, reply once.

Mentions are stored (one row per mention id, with the cursor, as any stream) before they are
handled; a mention is answered at most once across restarts: the reply's id is recorded, and
after a crash the bot's own recent replies are checked before answering again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from jobs.base import JobContext, JobResult
from jobs.errors import DuplicatePost, PlatformRejected, PollbotError, UsageError
from jobs.mentions.access import allowed, operator_ids
from jobs.mentions.commands import COMMANDS, help_text
from jobs.mentions.parse import parse_mention
from jobs.platform import Page, Post
from jobs.streams import Plain, run_stream
from jobs.summary import compose_reply
from storage.engine import Tx
from storage.mentions import Mention, finish_mention, pending_mentions, store_mentions

log = logging.getLogger("pollbot.commands")


class CommandsJob:
    name = "commands"
    description = "read mentions and run operators' commands"

    def run(self, ctx: JobContext) -> JobResult:
        me = ctx.platform.me()

        def store(tx: Tx, page: Page) -> int:
            mentions = [
                Mention(int(p.id), int(p.author_id), p.text, p.created_at)
                for p in page.posts
                if p.author_id != me.id
            ]
            return store_mentions(tx, mentions)

        run_stream(
            ctx,
            cursor_name=f"mentions:{me.id}",
            fetch=lambda s, u: ctx.platform.mentions(me.id, since_id=s, until_id=u),
            sink=Plain(store),
        )
        with ctx.read() as session:
            pending = pending_mentions(session)
        if not pending:
            return JobResult(0)
        operators = operator_ids(ctx)
        handled = 0
        for mention in pending:
            if ctx.stop.is_set():
                break
            handled += self._handle(
                ctx, mention.post_id, str(mention.author_id), mention.text, me.username, operators
            )
        return JobResult(handled)

    def _handle(
        self,
        ctx: JobContext,
        post_id: int,
        author_id: str,
        text: str,
        bot: str,
        operators: set[str],
    ) -> int:
        call = parse_mention(text, bot_username=bot)
        cmd = COMMANDS.get(call.name) if call else None
        # An unknown command is answered with the help, which is for operators too.
        operators_only = cmd.operators_only if cmd is not None else True
        is_operator = allowed(author_id, operators_only=operators_only, operators=operators)
        if call is None or not is_operator:
            # Not addressed to the bot, or not an operator: nothing runs, nothing is said.
            self._finish(ctx, post_id, state="ignored", command=call.name if call else None)
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
        reply_id, text = self._reply(ctx, post_id, text)
        self._finish(
            ctx,
            post_id,
            state="replied" if reply_id else "failed",
            command=call.name or "",
            reply_text=text,
            reply_id=reply_id,
        )
        log.info("answered %r from %s", call.name, author_id)
        return 1

    def _reply(self, ctx: JobContext, mention_id: int, text: str) -> tuple[int | None, str]:
        """Answer the mention once; returns the reply's id (None if refused) and its text."""
        target = str(mention_id)
        since = ctx.clock.now() - timedelta(hours=1)
        own = ctx.platform.recent_own_posts(since=since)
        done = _reply_to(own, target)
        if done is not None:
            return int(done), text
        try:
            return int(ctx.platform.create_post(text, in_reply_to=target)), text
        except DuplicatePost:
            done = _reply_to(ctx.platform.recent_own_posts(since=since), target)
            if done is not None:
                return int(done), text  # it went out before all
        except PlatformRejected as exc:
            log.error("replying to mention %s failed: %s", target, exc)
            return None, text
        # The same answer to another mention went out within the day, and X refuses the
        # same text twice: make this one its own by naming the mention it answers.
        tag = f" [#{target[-4:]}]"
        unique = compose_reply(text, limit=ctx.platform.max_post_length - len(tag)) + tag
        try:
            return int(ctx.platform.create_post(unique, in_reply_to=target)), unique
        except PlatformRejected as exc:
            log.error("replying to mention %s failed: %s", target, exc)
            return None, text

    @staticmethod
    def _finish(
        ctx: JobContext,
        post_id: int,
        *,
        state: str,
        command: str | None,
        reply_text: str | None = None,
        reply_id: int | None = None,
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
            )


def _reply_to(own: list[Post], mention_id: str) -> str | None:
    return next((p.id for p in own if p.replied_to_id == mention_id), None)

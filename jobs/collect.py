"""Job ``collect``: the replies addressed to each tracked account, the posts (and polls) it
makes, and the whole conversation of each open tracked poll. Scored and stored exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from jobs.base import JobContext, JobResult, PartialRun
from jobs.errors import BudgetExhausted
from jobs.ingest import ScoredSink, Scores, to_rows
from jobs.platform import Page
from jobs.streams import StreamResult, run_stream
from jobs.subjects import Subject, select_subjects, store_poll_post
from storage.engine import Tx
from storage.events import add_event
from storage.posts import insert_posts
from storage.subjects import add_subject, close_conversation, get_subject, set_account_user

log = logging.getLogger("pollbot.collect")


class CollectJob:
    name = "collect"
    description = "replies to tracked accounts, their polls, and tracked polls' conversations"

    def run(self, ctx: JobContext) -> JobResult:
        total = 0
        try:
            for account in select_subjects(ctx, "account"):
                total += self._account(ctx, account)
                if ctx.stop.is_set():
                    return JobResult(total, note="stopped on request")
            for poll in select_subjects(ctx, "poll"):
                if poll.conversation_closed_at is None:
                    total += self._poll(ctx, poll)
                if ctx.stop.is_set():
                    return JobResult(total, note="stopped on request")
        except Exception as exc:
            cause, items = PartialRun.unwrap(exc)
            if not isinstance(cause, BudgetExhausted):
                raise PartialRun.of(exc, total) from cause
            with ctx.write() as tx:
                add_event(tx, at=ctx.wall(), kind="budget", job=self.name, message=str(cause))
            log.warning("%s", cause)
            return JobResult(total + items, status="skipped", note=str(cause))
        return JobResult(total)

    # -- accounts ----------------------------------------------------------------------------

    def _account(self, ctx: JobContext, account: Subject) -> int:
        user_id = account.platform_id or self._resolve(ctx, account)
        ctx.progress.update(subject=account.label)

        def timeline(since: str | None, until: str | None) -> Iterator[Page]:
            pages = ctx.platform.user_posts(str(user_id), since_id=since, until_id=until)
            if since is None and until is None:
                # First sight of an account: its newest page only, not years of history.
                first = next(pages, None)
                if first is not None:
                    yield replace(first, next_token=None)
                return
            yield from pages

        def store_own(tx: Tx, page: Page, scores: Scores) -> int:
            rows = to_rows(page.posts, scores, fetched_at=ctx.clock.now())
            insert_posts(tx, rows, subject_id=None)
            return self._adopt_polls(ctx, tx, account, page)

        run_stream(
            ctx,
            cursor_name=f"account:{user_id}:posts",
            fetch=timeline,
            sink=ScoredSink(ctx.scorer, store_own),
        )

        query = f"to:{account.key} is:reply"
        result = run_stream(
            ctx,
            cursor_name=f"account:{user_id}:replies",
            fetch=lambda s, u: ctx.platform.search_recent(query, since_id=s, until_id=u),
            sink=self._replies_sink(ctx, account),
        )
        self._log(account, result)
        return result.new

    def _resolve(self, ctx: JobContext, account: Subject) -> int:
        user = ctx.platform.user_by_username(account.key)
        assert account.id is not None
        with ctx.write() as tx:
            set_account_user(tx, account.id, user_id=int(user.id), username=user.username)
        return int(user.id)

    def _adopt_polls(self, ctx: JobContext, tx: Tx, account: Subject, page: Page) -> int:
        """A post of a tracked account that carries a poll becomes a tracked poll."""
        polls = {p.id: p for p in page.polls}
        adopted = 0
        for post in page.posts:
            poll = polls.get(post.poll_id or "")
            if poll is None or get_subject(tx, "poll", post.id) is not None:
                continue
            subject, _ = add_subject(
                tx,
                kind="poll",
                key=post.id,
                now=ctx.wall(),
                display=post.text,
                source="auto",
                parent_id=account.id,
            )
            assert subject.id is not None
            store_poll_post(tx, subject.id, post, poll)
            adopted += 1
            log.info("now tracking poll %s posted by %s", post.id, account.label)
        return adopted

    # -- polls -------------------------------------------------------------------------------

    def _poll(self, ctx: JobContext, poll: Subject) -> int:
        ctx.progress.update(subject=poll.label)
        created = poll.created_at or self._describe(ctx, poll)
        result = run_stream(
            ctx,
            cursor_name=f"poll:{poll.key}:conversation",
            fetch=lambda s, u: ctx.platform.search_recent(
                f"conversation_id:{poll.key} is:reply", since_id=s, until_id=u
            ),
            sink=self._replies_sink(ctx, poll),
        )
        self._log(poll, result)
        now = ctx.clock.now()
        if created is not None and result.complete and now - created > ctx.options.search_window:
            assert poll.id is not None
            with ctx.write() as tx:
                close_conversation(tx, poll.id, at=now)
            log.info("poll %s: conversation older than the search window, closed", poll.key)
        return result.new

    def _describe(self, ctx: JobContext, poll: Subject) -> datetime | None:
        page = ctx.platform.lookup([poll.key])
        post = next((p for p in page.posts if p.id == poll.key), None)
        with ctx.write() as tx:
            if post is not None and poll.id is not None:
                found = next((p for p in page.polls if p.id == post.poll_id), None)
                store_poll_post(tx, poll.id, post, found)
        return post.created_at if post else None

    # -- shared ------------------------------------------------------------------------------

    def _replies_sink(self, ctx: JobContext, subject: Subject) -> ScoredSink:
        root = int(subject.key) if subject.is_poll else None

        def store(tx: Tx, page: Page, scores: Scores) -> int:
            rows = to_rows(page.posts, scores, fetched_at=ctx.clock.now())
            # A poll's own post comes with its conversation; it is the subject, not a reply.
            replies = [r for r in rows if r.id != root] if root is not None else rows
            return insert_posts(tx, replies, subject_id=subject.id)

        return ScoredSink(ctx.scorer, store)

    @staticmethod
    def _log(subject: Subject, result: StreamResult) -> None:
        log.info(
            "%s: %d new replies (%d seen in %d pages)%s",
            subject.label,
            result.new,
            result.seen,
            result.pages,
            "" if result.complete else ", pass not finished",
            extra={"subject": subject.label, "new": result.new, "seen": result.seen},
        )

"""Collection on a platform that reads conversations whole (Mastodon): no search and no
cursor. A poll's conversation is read in one answer (``context``), and every reply in it
stored (once: posts are keyed); a followed account's replies are those answering it in the
conversations of its posts of the search window (``JobOptions.search_window``), its own
replies there included. Each answer is stored in one transaction.

What is complete: a conversation whose answer held every reply the platform counts
(``Thread.complete``) holds every reply created before that answer was asked for; a
subject's pass is complete when all its conversations were, through the time of its first
answer (less a second: the ``date`` header has whole seconds). A conversation cut short is
read again whole at the next run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from jobs.base import JobContext
from jobs.collect.shared import describe, log_result, replies_sink, resolve, store_own
from jobs.errors import PlatformRejected
from jobs.ingest import ScoredSink
from jobs.platform import Page, Post, ThreadedPlatform, reads_threads
from jobs.streams import ANSWER_SLACK, StreamResult
from jobs.subjects import Subject
from storage import subjects as stored
from storage.posts import linked_platform_ids

log = logging.getLogger("pollbot.collect")


def _known(ctx: JobContext, subject: Subject) -> set[str]:
    """The ids of the replies already on the subject's stream that a conversation read again
    may hold: those of the search window (a conversation of a post of the window holds no
    older reply), and a day more for the clocks' sake."""
    since = ctx.clock.now() - ctx.options.search_window - timedelta(days=1)
    with ctx.read() as session:
        return linked_platform_ids(session, subject.stored_id, since=since)


def _platform(ctx: JobContext) -> ThreadedPlatform:
    platform = ctx.platform
    if not reads_threads(platform):
        raise PlatformRejected(f"{platform.name} does not read conversations whole")
    return platform


class ThreadCollector:
    leaves_polls = False  # an account reads every conversation of its posts itself

    def account(self, ctx: JobContext, account: Subject) -> StreamResult:
        platform = _platform(ctx)
        user_id = account.platform_id or resolve(ctx, account)
        ctx.progress.update(subject=account.label)
        begun, recent = self._recent_posts(ctx, account, user_id)
        # A followed poll's conversation is read here too (reads cost nothing on Mastodon):
        # were it left to the poll's own collection, this account would claim to be complete
        # through a time while the replies to it there were not linked yet.
        result = StreamResult(complete=True)
        sink = replies_sink(ctx, account)
        known = _known(ctx, account)
        for post in recent:
            if ctx.stop.is_set():
                result.complete = False
                break
            thread = platform.conversation(post.id, known=known)
            theirs = tuple(p for p in thread.posts if p.in_reply_to_user_id == user_id)
            self._store(ctx, sink, theirs, result)
            result.complete = result.complete and thread.complete
        result.complete_through = begun if result.complete else None
        log_result(account, result, unit="conversations")
        return result

    def _recent_posts(
        self, ctx: JobContext, account: Subject, user_id: str
    ) -> tuple[datetime, list[Post]]:
        """The account's own posts of the search window, newest first, stored as they come
        (with any poll among them adopted); and the platform's time of the first answer."""
        oldest = ctx.clock.now() - ctx.options.search_window
        begun: datetime | None = None
        recent: list[Post] = []
        for page in ctx.platform.user_posts(user_id):
            begun = begun or ctx.clock.now() - ANSWER_SLACK
            keep = tuple(p for p in page.posts if p.created_at >= oldest)
            if keep:
                kept = Page(keep, page.polls)
                scores = ctx.scorer.submit([(p.text, p.lang) for p in keep]).result()
                with ctx.write() as tx:
                    store_own(ctx, tx, account, [(kept, scores)])
                recent.extend(keep)
            if len(keep) < len(page.posts) or ctx.stop.is_set():
                break
        return begun or ctx.clock.now() - ANSWER_SLACK, recent

    def poll(self, ctx: JobContext, poll: Subject) -> StreamResult:
        platform = _platform(ctx)
        ctx.progress.update(subject=poll.label)
        thread = platform.conversation(poll.key, known=_known(ctx, poll))
        begun = ctx.clock.now() - ANSWER_SLACK
        if poll.created_at is None:
            describe(ctx, poll, thread.root, thread.polls)
        result = StreamResult(complete=thread.complete)
        self._store(ctx, replies_sink(ctx, poll), thread.posts, result)
        result.complete_through = begun if thread.complete else None
        log_result(poll, result, unit="conversations")
        created = poll.created_at or thread.root.created_at
        now = ctx.clock.now()
        if thread.complete and now - created > ctx.options.search_window:
            with ctx.write() as tx:
                stored.close_conversation(tx, poll.stored_id, at=now)
            log.info("poll %s: conversation older than the search window, closed", poll.key)
        return result

    @staticmethod
    def _store(
        ctx: JobContext, sink: ScoredSink, posts: tuple[Post, ...], result: StreamResult
    ) -> None:
        """One conversation's replies (those stored before were left out of it, ``_known``),
        scored, stored and linked in one transaction."""
        result.pages += 1
        result.seen += len(posts)
        if not posts:
            return
        page = Page(posts)
        prepared = sink.prepare(page).result()
        with ctx.write() as tx:
            new = sink.store(tx, [(page, prepared)])
        result.new += new
        ctx.progress.update(pages=1, seen=len(posts), new=new)

"""Collection on a platform that searches (X): each stream (an account's posts, the replies
to it, a poll's conversation) read newest first, page by page, under its cursor
(``jobs.streams``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace

from jobs.base import JobContext
from jobs.collect.shared import describe, log_result, replies_sink, resolve, store_own
from jobs.ingest import ScoredSink, Scores
from jobs.platform import Page
from jobs.streams import StreamResult, run_stream
from jobs.subjects import Subject, select_subjects
from storage import subjects as stored
from storage.engine import Tx

log = logging.getLogger("pollbot.collect")
# X's longest recent-search query (characters).
MAX_QUERY = 512


class SearchCollector:
    leaves_polls = True  # the account's search leaves the polls' conversations out

    def account(self, ctx: JobContext, account: Subject) -> StreamResult:
        user_id = account.platform_id or resolve(ctx, account)
        ctx.progress.update(subject=account.label)

        def timeline(since: str | None, until: str | None) -> Iterator[Page]:
            pages = ctx.platform.user_posts(user_id, since_id=since, until_id=until)
            if since is None and until is None:
                # First sight of an account: its newest page only, not years of history.
                first = next(pages, None)
                if first is not None:
                    yield replace(first, next_token=None)
                return
            yield from pages

        def own(tx: Tx, pages: Sequence[tuple[Page, Scores]]) -> int:
            return store_own(ctx, tx, account, pages)

        run_stream(
            ctx,
            cursor_name=f"account:{user_id}:posts",
            fetch=timeline,
            sink=ScoredSink(ctx.scorer, own),
        )

        # By user id, not name: after a rename the account is still followed, and whoever
        # takes its old name is not. The conversations of the polls being collected are left
        # out: their search reads the replies to this account in them too (and links them to
        # it), so those are not read, and billed, twice.
        query = _without_polls(f"to:{user_id} is:reply", ctx)
        result = run_stream(
            ctx,
            cursor_name=f"account:{user_id}:replies",
            fetch=lambda s, u: ctx.platform.search_recent(query, since_id=s, until_id=u),
            sink=replies_sink(ctx, account),
        )
        log_result(account, result)
        return result

    def poll(self, ctx: JobContext, poll: Subject) -> StreamResult:
        ctx.progress.update(subject=poll.label)
        created = poll.created_at
        if created is None:
            page = ctx.platform.lookup([poll.key])
            post = next((p for p in page.posts if p.id == poll.key), None)
            describe(ctx, poll, post, page.polls)
            created = post.created_at if post else None
        result = run_stream(
            ctx,
            cursor_name=f"poll:{poll.key}:conversation",
            fetch=lambda s, u: ctx.platform.search_recent(
                f"conversation_id:{poll.key} is:reply", since_id=s, until_id=u
            ),
            sink=replies_sink(ctx, poll),
        )
        log_result(poll, result)
        now = ctx.clock.now()
        if created is not None and result.complete and now - created > ctx.options.search_window:
            with ctx.write() as tx:
                stored.close_conversation(tx, poll.stored_id, at=now)
            log.info("poll %s: conversation older than the search window, closed", poll.key)
        return result


def _without_polls(query: str, ctx: JobContext) -> str:
    """``query`` leaving out the conversations of the polls being collected, newest first, as
    many as X's query length allows (any left over are read twice, as before)."""
    polls = [p for p in select_subjects(ctx, "poll") if p.conversation_closed_at is None]
    for key in sorted((p.key for p in polls), key=int, reverse=True):
        term = f" -conversation_id:{key}"
        if len(query) + len(term) > MAX_QUERY:
            log.info("query %r: more polls than fit; the rest are read twice", query[:40])
            break
        query += term
    return query

"""What collection does the same way on every platform: resolving an account, adopting the
polls a followed account posts, describing a poll's post, storing replies linked to their
subject (and to the followed accounts they answer), and the log line of a subject."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from jobs.base import JobContext
from jobs.ingest import ScoredSink, Scores, pages_to_rows
from jobs.platform import Page, Poll, Post
from jobs.streams import StreamResult
from jobs.subjects import Subject, select_subjects, store_poll_post
from storage import subjects as stored
from storage.engine import Tx
from storage.keys import post_key
from storage.posts import insert_posts

log = logging.getLogger("pollbot.collect")


def resolve(ctx: JobContext, account: Subject) -> str:
    """The account's user id, looked up by name the first time and stored."""
    user = ctx.platform.user_by_username(account.key)
    with ctx.write() as tx:
        stored.set_account_user(
            tx, account.stored_id, user_id=user.id, username=user.username, at=ctx.clock.now()
        )
    return user.id


def adopt_polls(
    ctx: JobContext, tx: Tx, account: Subject, posts: Sequence[Post], polls: Sequence[Poll]
) -> int:
    """A post of a tracked account that carries a poll becomes a tracked poll."""
    by_id = {p.id: p for p in polls}
    platform = ctx.platform.name
    adopted = 0
    for post in posts:
        poll = by_id.get(post.poll_id or "")
        if poll is None or stored.get_subject(tx, "poll", post.id, platform=platform) is not None:
            continue
        subject, _ = stored.add_subject(
            tx,
            kind="poll",
            key=post.id,
            platform=platform,
            now=ctx.wall(),
            display=post.text,
            source="auto",
            parent_id=account.id,
        )
        store_poll_post(tx, subject.stored_id, post, poll)
        adopted += 1
        log.info("now tracking poll %s posted by %s", post.id, account.label)
    return adopted


def store_own(
    ctx: JobContext, tx: Tx, account: Subject, pages: Sequence[tuple[Page, Scores]]
) -> int:
    """A followed account's own posts (linked to no subject), and the polls among them."""
    platform = ctx.platform.name
    rows = pages_to_rows(pages, fetched_at=ctx.clock.now(), platform=platform)
    insert_posts(tx, rows, subject_id=None)
    posts = [post for page, _ in pages for post in page.posts]
    polls = [poll for page, _ in pages for poll in page.polls]
    return adopt_polls(ctx, tx, account, posts, polls)


def describe(ctx: JobContext, poll: Subject, post: Post | None, polls: Sequence[Poll]) -> None:
    """Keep what a poll subject's post says (``post`` None: it is gone)."""
    if post is None:
        return
    found = next((p for p in polls if p.id == post.poll_id), None)
    with ctx.write() as tx:
        store_poll_post(tx, poll.stored_id, post, found)


def replies_sink(ctx: JobContext, subject: Subject) -> ScoredSink:
    """Where a subject's replies go: stored and linked to it, and a reply in a poll's
    conversation that answers a followed account linked to that account too (its own
    collection leaves those conversations out)."""
    platform = ctx.platform.name
    root = post_key(platform, subject.key) if subject.is_poll else None
    accounts = (
        {
            post_key(platform, a.platform_id): a.id
            for a in select_subjects(ctx, "account")
            if a.platform_id is not None
        }
        if subject.is_poll
        else {}
    )

    def store(tx: Tx, pages: Sequence[tuple[Page, Scores]]) -> int:
        rows = pages_to_rows(pages, fetched_at=ctx.clock.now(), platform=platform)
        # A poll's own post comes with its conversation; it is the subject, not a reply.
        replies = [r for r in rows if r.id != root] if root is not None else rows
        new = insert_posts(tx, replies, subject_id=subject.id)
        for user_key, account_id in accounts.items():
            theirs = [r for r in replies if r.in_reply_to_user_id == user_key]
            if theirs:
                insert_posts(tx, theirs, subject_id=account_id)
        return new

    return ScoredSink(ctx.scorer, store)


def log_result(subject: Subject, result: StreamResult, unit: str = "pages") -> None:
    log.info(
        "%s: %d new replies (%d seen in %d %s)%s",
        subject.label,
        result.new,
        result.seen,
        result.pages,
        unit,
        "" if result.complete else ", pass not finished",
        extra={"subject": subject.label, "new": result.new, "seen": result.seen},
    )

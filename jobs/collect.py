"""Job ``collect``: the replies addressed to each tracked account, the posts (and polls) it
makes, and the whole conversation of each open tracked poll. Scored and stored exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from jobs.base import JobContext, JobResult
from jobs.errors import BudgetExhausted
from jobs.ingest import ScoredSink, Scores, to_rows
from jobs.platform import Page, Poll, Post
from jobs.streams import StreamResult, run_stream
from jobs.subjects import parse_subject
from storage.models import Subject
from storage.posts import insert_posts
from storage.runs import add_event
from storage.subjects import add_subject, get_subject, list_subjects

log = logging.getLogger("pollbot.collect")


@dataclass(frozen=True, slots=True)
class SubjectView:
    """A subject as plain data, detached from any session."""

    id: int
    kind: str
    key: str
    platform_id: int | None
    created_at: datetime | None
    conversation_closed: bool


def _view(s: Subject) -> SubjectView:
    return SubjectView(
        s.id, s.kind, s.key, s.platform_id, s.created_at, s.conversation_closed_at is not None
    )


def select_subjects(ctx: JobContext, kind: str) -> list[SubjectView]:
    with ctx.db.read() as session:
        subjects = [_view(s) for s in list_subjects(session, kinds=(kind,))]
    if ctx.subject:
        ref = parse_subject(ctx.subject)
        subjects = [s for s in subjects if (s.kind, s.key) == (ref.kind, ref.key)]
    return subjects


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
                if not poll.conversation_closed:
                    total += self._poll(ctx, poll)
                if ctx.stop.is_set():
                    return JobResult(total, note="stopped on request")
        except BudgetExhausted as exc:
            with ctx.db.write() as session:
                add_event(session, at=ctx.wall(), kind="budget", job=self.name, message=str(exc))
            log.warning("%s", exc)
            return JobResult(total, status="skipped", note=str(exc))
        return JobResult(total)

    # -- accounts ----------------------------------------------------------------------------

    def _account(self, ctx: JobContext, account: SubjectView) -> int:
        user_id = account.platform_id or self._resolve(ctx, account)
        ctx.progress.update(subject=f"@{account.key}")

        def timeline(since: str | None, until: str | None) -> Iterator[Page]:
            pages = ctx.platform.user_posts(str(user_id), since_id=since, until_id=until)
            if since is None and until is None:
                # First sight of an account: its newest page only, not years of history.
                first = next(pages, None)
                if first is not None:
                    yield replace(first, next_token=None)
                return
            yield from pages

        def store_own(session: Session, page: Page, scores: Scores) -> int:
            rows = to_rows(page.posts, scores, fetched_at=ctx.clock.now())
            insert_posts(session, rows, subject_id=None)
            return self._adopt_polls(ctx, session, account, page)

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

    def _resolve(self, ctx: JobContext, account: SubjectView) -> int:
        user = ctx.platform.user_by_username(account.key)
        with ctx.db.write() as session:
            row = session.get(Subject, account.id)
            if row is not None:
                row.platform_id = int(user.id)
                row.display = f"@{user.username}"
            ctx.usage.flush(session)
        return int(user.id)

    def _adopt_polls(
        self, ctx: JobContext, session: Session, account: SubjectView, page: Page
    ) -> int:
        """A post of a tracked account that carries a poll becomes a tracked poll."""
        polls = {p.id: p for p in page.polls}
        adopted = 0
        for post in page.posts:
            poll = polls.get(post.poll_id or "")
            if poll is None or get_subject(session, "poll", post.id) is not None:
                continue
            subject, _ = add_subject(
                session,
                kind="poll",
                key=post.id,
                now=ctx.wall(),
                display=post.text,
                source="auto",
                platform_id=int(post.id),
                parent_id=account.id,
            )
            describe_poll(subject, post, poll)
            adopted += 1
            log.info("now tracking poll %s posted by @%s", post.id, account.key)
        return adopted

    # -- polls -------------------------------------------------------------------------------

    def _poll(self, ctx: JobContext, poll: SubjectView) -> int:
        ctx.progress.update(subject=f"poll {poll.key}")
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
            with ctx.db.write() as session:
                row = session.get(Subject, poll.id)
                if row is not None:
                    row.conversation_closed_at = now
            log.info("poll %s: conversation older than the search window, closed", poll.key)
        return result.new

    def _describe(self, ctx: JobContext, poll: SubjectView) -> datetime | None:
        page = ctx.platform.lookup([poll.key])
        with ctx.db.write() as session:
            row = session.get(Subject, poll.id)
            post = next((p for p in page.posts if p.id == poll.key), None)
            if row is not None and post is not None:
                found = next((p for p in page.polls if p.id == post.poll_id), None)
                describe_poll(row, post, found)
            ctx.usage.flush(session)
        return post.created_at if post else None

    # -- shared ------------------------------------------------------------------------------

    def _replies_sink(self, ctx: JobContext, subject: SubjectView) -> ScoredSink:
        root = int(subject.key) if subject.kind == "poll" else None

        def store(session: Session, page: Page, scores: Scores) -> int:
            rows = to_rows(page.posts, scores, fetched_at=ctx.clock.now())
            # A poll's own post comes with its conversation; it is the subject, not a reply.
            replies = [r for r in rows if r.id != root] if root is not None else rows
            return insert_posts(session, replies, subject_id=subject.id)

        return ScoredSink(ctx.scorer, store)

    @staticmethod
    def _log(subject: SubjectView, result: StreamResult) -> None:
        name = f"@{subject.key}" if subject.kind == "account" else f"poll {subject.key}"
        log.info(
            "%s: %d new replies (%d seen in %d pages)%s",
            name,
            result.new,
            result.seen,
            result.pages,
            "" if result.complete else ", pass not finished",
            extra={"subject": name, "new": result.new, "seen": result.seen},
        )


def describe_poll(row: Subject, post: Post, poll: Poll | None) -> None:
    row.display = post.text
    row.created_at = post.created_at
    if poll is not None:
        row.poll_id = int(poll.id)
        row.poll_ends_at = poll.end_datetime

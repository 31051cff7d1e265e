"""Job ``collect``: the replies addressed to each tracked account, the posts (and polls) it
makes, and the whole conversation of each open tracked poll. Scored and stored exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from jobs.base import JobContext, JobResult, PartialRun
from jobs.budget import skipped_for_budget
from jobs.errors import BudgetExhausted, PlatformError, PlatformRejected
from jobs.ingest import ScoredSink, Scores, to_rows
from jobs.platform import Page
from jobs.streams import StreamResult, run_stream
from jobs.subjects import Subject, select_subjects, store_poll_post
from storage import subjects as stored
from storage.engine import Tx
from storage.posts import insert_posts

log = logging.getLogger("pollbot.collect")
# How often followed accounts' names are read again from their ids.
NAMES_EVERY = timedelta(days=1)
# X's longest recent-search query (characters).
MAX_QUERY = 512


class CollectJob:
    name = "collect"
    description = "replies to tracked accounts, their polls, and tracked polls' conversations"

    def run(self, ctx: JobContext) -> JobResult:
        total = attempted = 0
        failed: list[str] = []
        # Every subject this run collects is stamped with the run's start: the next run takes
        # those it did not reach first, then these in their fixed order (accounts first), not
        # in the order of clock readings that a platform clock's corrections can reverse.
        started = ctx.clock.now()
        self._refresh_names(ctx)
        for subject in _subjects(ctx):
            attempted += 1
            try:
                result = (
                    self._account(ctx, subject) if subject.is_account else self._poll(ctx, subject)
                )
                total += result.new
            except Exception as exc:
                cause, items = PartialRun.unwrap(exc)
                total += items
                if isinstance(cause, BudgetExhausted):
                    return skipped_for_budget(ctx, self.name, cause, total)
                if not isinstance(cause, PlatformRejected):
                    # A spent rate-limit window, an outage, a crash: every subject would
                    # meet it, so the run stops here (what it stored is kept and counted).
                    raise PartialRun.of(cause, total) from cause
                failed.append(self._skip(ctx, subject, cause))
            else:
                # How far its replies are complete moves only with a finished pass.
                through = result.complete_through if result.complete else None
                with ctx.write() as tx:
                    stored.subject_collected(tx, subject.stored_id, at=started, through=through)
                if subject.failure is not None:
                    log.info("%s: collected again", subject.label)
            if ctx.stop.is_set():
                return JobResult(total, note="stopped on request")
        if failed:
            note = f"{len(failed)} of {attempted} subjects failed: " + "; ".join(failed)
            return JobResult(total, status="failed", note=note)
        return JobResult(total)

    def _skip(self, ctx: JobContext, subject: Subject, cause: PlatformRejected) -> str:
        """One subject the platform refused (a user that does not exist, a query it will not
        answer): recorded on the subject and skipped; the others are still collected."""
        reason = str(cause)
        with ctx.write() as tx:
            stored.subject_failed(tx, subject.stored_id, reason=reason, at=ctx.clock.now())
        log.error("%s: collection failed, skipped: %s", subject.label, reason)
        return f"{subject.label}: {reason}"

    # -- accounts ----------------------------------------------------------------------------

    def _account(self, ctx: JobContext, account: Subject) -> StreamResult:
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

        # By user id, not name: after a rename the account is still followed, and whoever
        # takes its old name is not. The conversations of the polls being collected are left
        # out: their search reads the replies to this account in them too (and links them to
        # it), so those are not read, and billed, twice.
        query = _without_polls(f"to:{user_id} is:reply", ctx)
        result = run_stream(
            ctx,
            cursor_name=f"account:{user_id}:replies",
            fetch=lambda s, u: ctx.platform.search_recent(query, since_id=s, until_id=u),
            sink=self._replies_sink(ctx, account),
        )
        self._log(account, result)
        return result

    def _resolve(self, ctx: JobContext, account: Subject) -> int:
        user = ctx.platform.user_by_username(account.key)
        with ctx.write() as tx:
            stored.set_account_user(
                tx, account.stored_id, user_id=int(user.id), username=user.username,
                at=ctx.clock.now(),
            )  # fmt: skip
        return int(user.id)

    def _refresh_names(self, ctx: JobContext) -> None:
        """Once a day, every followed account's current name, read from its id (one request
        per 100 accounts): a renamed account is shown by its new name."""
        now = ctx.clock.now()
        due = [
            a
            for a in select_subjects(ctx, "account")
            if a.platform_id is not None and (a.named_at is None or now - a.named_at >= NAMES_EVERY)
        ]
        if not due:
            return
        try:
            found = ctx.platform.users([str(a.platform_id) for a in due])
        except PlatformError as exc:
            # Names are what the accounts are shown by, not what they are followed by: a
            # lookup that fails costs no collection, and is tried again next run.
            log.warning("reading followed accounts' names failed: %s", exc)
            return
        users = {u.id: u for u in found}
        with ctx.write() as tx:
            for account in due:
                user = users.get(str(account.platform_id))
                if user is None:
                    continue  # gone: its collection says so
                if f"@{user.username}" != account.display:
                    log.info("%s is now @%s", account.display or account.label, user.username)
                stored.set_account_user(
                    tx, account.stored_id, user_id=int(user.id), username=user.username, at=now
                )

    def _adopt_polls(self, ctx: JobContext, tx: Tx, account: Subject, page: Page) -> int:
        """A post of a tracked account that carries a poll becomes a tracked poll."""
        polls = {p.id: p for p in page.polls}
        adopted = 0
        for post in page.posts:
            poll = polls.get(post.poll_id or "")
            if poll is None or stored.get_subject(tx, "poll", post.id) is not None:
                continue
            subject, _ = stored.add_subject(
                tx,
                kind="poll",
                key=post.id,
                now=ctx.wall(),
                display=post.text,
                source="auto",
                parent_id=account.id,
            )
            store_poll_post(tx, subject.stored_id, post, poll)
            adopted += 1
            log.info("now tracking poll %s posted by %s", post.id, account.label)
        return adopted

    # -- polls -------------------------------------------------------------------------------

    def _poll(self, ctx: JobContext, poll: Subject) -> StreamResult:
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
            with ctx.write() as tx:
                stored.close_conversation(tx, poll.stored_id, at=now)
            log.info("poll %s: conversation older than the search window, closed", poll.key)
        return result

    def _describe(self, ctx: JobContext, poll: Subject) -> datetime | None:
        page = ctx.platform.lookup([poll.key])
        post = next((p for p in page.posts if p.id == poll.key), None)
        with ctx.write() as tx:
            if post is not None:
                found = next((p for p in page.polls if p.id == post.poll_id), None)
                store_poll_post(tx, poll.stored_id, post, found)
        return post.created_at if post else None

    # -- shared ------------------------------------------------------------------------------

    def _replies_sink(self, ctx: JobContext, subject: Subject) -> ScoredSink:
        root = int(subject.key) if subject.is_poll else None
        # In a poll's conversation, the replies to a followed account are that account's too
        # (its own search leaves these conversations out).
        accounts = (
            {
                a.platform_id: a.id
                for a in select_subjects(ctx, "account")
                if a.platform_id is not None
            }
            if subject.is_poll
            else {}
        )

        def store(tx: Tx, page: Page, scores: Scores) -> int:
            rows = to_rows(page.posts, scores, fetched_at=ctx.clock.now())
            # A poll's own post comes with its conversation; it is the subject, not a reply.
            replies = [r for r in rows if r.id != root] if root is not None else rows
            new = insert_posts(tx, replies, subject_id=subject.id)
            for user_id, account_id in accounts.items():
                theirs = [r for r in replies if r.in_reply_to_user_id == user_id]
                if theirs:
                    insert_posts(tx, theirs, subject_id=account_id)
            return new

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


def _subjects(ctx: JobContext) -> Iterator[Subject]:
    """The accounts and the polls whose conversation is still open, least recently collected
    first (never collected before all): a run stopped by a spent rate-limit window is taken
    up, next time, where it stopped, so with more subjects than a window allows each is still
    collected within ceil(subjects / capacity) windows. Then any poll an account posted during
    this run, so it is collected in the same run."""
    seen: set[int] = set()
    for pass_ in range(2):
        polls = [p for p in select_subjects(ctx, "poll") if p.conversation_closed_at is None]
        found = [s for s in [*select_subjects(ctx, "account"), *polls] if s.stored_id not in seen]
        for subject in found if pass_ else sorted(found, key=collection_order):
            seen.add(subject.stored_id)
            yield subject


def collection_order(subject: Subject) -> tuple[bool, datetime, bool, int]:
    """Never collected first, then the least recently collected; accounts before polls."""
    return (
        subject.collected_at is not None,
        subject.collected_at or datetime.min.replace(tzinfo=UTC),
        subject.is_poll,
        subject.stored_id,
    )

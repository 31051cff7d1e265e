"""The ``collect`` job: one run over the subjects of its platform, each collected by the
platform's collector, a subject the platform refuses skipped, a fault stopping the run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

from jobs.base import JobContext, JobResult, PartialRun
from jobs.budget import skipped_for_budget
from jobs.collect.search import SearchCollector
from jobs.collect.threads import ThreadCollector
from jobs.errors import BudgetExhausted, PlatformError, PlatformRejected
from jobs.platform import reads_threads
from jobs.streams import StreamResult
from jobs.subjects import Subject, select_subjects
from storage import subjects as stored

log = logging.getLogger("pollbot.collect")
# How often followed accounts' names are read again from their ids.
NAMES_EVERY = timedelta(days=1)


class Collector(Protocol):
    """How one platform's subjects are read: the account's posts and the replies to it; the
    poll's conversation. Each stores as it goes and says how far its replies are complete."""

    # Whether an account's collection leaves the replies to it in followed polls'
    # conversations to those polls' collection (X: not read, and billed, twice).
    leaves_polls: bool

    def account(self, ctx: JobContext, account: Subject) -> StreamResult: ...

    def poll(self, ctx: JobContext, poll: Subject) -> StreamResult: ...


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
        collector: Collector = (
            ThreadCollector() if reads_threads(ctx.platform) else SearchCollector()
        )
        self._refresh_names(ctx)
        # Accounts whose completeness waits for the polls collected after them (see _settle).
        held: list[tuple[Subject, datetime]] = []
        for subject in _subjects(ctx):
            attempted += 1
            try:
                result = (
                    collector.account(ctx, subject)
                    if subject.is_account
                    else collector.poll(ctx, subject)
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
                if subject.is_account and collector.leaves_polls and through is not None:
                    held.append((subject, through))
                    through = None
                with ctx.write() as tx:
                    stored.subject_collected(tx, subject.stored_id, at=started, through=through)
                if subject.failure is not None:
                    log.info("%s: collected again", subject.label)
            if ctx.stop.is_set():
                self._settle(ctx, held, started)
                return JobResult(total, note="stopped on request")
        self._settle(ctx, held, started)
        if failed:
            note = f"{len(failed)} of {attempted} subjects failed: " + "; ".join(failed)
            return JobResult(total, status="failed", note=note)
        return JobResult(total)

    @staticmethod
    def _settle(ctx: JobContext, held: list[tuple[Subject, datetime]], started: datetime) -> None:
        """An account whose replies in the followed polls' conversations are left to those
        polls is complete only as far as they are too: its own pass's time, or the earliest
        of theirs, whichever is earlier (a poll not yet complete: not moved). Settled once
        the polls of this run were collected, so no summary sees the account complete with
        replies to it not linked yet."""
        if not held:
            return
        polls = [p for p in select_subjects(ctx, "poll") if p.conversation_closed_at is None]
        theirs = [p.collected_through for p in polls]
        if any(t is None for t in theirs):
            return
        with ctx.write() as tx:
            for account, through in held:
                settled = min([through, *(t for t in theirs if t is not None)])
                stored.subject_collected(tx, account.stored_id, at=started, through=settled)

    def _skip(self, ctx: JobContext, subject: Subject, cause: PlatformRejected) -> str:
        """One subject the platform refused (a user that does not exist, a query it will not
        answer): recorded on the subject and skipped; the others are still collected."""
        reason = str(cause)
        with ctx.write() as tx:
            stored.subject_failed(tx, subject.stored_id, reason=reason, at=ctx.clock.now())
        log.error("%s: collection failed, skipped: %s", subject.label, reason)
        return f"{subject.label}: {reason}"

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
            found = ctx.platform.users([a.platform_id for a in due if a.platform_id])
        except PlatformError as exc:
            # Names are what the accounts are shown by, not what they are followed by: a
            # lookup that fails costs no collection, and is tried again next run.
            log.warning("reading followed accounts' names failed: %s", exc)
            return
        users = {u.id: u for u in found}
        with ctx.write() as tx:
            for account in due:
                user = users.get(account.platform_id or "")
                if user is None:
                    continue  # gone: its collection says so
                if f"@{user.username}" != account.display:
                    log.info("%s is now @%s", account.display or account.label, user.username)
                stored.set_account_user(
                    tx, account.stored_id, user_id=user.id, username=user.username, at=now
                )


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

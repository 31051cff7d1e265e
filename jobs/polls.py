"""Job ``polls``: a vote snapshot of every open tracked poll, batched 100 ids a request.
A poll that closed gets one final snapshot and is no longer fetched."""

from __future__ import annotations

import logging
from datetime import datetime

from jobs.base import JobContext, JobResult
from jobs.budget import check_budget, skipped_for_budget
from jobs.errors import BudgetExhausted
from jobs.platform import Page
from jobs.subjects import Subject, select_subjects, store_poll_post
from storage.engine import Tx
from storage.events import add_event
from storage.polls import add_snapshot
from storage.subjects import close_poll

log = logging.getLogger("pollbot.polls")
BATCH = 100


class PollsJob:
    name = "polls"
    description = "a vote snapshot of each open tracked poll"

    def run(self, ctx: JobContext) -> JobResult:
        open_polls = [p for p in select_subjects(ctx, "poll") if p.closed_at is None]
        stored = 0
        for start in range(0, len(open_polls), BATCH):
            batch = open_polls[start : start + BATCH]
            try:
                check_budget(ctx)  # a lookup reads posts: it counts against the cap
            except BudgetExhausted as exc:
                return skipped_for_budget(ctx, self.name, exc, stored)
            page = ctx.platform.lookup([p.key for p in batch])
            now = ctx.clock.now()  # one time for the batch: the answer it was read from
            with ctx.write() as tx:
                stored += sum(self._snapshot(ctx, tx, s, page, now=now) for s in batch)
            ctx.progress.update(polls=len(batch))
        return JobResult(stored)

    def _snapshot(
        self, ctx: JobContext, tx: Tx, subject: Subject, page: Page, *, now: datetime
    ) -> int:
        """Store the poll's snapshot from ``page``; 1 when one was stored."""
        post = next((p for p in page.posts if p.id == subject.key), None)
        if post is None:
            message = f"poll {subject.key}: the post is gone or not visible"
            add_event(tx, at=ctx.wall(), kind="poll_missing", job=self.name, message=message)
            log.warning("poll %s: post not found", subject.key)
            return 0
        poll = next((p for p in page.polls if p.id == (post.poll_id or "")), None)
        store_poll_post(tx, subject.stored_id, post, poll)
        if poll is None:
            log.warning("poll %s: the post carries no poll", subject.key)
            return 0
        stored = add_snapshot(
            tx,
            subject_id=subject.stored_id,
            taken_at=now,
            voting_status=poll.voting_status,
            labels=[o.label for o in poll.options],
            votes=[o.votes for o in poll.options],
        )
        if poll.closed:
            close_poll(tx, subject.stored_id, at=now)
            log.info("poll %s closed: final snapshot of %d votes", subject.key, poll.total_votes)
        return int(stored)

"""Job ``polls``: a vote snapshot of every open tracked poll, batched 100 ids a request.
A poll that closed gets one final snapshot and is no longer fetched."""

from __future__ import annotations

import logging

from jobs.base import JobContext, JobResult
from jobs.collect import describe_poll, select_subjects
from storage.models import Subject
from storage.polls import add_snapshot
from storage.runs import add_event

log = logging.getLogger("pollbot.polls")
BATCH = 100


class PollsJob:
    name = "polls"
    description = "a vote snapshot of each open tracked poll"

    def run(self, ctx: JobContext) -> JobResult:
        open_polls = [p for p in select_subjects(ctx, "poll")]
        with ctx.db.read() as session:
            open_polls = [
                p
                for p in open_polls
                if (row := session.get(Subject, p.id)) and row.closed_at is None
            ]
        stored = 0
        for start in range(0, len(open_polls), BATCH):
            batch = open_polls[start : start + BATCH]
            page = ctx.platform.lookup([p.key for p in batch])
            now = ctx.clock.now()
            posts = {p.id: p for p in page.posts}
            polls = {p.id: p for p in page.polls}
            with ctx.db.write() as session:
                for subject in batch:
                    row = session.get(Subject, subject.id)
                    post = posts.get(subject.key)
                    if row is None:
                        continue
                    if post is None:
                        add_event(
                            session,
                            at=ctx.wall(),
                            kind="poll_missing",
                            job=self.name,
                            message=f"poll {subject.key}: the post is gone or not visible",
                        )
                        log.warning("poll %s: post not found", subject.key)
                        continue
                    poll = polls.get(post.poll_id or "")
                    describe_poll(row, post, poll)
                    if poll is None:
                        log.warning("poll %s: the post carries no poll", subject.key)
                        continue
                    if add_snapshot(
                        session,
                        subject_id=subject.id,
                        taken_at=now,
                        voting_status=poll.voting_status,
                        labels=[o.label for o in poll.options],
                        votes=[o.votes for o in poll.options],
                    ):
                        stored += 1
                    if poll.closed:
                        row.closed_at = now
                        log.info(
                            "poll %s closed: final snapshot of %d votes",
                            subject.key,
                            poll.total_votes,
                        )
                ctx.usage.flush(session)
            ctx.keepalive()
            ctx.progress.update(polls=len(batch))
        return JobResult(stored)

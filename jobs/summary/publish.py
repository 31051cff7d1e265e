"""Posting stored summaries exactly once.

A summary is stored (pending) before anything is posted, and each part's platform id is
recorded the moment it is known. After a crash between posting and recording, the bot's own
recent posts are checked for the part's text (replying to the part before) before posting
again, so nothing goes out twice.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta

from jobs.base import JobContext
from jobs.errors import DuplicatePost, PlatformRejected
from jobs.platform import Media, Post
from storage import summaries as stored

log = logging.getLogger("pollbot.summarize")
LOOKBACK = timedelta(minutes=10)


def _same(a: str, b: str) -> bool:
    return " ".join(html.unescape(a).split()) == " ".join(html.unescape(b).split())


def _find(own: list[Post], text: str, reply_to: str | None) -> str | None:
    for post in own:
        if _same(post.text, text) and (reply_to is None or post.replied_to_id == reply_to):
            return post.id
    return None


def publish_pending(ctx: JobContext) -> int:
    """Post every pending summary's missing parts; returns how many summaries completed."""
    with ctx.read() as session:
        pending = stored.pending_summaries(session)
    done = 0
    for summary_id, created_at in pending:
        if ctx.stop.is_set():
            break
        if _publish_one(ctx, summary_id, since=created_at - LOOKBACK):
            done += 1
    return done


def _publish_one(ctx: JobContext, summary_id: int, *, since: datetime) -> bool:
    with ctx.read() as session:
        parts = stored.summary_parts(session, summary_id)
        chart = stored.summary_chart(session, summary_id)
    own: list[Post] | None = None
    reply_to: str | None = None
    for part in parts:
        position, text, post_id = part.position, part.text, part.post_id
        if post_id is not None:
            reply_to = str(post_id)
            continue
        if own is None:
            own = ctx.platform.recent_own_posts(since=since)
        found = _find(own, text, reply_to)
        if found is not None:
            log.info("summary %d part %d was already posted as %s", summary_id, position, found)
        else:
            media = (
                Media(chart, description=chart_description(text))
                if position == 0 and chart and ctx.platform.supports_media
                else None
            )
            try:
                found = ctx.platform.create_post(text, in_reply_to=reply_to, media=media)
            except DuplicatePost:
                own = ctx.platform.recent_own_posts(since=since)
                found = _find(own, text, reply_to)
                if found is None:
                    _fail(ctx, summary_id, "the platform refused the text as a duplicate")
                    return False
            except PlatformRejected as exc:
                _fail(ctx, summary_id, str(exc))
                return False
        with ctx.write() as tx:
            stored.part_posted(tx, summary_id, position, post_id=str(found))
        reply_to = found
    with ctx.write() as tx:
        stored.summary_posted(tx, summary_id, at=ctx.clock.now())
    log.info("summary %d posted (%d parts)", summary_id, len(parts))
    return True


def _fail(ctx: JobContext, summary_id: int, error: str) -> None:
    with ctx.write() as tx:
        stored.summary_failed(tx, summary_id, error=error)
    log.error("summary %d failed: %s", summary_id, error)


# Mastodon keeps at most this many characters of an image's description.
DESCRIPTION_LIMIT = 1500


def chart_description(text: str) -> str:
    """The chart's description (alt text) for those who cannot see it: what it draws, and the
    figures the post states."""
    said = f"Chart of the replies' sentiment over the window, and the poll's votes if any. {text}"
    return said if len(said) <= DESCRIPTION_LIMIT else said[: DESCRIPTION_LIMIT - 1] + "…"

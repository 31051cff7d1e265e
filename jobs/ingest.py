"""Platform posts -> storage rows, scored on the way in (English only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from jobs.platform import Page, Post
from jobs.scoring import Scorer, Scores
from storage.engine import Tx
from storage.keys import X, optional_key, post_key
from storage.posts import NewPost


def to_rows(
    posts: Sequence[Post],
    scores: Scores,
    *,
    fetched_at: datetime,
    platform: str = X,
) -> list[NewPost]:
    """``scores`` are ``score_page`` of the posts' (text, lang), in the same order. The
    posts' ids become their keys on ``platform`` (``storage.keys``); another platform's than
    X's are kept as given too."""
    rows = []
    columns = zip(
        posts, scores.compound, scores.pos, scores.neu, scores.neg, scores.label,
        scores.copy_key, strict=True,
    )  # fmt: skip
    for post, compound, pos, neu, neg, label, copy in columns:
        ext = None
        if platform != X:
            ext = {"id": post.id, "author_id": post.author_id,
                   "conversation_id": post.conversation_id}  # fmt: skip
        rows.append(
            NewPost(
                id=post_key(platform, post.id),
                author_id=post_key(platform, post.author_id),
                text=post.text,
                created_at=post.created_at,
                fetched_at=fetched_at,
                conversation_id=optional_key(platform, post.conversation_id),
                in_reply_to_user_id=optional_key(platform, post.in_reply_to_user_id),
                replied_to_id=optional_key(platform, post.replied_to_id),
                lang=post.lang,
                poll_id=optional_key(platform, post.poll_id),
                metrics=dict(post.metrics) or None,
                compound=compound,
                pos=pos,
                neu=neu,
                neg=neg,
                label=label,
                platform=platform,
                ext=ext,
                copy_key=copy,
            )
        )
    return rows


def pages_to_rows(
    pages: Sequence[tuple[Page, Scores]], *, fetched_at: datetime, platform: str = X
) -> list[NewPost]:
    """``to_rows`` of each page with its scores, one list, in page order."""
    return [
        row
        for page, scores in pages
        for row in to_rows(page.posts, scores, fetched_at=fetched_at, platform=platform)
    ]


@dataclass(frozen=True, slots=True)
class ScoredSink:
    """A stream sink whose pages are handed to the scorer the moment they arrive and stored,
    with their scores, when their turn comes (see ``jobs.streams.Sink``)."""

    scorer: Scorer
    store_pages: Callable[[Tx, Sequence[tuple[Page, Scores]]], int]

    def prepare(self, page: Page) -> Future[Scores]:
        return self.scorer.submit([(p.text, p.lang) for p in page.posts])

    def store(self, session: Tx, pages: Sequence[tuple[Page, Scores]]) -> int:
        return self.store_pages(session, pages)

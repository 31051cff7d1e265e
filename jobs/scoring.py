"""Where a page's texts are scored: what the collect job needs, and the in-process answer.

Scoring is the largest share of collection's CPU time. Handing a page's texts to a scorer
as soon as the page arrives, and taking the scores when the page is stored, lets another
process score one page while this one fetches and stores the others. ``bot`` decides which
scorer a job gets (``POLLBOT_SCORING_PROCESSES``); both give the same scores, since both run
``score_posts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from typing import Protocol

from jobs.sentiment import Score, score_posts

Items = Sequence[tuple[str, str | None]]  # (text, lang)
Scores = list[Score | None]  # in the order of the items; None: not English, not scored


class Scorer(Protocol):
    def warm(self) -> None:
        """Get ready now (lexicons loaded, processes started) rather than on the first page."""
        ...

    def submit(self, items: Items) -> Future[Scores]:
        """Start scoring ``items``; the future fails with ScoringFailed, nothing else."""
        ...


class InlineScorer:
    """Scores at once, in the calling thread; the future is already done."""

    def warm(self) -> None:
        score_posts([("warm up", "en")])

    def submit(self, items: Items) -> Future[Scores]:
        done: Future[Scores] = Future()
        done.set_result(score_posts(items))
        return done

"""Where a page's texts are scored: what the collect job needs, and the in-process answer.

Scoring is the largest share of collection's CPU time. Handing a page's texts to a scorer
as soon as the page arrives, and taking the scores when the page is stored, lets another
process score one page while this one fetches and stores the others. ``bot`` decides which
scorer a job gets (``POLLBOT_SCORING_PROCESSES``); both give the same answers, since both
run ``score_page``. The texts' copy keys (``storage.textkey``) are computed there too: like
a score, a key is a pure function of the text, and it is the next largest share of what
storing a page costs the collecting process.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

from jobs.sentiment import Score, score_posts
from storage.textkey import copy_key

Items = Sequence[tuple[str, str | None]]  # (text, lang)


@dataclass(frozen=True, slots=True)
class Scores:
    """A page's texts as scored, column by column in the order of the items (lists of plain
    values cross from the scoring process at a fraction of the cost of a record each): a
    text's VADER figures and label, all None when it is not English (not scored), and its
    copy key, None under five words."""

    compound: list[float | None]
    pos: list[float | None]
    neu: list[float | None]
    neg: list[float | None]
    label: list[str | None]
    copy_key: list[int | None]

    @classmethod
    def of(cls, scores: Sequence[Score | None], copy_keys: Sequence[int | None]) -> Scores:
        if len(scores) != len(copy_keys):
            raise ValueError(f"{len(scores)} scores but {len(copy_keys)} copy keys")
        return cls(
            [s.compound if s else None for s in scores],
            [s.pos if s else None for s in scores],
            [s.neu if s else None for s in scores],
            [s.neg if s else None for s in scores],
            [s.label if s else None for s in scores],
            list(copy_keys),
        )

    def __reduce__(self) -> tuple[type[Scores], tuple[list[Any], ...]]:
        # Crosses from the scoring process by pickle: from a plain tuple (see Score's).
        return (Scores, (self.compound, self.pos, self.neu, self.neg, self.label, self.copy_key))

    def __len__(self) -> int:
        return len(self.copy_key)


def score_page(items: Items) -> Scores:
    """``items`` scored (``score_posts``) and their texts' copy keys."""
    return Scores.of(score_posts(items), [copy_key(text) for text, _ in items])


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
        score_page([("warm up", "en")])

    def submit(self, items: Items) -> Future[Scores]:
        done: Future[Scores] = Future()
        done.set_result(score_page(items))
        return done

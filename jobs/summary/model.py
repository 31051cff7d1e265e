"""The plain data a summary is composed from, and what composing gives back. No storage,
no platform: the summarize job fills these in from its queries. (What a chart is drawn from
is ``jobs.chart``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal

from jobs.clock import iso

SubjectKind = Literal["account", "poll"]


@dataclass(frozen=True, slots=True)
class SentimentCounts:
    """The replies of one window. ``scored`` are the English ones VADER read, split by label
    (``positive + neutral + negative == scored``); ``unscored`` are stored but in another
    language, so they are counted and never read as neutral."""

    scored: int
    positive: int
    neutral: int
    negative: int
    unscored: int = 0
    compound_sum: float = 0.0

    def __post_init__(self) -> None:
        if min(self.scored, self.positive, self.neutral, self.negative, self.unscored) < 0:
            raise ValueError("counts must not be negative")
        if self.positive + self.neutral + self.negative != self.scored:
            raise ValueError(
                f"positive + neutral + negative ({self.positive}+{self.neutral}+"
                f"{self.negative}) must equal scored ({self.scored})"
            )

    @property
    def total(self) -> int:
        return self.scored + self.unscored

    @property
    def mean(self) -> float | None:
        """Mean compound score of the scored replies; None when there are none."""
        return self.compound_sum / self.scored if self.scored else None

    @classmethod
    def empty(cls) -> SentimentCounts:
        return cls(scored=0, positive=0, neutral=0, negative=0)


@dataclass(frozen=True, slots=True)
class Speakers:
    """Who wrote a window's replies (``storage.summaries.speakers``): distinct accounts, the
    replies of the 10 most active, the mean compound per account (each account's mean
    counted once; None when nothing was scored), and the copies (replies whose normalised
    text of 5+ words was already seen in the window)."""

    authors: int
    top_authors_replies: int = 0
    mean_per_author: float | None = None
    copies: int = 0

    def __post_init__(self) -> None:
        if min(self.authors, self.top_authors_replies, self.copies) < 0:
            raise ValueError("counts must not be negative")


@dataclass(frozen=True, slots=True)
class PollCounts:
    """One vote snapshot of a poll: option labels and votes in the poll's order, and when it
    was taken (None: not said)."""

    labels: tuple[str, ...]
    votes: tuple[int, ...]
    closed: bool = False
    taken_at: datetime | None = None

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.votes):
            raise ValueError("a poll needs as many vote counts as labels")
        if any(v < 0 for v in self.votes):
            raise ValueError("votes must not be negative")

    @property
    def total(self) -> int:
        return sum(self.votes)


@dataclass(frozen=True, slots=True)
class SummaryInput:
    """Everything one summary says, for one subject and one window ``[start, end)``.

    ``previous`` covers the window of the same length just before (None for the first one);
    ``poll_previous`` is the poll's snapshot at the end of that window. ``final`` marks the
    summary that reports a poll that has closed. ``tz`` is the zone times are said in.
    ``speakers`` says who wrote ``current``. ``counted_until`` is set when collection could
    not get to the window's end: the counts stop there, and ``stuck`` says why.
    """

    subject_kind: SubjectKind
    subject_name: str  # "elonmusk", or the poll's text ("" until the poll is looked up)
    window_start: datetime
    window_end: datetime
    current: SentimentCounts
    previous: SentimentCounts | None = None
    poll: PollCounts | None = None
    poll_previous: PollCounts | None = None
    final: bool = False
    tz: tzinfo | str = "UTC"
    subject_key: str = ""  # the poll's post id: how a poll with no text yet is named
    speakers: Speakers | None = None
    counted_until: datetime | None = None
    stuck: str = ""  # "collection paused at the monthly read cap"

    def __post_init__(self) -> None:
        if self.subject_kind not in ("account", "poll"):
            raise ValueError(f"unknown subject kind {self.subject_kind!r}")
        if self.window_start.tzinfo is None or self.window_end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.window_end <= self.window_start:
            raise ValueError("a window must end after it starts")
        if self.counted_until is not None and not (
            self.window_start <= self.counted_until < self.window_end
        ):
            raise ValueError("counted_until must fall inside the window")


@dataclass(frozen=True, slots=True)
class Summary:
    """The texts of a thread, first post first; each fits one post."""

    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        """The parts joined, for previews and logs."""
        return "\n".join(self.parts)


def window_counts(data: SummaryInput) -> dict[str, int | float | str | None]:
    """The window's counts as ``summaries --json`` gives them (``counts``) and ``summary
    preview`` prints them: every reply (any language), the English ones scored and their
    labels, the accounts, the copies, the replies of the 10 most active accounts and their
    share, the mean compound per reply and per account; ``counted_until`` when collection
    did not reach the window's end."""
    cur, who = data.current, data.speakers or Speakers(authors=0)
    top_share = round(who.top_authors_replies / cur.total, 4) if cur.total else None
    mean = None if cur.mean is None else round(cur.mean, 4)
    per_author = None if who.mean_per_author is None else round(who.mean_per_author, 4)
    until = data.counted_until
    return {
        "replies": cur.total,
        "scored": cur.scored,
        "unscored": cur.unscored,
        "positive": cur.positive,
        "neutral": cur.neutral,
        "negative": cur.negative,
        "authors": who.authors,
        "copies": who.copies,
        "top_authors_replies": who.top_authors_replies,
        "top_authors_share": top_share,
        "mean": mean,
        "mean_per_author": per_author,
        "counted_until": iso(until.astimezone(UTC)) if until else None,
    }

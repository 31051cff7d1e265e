"""Summary composition: pure functions from plain counts to the texts of a thread.

The summarize job queries storage, fills a :class:`SummaryInput` and calls
:func:`compose_summary`; command replies reuse :func:`split_thread` and :func:`compose_reply`.
Charts are drawn by a :class:`ChartRenderer` that ``bot`` hands in (``bot.charts``).
"""

from jobs.chart import ChartRenderer, ChartSeries
from jobs.summary.compose import compose_summary, summary_text
from jobs.summary.model import (
    PollCounts,
    SentimentCounts,
    Summary,
    SummaryInput,
)
from jobs.summary.numbers import human_count, shares
from jobs.summary.textlen import POST_LIMIT, clean_inline, fits, truncate, weighted_length
from jobs.summary.thread import compose_reply, split_thread

__all__ = [
    "POST_LIMIT",
    "ChartRenderer",
    "ChartSeries",
    "PollCounts",
    "SentimentCounts",
    "Summary",
    "SummaryInput",
    "clean_inline",
    "compose_reply",
    "compose_summary",
    "fits",
    "human_count",
    "shares",
    "split_thread",
    "summary_text",
    "truncate",
    "weighted_length",
]

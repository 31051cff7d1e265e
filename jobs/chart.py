"""What a summary chart is drawn from, and the interface of whoever draws it: the jobs hand
``ChartSeries`` to a ``ChartRenderer`` that ``bot`` wires in (``bot.charts``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """What a summary chart shows: sentiment shares per time bucket (0..1 each, one value per
    time in ``times``) and, for a poll, each option's share of the votes per snapshot
    (``poll_shares[i][j]``: snapshot ``poll_times[i]``, option ``poll_labels[j]``)."""

    title: str
    times: tuple[datetime, ...] = ()
    positive: tuple[float, ...] = ()
    neutral: tuple[float, ...] = ()
    negative: tuple[float, ...] = ()
    poll_labels: tuple[str, ...] = ()
    poll_times: tuple[datetime, ...] = ()
    poll_shares: tuple[tuple[float, ...], ...] = ()
    tz: str = "UTC"  # the zone the time axis is labelled in

    def __post_init__(self) -> None:
        n = len(self.times)
        if not len(self.positive) == len(self.neutral) == len(self.negative) == n:
            raise ValueError("positive, neutral and negative need one value per time")
        if len(self.poll_shares) != len(self.poll_times):
            raise ValueError("poll_shares needs one row per poll time")
        if any(len(row) != len(self.poll_labels) for row in self.poll_shares):
            raise ValueError("each poll_shares row needs one share per label")

    @property
    def has_poll(self) -> bool:
        return bool(self.poll_labels)


class ChartRenderer(Protocol):
    """Draws a chart for a summary; ``bot.charts.render_chart`` is the implementation."""

    def __call__(self, series: ChartSeries) -> bytes: ...

"""Whether a due window can be summarised now: a pure function of the subject (how far its
collection is complete), the window, ``now`` and the grace of one collection interval.

A window is composed once every reply created before its end is stored. Until then it
waits; the first collection pass that starts after the end completes it. When collection
cannot get there (the read or spend cap, rate limits, a failing subject) for longer than one
collection interval past the end, the summary goes out anyway, counting up to where
collection did reach, and saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from jobs.summary.due import DueWindow
from storage.subjects import Subject


@dataclass(frozen=True, slots=True)
class Readiness:
    state: Literal["complete", "waiting", "limited"]
    # "limited": the counts stop here (the window's start when nothing of it was collected).
    counted_until: datetime | None = None


def readiness(subject: Subject, window: DueWindow, *, now: datetime, grace: timedelta) -> Readiness:
    if subject.complete_through(window.end):
        return Readiness("complete")
    if now < window.end + grace:
        return Readiness("waiting")
    through = subject.collected_through
    until = window.start if through is None else min(max(through, window.start), window.end)
    return Readiness("limited", until)

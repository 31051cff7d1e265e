"""What summaries are due: a pure function of the subjects' state, the cron and ``now``.

Windows end at the cron's fire times (on the platform's clock, in the configured zone). A
subject's next window runs from the end of its last summary to the latest fire time that
has passed, so a daemon that was down for three fire times makes one summary when it
returns, not three and not none. A poll also gets one final summary when it has closed,
ending at its close time, and none after that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

_MAX_LOOKBACK = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class SubjectDue:
    """What deciding needs to know of a subject."""

    id: int
    kind: str  # account | poll
    last_window_end: datetime | None = None
    final_done: bool = False
    created_at: datetime | None = None  # the poll's post
    poll_ends_at: datetime | None = None
    poll_closed: bool = False  # the final snapshot is stored


@dataclass(frozen=True, slots=True)
class DueWindow:
    subject_id: int
    start: datetime
    end: datetime
    final: bool = False


def cron_trigger(cron: str, tz: tzinfo) -> CronTrigger:
    return CronTrigger.from_crontab(cron, timezone=tz)


def _next(trigger: CronTrigger, after: datetime) -> datetime | None:
    # APScheduler 3 returns the first fire time >= its "now" argument; nudge past ``after``.
    return trigger.get_next_fire_time(None, after + timedelta(microseconds=1))


def latest_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The last fire time at or before ``now``."""
    step = timedelta(minutes=1)
    while step <= _MAX_LOOKBACK:
        start = now - step
        fire = _next(trigger, start)
        if fire is not None and fire <= now:
            while True:
                following = _next(trigger, fire)
                if following is None or following > now:
                    return fire
                fire = following
        step *= 2
    return None


def fire_before(trigger: CronTrigger, fire: datetime) -> datetime | None:
    return latest_fire(trigger, fire - timedelta(microseconds=1))


def due_windows(
    subjects: Sequence[SubjectDue], *, cron: str, tz: tzinfo, now: datetime
) -> list[DueWindow]:
    trigger = cron_trigger(cron, tz)
    latest = latest_fire(trigger, now)
    out: list[DueWindow] = []
    for s in subjects:
        if s.final_done:
            continue
        if s.kind == "poll" and s.created_at is None:
            continue  # not looked up yet: its windows start with the poll
        if s.kind == "poll" and s.poll_closed and s.poll_ends_at is not None:
            start = s.last_window_end or s.created_at or s.poll_ends_at - timedelta(days=1)
            if start < s.poll_ends_at:
                out.append(DueWindow(s.id, start, s.poll_ends_at, final=True))
            continue
        if latest is None:
            continue
        end = latest
        if s.kind == "poll" and s.poll_ends_at is not None and end >= s.poll_ends_at:
            continue  # the final summary covers it once the poll has closed
        if s.last_window_end is not None:
            start = s.last_window_end
        elif s.created_at is not None:
            start = s.created_at  # a poll's first window starts with the poll
        else:
            start = fire_before(trigger, end) or end - timedelta(days=1)
        if start < end:
            out.append(DueWindow(s.id, start, end))
    return out

"""What summaries are due, and the one window rule: pure functions of the subjects, where
their summaries stand, the cron and ``now``.

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

from storage.subjects import Subject
from storage.summaries import SummaryMark

_MAX_LOOKBACK = timedelta(days=400)
_DAY = timedelta(days=1)
# A subject and where its summaries stand (None before its first).
Standing = tuple[Subject, SummaryMark | None]


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
    subjects: Sequence[Standing], *, cron: str, tz: tzinfo, now: datetime
) -> list[DueWindow]:
    """The windows due now: at most one per subject."""
    trigger = cron_trigger(cron, tz)
    latest = latest_fire(trigger, now)
    out = []
    for subject, mark in subjects:
        window = _due(subject, mark, trigger, latest)
        if window is not None:
            out.append(window)
    return out


def open_window(standing: Standing, *, cron: str, tz: tzinfo, now: datetime) -> DueWindow:
    """The window a summary made now covers (``summary preview``, the ``summary`` mention
    command): a closed poll's final window; else from where the due window starts (the last
    summary, the poll's start, the fire time before) to ``now``, a day when that is empty."""
    subject, mark = standing
    trigger = cron_trigger(cron, tz)
    due = _due(subject, mark, trigger, latest_fire(trigger, now))
    if due is not None and due.final:
        return due
    start = due.start if due else (mark.last_window_end if mark else None)
    start = start or subject.created_at or now - _DAY
    if now <= start:
        start = now - _DAY
    return DueWindow(_id(subject), start, now)


def _id(subject: Subject) -> int:
    if subject.id is None:
        raise ValueError(f"{subject} is not stored: it has no summaries")
    return subject.id


def _due(
    s: Subject, mark: SummaryMark | None, trigger: CronTrigger, latest: datetime | None
) -> DueWindow | None:
    """The subject's due window, if any, given the latest fire time at or before now."""
    last_end = mark.last_window_end if mark else None
    if mark is not None and mark.final:
        return None
    if s.is_poll and s.created_at is None:
        return None  # not looked up yet: its windows start with the poll
    if s.is_poll and s.closed_at is not None and s.poll_ends_at is not None:
        start = last_end or s.created_at or s.poll_ends_at - _DAY
        ends = s.poll_ends_at
        return DueWindow(_id(s), start, ends, final=True) if start < ends else None
    if latest is None:
        return None
    end = latest
    if s.is_poll and s.poll_ends_at is not None and end >= s.poll_ends_at:
        return None  # the final summary covers it once the poll has closed
    if last_end is not None:
        start = last_end
    elif s.created_at is not None:
        start = s.created_at  # a poll's first window starts with the poll
    else:
        start = fire_before(trigger, end) or end - _DAY
    return DueWindow(_id(s), start, end) if start < end else None

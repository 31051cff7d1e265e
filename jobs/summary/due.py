"""What summaries are due, and the one window rule: pure functions of the subjects, where
their summaries stand, the cron and ``now``.

Windows end at the cron's fire times (on the platform's clock, in the configured zone). A
subject's next window runs from the end of its last summary to the latest fire time that
has passed, so a daemon that was down for three fire times makes one summary when it
returns, not three and not none. A poll also gets one final summary when it has closed,
ending at its close time, and none after that.

Fire times are aware UTC datetimes, one per instant (see ``latest_fire`` for the nights the
clocks change).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

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
    """The first fire time strictly after ``after``, in UTC.

    Everything here is done on UTC instants. APScheduler answers in the trigger's zone, and
    in the repeated autumn hour the same wall time (02:30 in Berlin) is two instants told
    apart only by ``fold``. Python ignores ``fold`` when it compares or does arithmetic on two
    datetimes of the same zone, and ``+ timedelta`` resets it to 0, so nudging a second-pass
    fire time in its own zone lands an hour earlier, on the first pass.
    """
    # APScheduler 3 returns the first fire time >= its "now" argument; nudge past ``after``.
    start = after.astimezone(UTC) + timedelta(microseconds=1)
    fire = trigger.get_next_fire_time(None, start)
    if fire is None:
        return None
    fire = fire.astimezone(UTC)
    if fire < start:
        # A trigger answering with an earlier time would make the walk in latest_fire
        # endless: fail loudly instead.
        raise RuntimeError(f"{trigger} gave {fire.isoformat()} as the fire time after {after}")
    return fire


def latest_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The last fire time at or before ``now``, as an aware UTC datetime; None if there is
    none in the last 400 days.

    The fire times are the instants APScheduler 3 fires at, each taken as a UTC instant. So
    a wall time that happens twice on the autumn night is two fire times: ``30 2 * * *`` in
    Europe/Berlin fires at 02:30 CEST and again at 02:30 CET (00:30 and 01:30 UTC), and an
    hourly cron fires every hour of the 25. A wall time that the spring night skips fires
    where APScheduler places it (``30 2 * * *`` in Berlin at 03:30 CEST), once. Each instant
    is one fire time: the result never decreases as ``now`` grows and never repeats a fire
    time under another name. This holds where the clocks change by an hour on the hour (the
    zones the tests cover); in zones that change by two hours (Antarctica/Troll) or off the
    hour (Pacific/Chatham) APScheduler 3 itself skips some repeated-hour fire times.

    It always returns: each step of the walk moves strictly forward, and ``now`` bounds it.
    """
    step = timedelta(minutes=1)
    while step <= _MAX_LOOKBACK:
        fire = _next(trigger, now - step)
        if fire is not None and fire <= now:
            while (following := _next(trigger, fire)) is not None and following <= now:
                fire = following
            return fire
        step *= 2
    return None


def fire_before(trigger: CronTrigger, fire: datetime) -> datetime | None:
    """The fire time before ``fire`` (a fire time), as an aware UTC datetime."""
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
    return DueWindow(subject.stored_id, start, now)


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
        return DueWindow(s.stored_id, start, ends, final=True) if start < ends else None
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
    return DueWindow(s.stored_id, start, end) if start < end else None

"""How a summary window is said in words, in the operator's time zone.

The summary goes out at the end of its window, so words are chosen as read at that moment:
a window from local midnight to now is "today", one whole calendar day is "on Sat 19 Nov",
a daily cron window is "in the last 24 h", a window that began earlier today is "since 09:00
UTC". ``previous`` names the window before it, of the same length, for comparisons: "today"
until 06:00 is compared with "the previous 6 h", not with yesterday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class WindowWords:
    phrase: str  # "today", "in the last 24 h", "since 09:00 UTC": follows "12,480 replies"
    previous: str  # "yesterday", "the previous 24 h": follows "down 0.05 from"


def as_tz(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def day_label(when: datetime) -> str:
    """ "Sat 19 Nov", locale-independent."""
    return f"{_DAYS[when.weekday()]} {when.day} {_MONTHS[when.month - 1]}"


def clock_label(when: datetime) -> str:
    """ "09:00 UTC" (the zone's abbreviation, or its offset when it has none)."""
    return f"{when:%H:%M} {when.tzname() or when.strftime('%z')}".rstrip()


def describe_window(start: datetime, end: datetime, tz: tzinfo | str) -> WindowWords:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware")
    if end <= start:
        raise ValueError("a window must end after it starts")
    zone = as_tz(tz)
    ls, le = start.astimezone(zone), end.astimezone(zone)
    length = end - start
    starts_at_midnight = ls.timetz().replace(tzinfo=None) == time(0)
    span = _span(length)
    previous = f"the previous {span}" if span else "the previous window"
    if starts_at_midnight and le.date() == ls.date():
        # Compared with the window of the same length before it, not with all of yesterday.
        return WindowWords("today", previous)
    if starts_at_midnight and le.timetz().replace(tzinfo=None) == time(0):
        days = (le.date() - ls.date()).days
        if days == 1:
            return WindowWords(f"on {day_label(ls)}", "the day before")
    same_wall_clock = ls.time() == le.time()
    if length == _DAY or (same_wall_clock and (le.date() - ls.date()).days == 1):
        # A daily window across a DST change is 23 or 25 h long; people still call it a day.
        return WindowWords("in the last 24 h", "the previous 24 h")
    if length % _DAY == timedelta(0):
        days = length // _DAY
        return WindowWords(f"in the last {days} days", f"the previous {days} days")
    if le.date() == ls.date():
        return WindowWords(f"since {clock_label(ls)}", previous)
    if span:
        return WindowWords(f"in the last {span}", previous)
    return WindowWords(f"since {day_label(ls)} {clock_label(ls)}", previous)


def _span(length: timedelta) -> str:
    """ "6 h", "90 min", or "" when the length is not a whole number of minutes."""
    if length % timedelta(hours=1) == timedelta(0):
        return f"{length // timedelta(hours=1)} h"
    if length % timedelta(minutes=1) == timedelta(0):
        return f"{length // timedelta(minutes=1)} min"
    return ""

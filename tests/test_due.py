"""What summaries are due: a pure function of state, cron and now (no server, no database),
and one end-to-end check that ``summary preview`` finishes on the night the clocks go back."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.summary.due import (
    DueWindow,
    Standing,
    cron_trigger,
    due_windows,
    fire_before,
    latest_fire,
)
from jobs.tracking import track
from storage.engine import Database
from storage.subjects import Kind, Subject
from storage.summaries import SummaryMark
from tests.support.env import env_for

R = TypeVar("R")

UTCZ = ZoneInfo("UTC")
T = datetime(2022, 11, 19, 10, 0, tzinfo=UTC)
POLL_START = datetime(2022, 11, 19, 0, 30, tzinfo=UTC)
POLL_END = datetime(2022, 11, 20, 0, 30, tzinfo=UTC)


def SubjectDue(
    id: int,
    kind: Kind,
    *,
    last_window_end: datetime | None = None,
    final_done: bool = False,
    created_at: datetime | None = None,
    poll_ends_at: datetime | None = None,
    poll_closed: bool = False,
) -> Standing:
    """A subject and where its summaries stand, from what deciding needs to know."""
    subject = Subject(
        kind,
        str(id),
        id=id,
        created_at=created_at,
        poll_ends_at=poll_ends_at,
        closed_at=poll_ends_at if poll_closed else None,
    )
    mark = SummaryMark(last_window_end, final_done) if last_window_end else None
    return subject, mark


def at(h: int, m: int = 0, day: int = 19) -> datetime:
    return datetime(2022, 11, day, h, m, tzinfo=UTC)


def test_account_first_window_is_the_last_cron_period() -> None:
    assert due_windows([SubjectDue(1, "account")], cron="0 9 * * *", tz=UTCZ, now=T) == [
        DueWindow(1, at(9, day=18), at(9))
    ]


def test_nothing_due_until_the_next_fire_time() -> None:
    s = SubjectDue(1, "account", last_window_end=at(9))
    assert due_windows([s], cron="0 9 * * *", tz=UTCZ, now=T) == []
    assert due_windows([s], cron="0 9 * * *", tz=UTCZ, now=at(9, day=20)) == [
        DueWindow(1, at(9), at(9, day=20))
    ]


def test_three_missed_fire_times_make_one_summary_not_three() -> None:
    s = SubjectDue(1, "account", last_window_end=at(9, day=16))
    assert due_windows([s], cron="0 9 * * *", tz=UTCZ, now=T) == [
        DueWindow(1, at(9, day=16), at(9))
    ]


def test_poll_first_window_starts_with_the_poll() -> None:
    s = SubjectDue(1, "poll", created_at=POLL_START, poll_ends_at=POLL_END)
    assert due_windows([s], cron="0 */6 * * *", tz=UTCZ, now=T) == [DueWindow(1, POLL_START, at(6))]


def test_closed_poll_gets_one_final_summary_ending_at_its_close() -> None:
    s = SubjectDue(
        1,
        "poll",
        last_window_end=at(18),
        created_at=POLL_START,
        poll_ends_at=POLL_END,
        poll_closed=True,
    )
    now = POLL_END + timedelta(hours=3)
    assert due_windows([s], cron="0 */6 * * *", tz=UTCZ, now=now) == [
        DueWindow(1, at(18), POLL_END, final=True)
    ]
    done = SubjectDue(
        1,
        "poll",
        last_window_end=POLL_END,
        final_done=True,
        poll_closed=True,
        poll_ends_at=POLL_END,
    )
    assert due_windows([done], cron="0 */6 * * *", tz=UTCZ, now=now) == []


def test_a_fire_after_the_close_waits_for_the_final_snapshot() -> None:
    s = SubjectDue(
        1,
        "poll",
        last_window_end=at(18),
        created_at=POLL_START,
        poll_ends_at=POLL_END,
        poll_closed=False,
    )
    assert due_windows([s], cron="0 */6 * * *", tz=UTCZ, now=POLL_END + timedelta(hours=6)) == []


def test_cron_follows_the_configured_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    fire = latest_fire(cron_trigger("0 9 * * *", berlin), T)
    assert fire == datetime(2022, 11, 19, 8, 0, tzinfo=UTC)


@given(
    st.sampled_from(["*/5 * * * *", "0 * * * *", "0 9 * * *", "30 8 * * 1-5", "0 0 1 * *"]),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
)
def test_latest_fire_is_at_or_before_now_and_the_next_is_after(cron: str, naive: datetime) -> None:
    now = naive.replace(tzinfo=UTC)
    trigger = cron_trigger(cron, UTCZ)
    fire = latest_fire(trigger, now)
    assert fire is not None and fire <= now
    following = trigger.get_next_fire_time(None, fire + timedelta(microseconds=1))
    assert following is not None and following > now


def test_a_poll_not_yet_looked_up_waits() -> None:
    assert due_windows([SubjectDue(1, "poll")], cron="0 */6 * * *", tz=UTCZ, now=T) == []


# -- the nights the clocks change ----------------------------------------------------------
#
# The 2026 transitions, as UTC instants: the EU (Berlin, London) springs forward on 29 March
# and falls back on 25 October, both at 01:00 UTC; New York on 8 March at 07:00 UTC and on
# 1 November at 06:00 UTC.

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
EU_SPRING = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
EU_AUTUMN = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
US_SPRING = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
US_AUTUMN = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
NIGHTS = [
    (BERLIN, EU_SPRING),
    (BERLIN, EU_AUTUMN),
    (NEW_YORK, US_SPRING),
    (NEW_YORK, US_AUTUMN),
    (LONDON, EU_SPRING),
    (LONDON, EU_AUTUMN),
]
DST_CRONS = ["30 2 * * *", "0 * * * *", "30 1 * * *", "*/15 * * * *", "0 9 * * *"]
HALF_NIGHT = timedelta(hours=12)
MINUTE = timedelta(minutes=1)
# Sweeps step this far: it divides 15 minutes, so from a whole hour they land on every fire
# time of these crons exactly.
STEP = timedelta(minutes=3)
US = timedelta(microseconds=1)


def utc(month: int, day: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, month, day, h, m, tzinfo=UTC)


def within(seconds: float, fn: Callable[[], R]) -> R:
    """``fn()``, run in a thread: a call that never returns fails the test instead of hanging
    it (the thread, a daemon, is left to the end of the process)."""
    out: list[R] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(fn())
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"did not return within {seconds}s")
    if errors:
        raise errors[0]
    return out[0]


def _field(expr: str, value: int) -> bool:
    if expr == "*":
        return True
    if expr.startswith("*/"):
        return value % int(expr[2:]) == 0
    return value == int(expr)


def expected_fires(cron: str, tz: ZoneInfo, start: datetime, end: datetime) -> set[datetime]:
    """The contract of latest_fire, worked out without APScheduler, for crons of the form
    "MINUTE HOUR * * *": every UTC minute whose wall time in ``tz`` matches (so a wall time
    the autumn night repeats fires twice), and every matching wall time that the spring
    night skips, read with the offset before the change as APScheduler places it (02:30 in
    Berlin fires at 03:30 CEST)."""
    minute, hour, *_ = cron.split()
    out = set()
    t = start
    while t <= end:
        local = t.astimezone(tz)
        if _field(minute, local.minute) and _field(hour, local.hour):
            out.add(t)
        t += MINUTE
    wall = start.astimezone(tz).replace(tzinfo=None) - timedelta(hours=3)
    while wall <= end.astimezone(tz).replace(tzinfo=None) + timedelta(hours=3):
        at_wall = wall.replace(tzinfo=tz)
        exists = at_wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
        if not exists and _field(minute, wall.minute) and _field(hour, wall.hour):
            fire = at_wall.astimezone(UTC)  # fold=0: the offset before the change
            if start <= fire <= end:
                out.add(fire)
        wall += MINUTE
    return out


def sweep(cron: str, tz: ZoneInfo, transition: datetime) -> list[tuple[datetime, datetime]]:
    """``(now, latest_fire(now))`` every STEP from half a night before ``transition`` to half
    a night after."""
    trigger = cron_trigger(cron, tz)
    out = []
    now = transition - HALF_NIGHT
    while now <= transition + HALF_NIGHT:
        fire = latest_fire(trigger, now)
        assert fire is not None
        out.append((now, fire))
        now += STEP
    return out


@pytest.mark.parametrize("cron", DST_CRONS)
@pytest.mark.parametrize(("tz", "transition"), NIGHTS, ids=lambda v: str(v)[:16])
def test_latest_fire_across_the_night_the_clocks_change(
    tz: ZoneInfo, transition: datetime, cron: str
) -> None:
    results = within(30, lambda: sweep(cron, tz, transition))
    first = results[0][1]
    for (now, fire), (_, following) in pairwise(results):
        assert fire <= now
        assert fire.utcoffset() == timedelta(0)  # UTC, so instants compare as instants
        assert following >= fire, "a later now gave an earlier fire time"
    expected = expected_fires(cron, tz, first, transition + HALF_NIGHT)
    assert {fire for _, fire in results} == expected
    # At a fire time the answer is that fire time; a microsecond before, the one before.
    ordered = sorted(expected)
    trigger = cron_trigger(cron, tz)
    for before, fire in pairwise(ordered):
        assert latest_fire(trigger, fire) == fire
        assert latest_fire(trigger, fire - US) == before
        assert fire_before(trigger, fire) == before
        assert latest_fire(trigger, fire + US) == fire


@pytest.mark.parametrize(
    ("cron", "tz", "transition", "fires"),
    [
        # 02:30 happens twice in Berlin on 25 October 2026: at 02:30 CEST and at 02:30 CET.
        ("30 2 * * *", BERLIN, EU_AUTUMN, [utc(10, 24, 0, 30), utc(10, 25, 0, 30), utc(10, 25, 1, 30)]),
        # There is no 02:30 on 29 March: it fires at 03:30 CEST, once.
        ("30 2 * * *", BERLIN, EU_SPRING, [utc(3, 28, 1, 30), utc(3, 29, 1, 30)]),
        # 01:30 EDT and 01:30 EST.
        ("30 1 * * *", NEW_YORK, US_AUTUMN, [utc(10, 31, 5, 30), utc(11, 1, 5, 30), utc(11, 1, 6, 30)]),
        # Each hour ends a window, both 02:00s included: one fire per UTC hour.
        ("0 * * * *", BERLIN, EU_AUTUMN, [EU_AUTUMN + timedelta(hours=h) for h in range(-12, 13)]),
        # Still one per UTC hour: the skipped 02:00 is placed at 03:00 CEST, the same instant
        # as 03:00 itself, and counts once.
        ("0 * * * *", BERLIN, EU_SPRING, [EU_SPRING + timedelta(hours=h) for h in range(-12, 13)]),
        # The daily default is untouched by the change: 09:00 local either side.
        ("0 9 * * *", BERLIN, EU_AUTUMN, [utc(10, 24, 7), utc(10, 25, 8)]),
        ("0 9 * * *", NEW_YORK, US_SPRING, [utc(3, 7, 14), utc(3, 8, 13)]),
    ],
)  # fmt: skip
def test_the_fire_times_of_a_night_stated(
    cron: str, tz: ZoneInfo, transition: datetime, fires: list[datetime]
) -> None:
    results = within(30, lambda: sweep(cron, tz, transition))
    assert sorted({fire for _, fire in results}) == fires


@pytest.mark.parametrize("cron", DST_CRONS)
@pytest.mark.parametrize(("tz", "transition"), NIGHTS, ids=lambda v: str(v)[:16])
def test_windows_tile_the_night_the_clocks_change(
    tz: ZoneInfo, transition: datetime, cron: str
) -> None:
    """A subject summarized every STEP across the night (its last window end advancing with
    each window made): the windows follow one another with no gap, overlap or empty window,
    and end once at each fire time."""

    def run() -> list[DueWindow]:
        subject = SubjectDue(1, "account")
        made = []
        now = transition - HALF_NIGHT
        while now <= transition + HALF_NIGHT:
            windows = due_windows([subject], cron=cron, tz=tz, now=now)
            assert len(windows) <= 1
            if windows:
                made.append(windows[0])
                subject = (subject[0], SummaryMark(windows[0].end, final=False))
            now += STEP
        return made

    windows = within(30, run)
    for w in windows:
        assert w.start < w.end
    for before, after in pairwise(windows):
        assert after.start == before.end
    ends = [w.end for w in windows]
    assert ends == sorted(expected_fires(cron, tz, ends[0], transition + HALF_NIGHT))


def _transitions(tz: ZoneInfo, year: int) -> list[datetime]:
    out = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    while t.year == year:
        if (t + MINUTE * 30).astimezone(tz).utcoffset() != t.astimezone(tz).utcoffset():
            out.append(t + MINUTE * 30)
        t += MINUTE * 30
    return out


_NEAR_A_CHANGE = [(tz, t) for tz in (BERLIN, NEW_YORK, LONDON) for t in _transitions(tz, 2026)]


@given(
    st.sampled_from(_NEAR_A_CHANGE),
    st.sampled_from([*DST_CRONS, "0 0 * * *", "45 1,2,3 * * *", "*/5 * * * *"]),
    st.integers(min_value=-36 * 3600 * 10**6, max_value=36 * 3600 * 10**6),
    st.integers(min_value=0, max_value=26 * 3600 * 10**6),
)
@settings(deadline=None)
def test_latest_fire_near_a_change_is_monotonic(
    near: tuple[ZoneInfo, datetime], cron: str, offset_us: int, later_us: int
) -> None:
    tz, transition = near
    trigger = cron_trigger(cron, tz)
    now = transition + timedelta(microseconds=offset_us)
    later = now + timedelta(microseconds=later_us)
    fire, fire_later = within(5, lambda: (latest_fire(trigger, now), latest_fire(trigger, later)))
    assert fire is not None and fire_later is not None
    assert fire <= now and fire_later <= later
    assert fire_later >= fire
    assert latest_fire(trigger, fire) == fire
    # Nothing fires between the answer and now.
    after = trigger.get_next_fire_time(None, fire.astimezone(UTC) + US)
    assert after is not None and after > now


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_summary_preview_in_the_repeated_hour_finishes(
    mock_factory: Callable[..., Any], db_url: str, db: Database
) -> None:
    """End to end: ``pollbot summary preview`` on the platform's clock at 02:45 CET on the
    autumn night, after both 02:30s, in Berlin."""
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(utc(10, 25, 1, 45))
    track(db, Subject("account", "elonmusk"), now=utc(10, 20, 0))
    env = env_for(
        db_url,
        mock.url,
        POLLBOT_TIMEZONE="Europe/Berlin",
        POLLBOT_SUMMARY_CRON="30 2 * * *",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "summary", "preview"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    # The window runs from the fire before the last (02:30 CEST) to now.
    assert "[2026-10-25T00:30:00Z .. 2026-10-25T01:45:00" in proc.stdout, proc.stdout

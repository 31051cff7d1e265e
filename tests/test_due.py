"""What summaries are due: a pure function of state, cron and now (no server, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from jobs.summary.due import DueWindow, Standing, cron_trigger, due_windows, latest_fire
from storage.subjects import Kind, Subject
from storage.summaries import SummaryMark

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

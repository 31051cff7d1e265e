"""Summaries that tell the truth: a window is summarised once its collection is complete (or
says how far it counted), a poll's figures carry their time, and who is speaking is counted
exactly. Against the mock, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from statistics import fmean
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.app import App
from bot.daemon import Daemon
from bot.registry import get_job
from jobs.runner import Holder, RunOutcome, run_job
from jobs.subjects import Subject
from jobs.summary.textlen import weighted_length
from jobs.tracking import track
from storage.models import JobRun, PostRow
from storage.summaries import StoredSummary, list_summaries
from tests.support.cli import run_cli
from tests.support.daemon import wait_for
from tests.support.env import env_for, settings_for
from tests.support.scenarios import BOT_ID, POLL_POST_ID, POLL_POSTED, START
from tests.support.voices import FIRST_USER, Reply, campaign, voices_scenario

SIX_HOURLY = "0 */6 * * *"
SIX = START + timedelta(hours=6)  # the first fire time after the poll was posted
MINUTE = timedelta(minutes=1)


def run(app: App, name: str) -> RunOutcome:
    return run_job(get_job(name), app.job_context(trigger="cli"), holder=Holder.here("test"))


def bot_posts(mock: Any) -> list[dict[str, Any]]:
    sent = requests.get(f"{mock.url}/_mock/posts", timeout=10).json()
    return [p for p in sent if p["author_id"] == BOT_ID]


def summaries(app: App) -> list[StoredSummary]:
    with app.db().read() as s:
        return list_summaries(s, oldest_first=True)


def in_window(replies: list[Reply], start: datetime, end: datetime) -> int:
    return sum(1 for r in replies if start <= r.at < end)


@pytest.fixture
def app_for(db_url: str, make_app: Callable[..., App]) -> Callable[..., App]:
    def make(mock: Any, **overrides: Any) -> App:
        overrides.setdefault("summary_cron", SIX_HOURLY)
        return make_app(settings_for(db_url, mock.url, **overrides), sleep=lambda s: None)

    return make


def steady(until: datetime, *, every: timedelta = 3 * MINUTE) -> list[Reply]:
    """Replies from 50 accounts, one every ``every`` from the poll's first minute to ``until``."""
    out, at, i = [], POLL_POSTED + MINUTE, 0
    while at < until:
        out.append(Reply(at, FIRST_USER + i % 50, f"Reply {i}: what a day for this poll"))
        at, i = at + every, i + 1
    return out


def test_summarize_before_any_collect_waits_then_counts_every_reply_of_the_window(
    mock_factory: Any, app_for: Callable[..., App], db_url: str
) -> None:
    replies = steady(SIX + timedelta(hours=2))
    mock = mock_factory(voices_scenario(replies))
    mock.set_clock(SIX + 5 * MINUTE)
    app = app_for(mock)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())

    first = run(app, "summarize")
    assert first.status == "ok" and first.items == 0
    (waiting,) = summaries(app)
    assert (waiting.state, waiting.window_start, waiting.window_end) == (
        "waiting", START, SIX,
    )  # fmt: skip
    assert waiting.parts == () and bot_posts(mock) == []
    listed = json.loads(run_cli("summaries", "--json", env=env_for(db_url, mock.url)).out)
    assert [(d["state"], d["parts"], d["collected_through"]) for d in listed] == [
        ("waiting", [], None)
    ]
    shown = run_cli("status", "--json", env=env_for(db_url, mock.url)).out
    (subject,) = json.loads(shown)["subjects"]
    assert subject["summary_waiting"] == {
        "window_end": "2022-11-19T06:00:00Z",
        "collected_through": None,
    }
    text = run_cli("status", env=env_for(db_url, mock.url)).out
    assert "summary to 2022-11-19T06:00:00Z waiting: collection complete through (not yet)" in text

    assert run(app, "collect").status == "ok"
    assert run(app, "summarize").status == "ok"
    # The waiting summary became this one: still one per window. (The poll he posted is now
    # tracked too, and summarised by itself.)
    (made,) = [s for s in summaries(app) if s.subject.is_account]
    assert made.id == waiting.id and made.state == "posted"
    expected = in_window(replies, START, SIX)
    assert made.counts is not None and made.counts["replies"] == expected
    assert made.counts["authors"] == 50 and made.counts["copies"] == 0
    assert made.collected_through is not None and made.collected_through >= SIX
    texts = [p["text"] for p in bot_posts(mock)]
    assert f"Replies to elonmusk today: {expected} from 50 accounts — " in texts[0]


def test_replies_of_the_last_minutes_before_the_cron_time_are_in_its_summary(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    early = steady(SIX - timedelta(minutes=30), every=10 * MINUTE)
    tail = [
        Reply(SIX - 3 * MINUTE, FIRST_USER + 901, "Posted three minutes before the summary"),
        Reply(SIX - timedelta(seconds=1), FIRST_USER + 902, "Posted one second before it"),
        Reply(SIX + MINUTE, FIRST_USER + 903, "Posted after it, so in the next one"),
    ]
    mock = mock_factory(voices_scenario([*early, *tail]))
    app = app_for(mock)
    track(app.db(), Subject("poll", POLL_POST_ID), now=app.wall())
    mock.set_clock(SIX - 10 * MINUTE)
    assert run(app, "collect").status == "ok"  # the last collect before the cron time

    mock.set_clock(SIX + 2 * MINUTE)
    app = app_for(mock)  # a process started now: its platform clock reads the mock's
    assert run(app, "summarize").items == 0  # collection is complete to 05:50 only
    assert [s.state for s in summaries(app)] == ["waiting"]
    assert run(app, "collect").status == "ok"  # the first after the cron time: the tail
    assert run(app, "summarize").status == "ok"
    (made,) = summaries(app)
    assert made.state == "posted" and made.counts is not None
    assert made.counts["replies"] == len(early) + 2
    assert made.counts["authors"] == len({r.author for r in early}) + 2


def test_a_collector_stopped_at_the_read_cap_says_how_far_it_counted(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    replies = steady(SIX + timedelta(hours=1), every=MINUTE)
    mock = mock_factory(voices_scenario(replies))
    app = app_for(mock)
    track(app.db(), Subject("poll", POLL_POST_ID), now=app.wall())
    mock.set_clock(START + timedelta(hours=3))
    assert run(app, "collect").status == "ok"  # complete through 03:00
    used = app.usage().posts_read_this_month()

    mock.set_clock(SIX + 5 * MINUTE)
    capped = app_for(mock, monthly_post_reads=used + 10)
    assert run(capped, "collect").status == "skipped"  # the cap, a page into the pass
    assert run(capped, "summarize").items == 0
    assert [s.state for s in summaries(capped)] == ["waiting"]

    # One collection interval (15 min) after the window's end, it goes out as far as it got.
    mock.set_clock(SIX + 16 * MINUTE)
    capped = app_for(mock, monthly_post_reads=used + 10)
    assert run(capped, "summarize").status == "ok"
    (made,) = summaries(capped)
    assert made.state == "posted" and made.counts is not None
    counted = in_window(replies, POLL_POSTED, START + timedelta(hours=3))
    assert made.counts["replies"] == counted < in_window(replies, POLL_POSTED, SIX)
    # Up to the start of the last complete pass: the platform's time of its first answer,
    # less a second for the date header's rounding.
    assert str(made.counts["counted_until"]).startswith("2022-11-19T02:59:59")
    text = " ".join(p["text"] for p in bot_posts(mock))
    assert (
        f"{counted} replies since 00:30 UTC (counted until 02:59 UTC: collection paused at the "
        "monthly read cap) from "
    ) in text


def test_after_a_day_down_the_catch_up_summary_gives_its_snapshot_and_its_time(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    at = START.replace
    votes = [
        {"at": "2022-11-19T02:00:00.000Z", "counts": [100, 300]},
        {"at": "2022-11-19T12:00:00.000Z", "counts": [1000, 1000]},
        {"at": "2022-11-20T08:00:00.000Z", "counts": [5000, 3000]},
    ]
    replies = steady(at(day=20, hour=12), every=20 * MINUTE)
    mock = mock_factory(voices_scenario(replies, poll_minutes=3 * 1440, votes=votes))
    app = app_for(mock, summary_cron="0 9 * * *")
    track(app.db(), Subject("poll", POLL_POST_ID), now=app.wall())
    mock.set_clock(at(hour=3))
    assert run(app, "collect").status == "ok" and run(app, "polls").status == "ok"
    # Down from 03:00 on the 19th to 10:00 on the 20th: the 09:00 summary of the 19th and the
    # 12:00 snapshot were missed.
    mock.set_clock(at(day=20, hour=10))
    app = app_for(mock, summary_cron="0 9 * * *")  # the daemon started again
    for job in ("collect", "polls", "summarize"):
        assert run(app, job).status == "ok"
    (made,) = summaries(app)
    assert (made.window_start, made.window_end) == (POLL_POSTED, at(day=20, hour=9))
    text = " ".join(p["text"] for p in bot_posts(mock))
    # The last snapshot at or before the window's end, said with its day and time.
    assert "Yes 25.0% / No 75.0% of 400 votes at Sat 19 Nov 03:00 UTC" in text
    assert made.counts is not None
    assert made.counts["replies"] == in_window(replies, POLL_POSTED, at(day=20, hour=9))


def test_a_copy_paste_campaign_and_who_else_spoke_are_counted_exactly(
    mock_factory: Any, app_for: Callable[..., App], db_url: str
) -> None:
    mock = mock_factory(voices_scenario(campaign()))
    mock.set_clock(SIX + 5 * MINUTE)
    app = app_for(mock)
    track(app.db(), Subject("poll", POLL_POST_ID), now=app.wall())
    for job in ("collect", "polls"):
        assert run(app, job).status == "ok"
    preview = run_cli("summary", "preview", env=env_for(db_url, mock.url)).out
    assert "counts: 94 replies (94 scored) from 65 accounts, 39 copies, top 10 accounts 41%" in (
        preview
    )
    assert run(app, "summarize").status == "ok"

    (made,) = summaries(app)
    assert made.counts is not None
    with app.db().read() as s:
        stored = s.execute(
            select(PostRow.author_id, PostRow.compound).where(PostRow.replied_to_id.is_not(None))
        ).all()
    by_author: dict[int, list[float]] = {}
    for author, compound in stored:
        by_author.setdefault(author, []).append(compound)
    per_author = fmean(fmean(v) for v in by_author.values())
    assert {k: made.counts[k] for k in ("replies", "scored", "authors", "copies")} == {
        "replies": 94,
        "scored": 94,
        "authors": 65,
        "copies": 39,
    }
    assert made.counts["top_authors_replies"] == 39
    assert made.counts["mean_per_author"] == pytest.approx(per_author, abs=1e-4)

    sent = bot_posts(mock)
    assert all(weighted_length(p["text"]) <= 280 for p in sent)
    text = " ".join(p["text"] for p in sent)
    assert "94 replies since 00:30 UTC from 65 accounts — " in text
    # The poll's first snapshot came after the window's end: that one, with its time.
    assert "Yes 51.3% / No 48.7% of 8M votes at 06:05 UTC;" in text
    assert "; 39 copies of earlier replies; top 10 accounts wrote 41%" in text
    assert "@" not in text

    listed = json.loads(run_cli("summaries", "--json", env=env_for(db_url, mock.url)).out)
    (doc,) = listed
    assert doc["platform"] == "x" and doc["state"] == "posted"
    assert doc["counts"]["copies"] == 39 and doc["counts"]["authors"] == 65
    assert doc["collected_through"] is not None
    assert datetime.fromisoformat(doc["collected_through"]) >= SIX.astimezone(UTC)


def test_at_start_up_the_daemon_collects_and_reads_the_votes_before_its_first_summary(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    replies = steady(SIX + timedelta(hours=1))
    mock = mock_factory(voices_scenario(replies))
    mock.set_clock(SIX + 5 * MINUTE)  # a window ended while it was down
    app = app_for(mock)
    track(app.db(), Subject("poll", POLL_POST_ID), now=app.wall())
    daemon = Daemon(app, speed=60, jobs=("collect", "polls", "summarize"))
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: any(s.state == "posted" for s in summaries(app)), what="a summary")
    finally:
        daemon.request_stop("test")
        thread.join(timeout=30)
    assert not thread.is_alive()
    with app.db().read() as s:
        first = {}
        for run_ in s.scalars(select(JobRun).order_by(JobRun.started_at)):
            first.setdefault(run_.job, run_)
    assert first["summarize"].trigger == "startup"
    for job in ("collect", "polls"):
        ended = first[job].finished_at
        assert ended is not None and ended <= first["summarize"].started_at, job
    (made,) = summaries(app)  # composed on what they stored: complete, with the votes
    assert made.counts is not None
    assert made.counts["replies"] == in_window(replies, POLL_POSTED, SIX)
    assert "no vote count yet" not in " ".join(p.text for p in made.parts)

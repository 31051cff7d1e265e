"""Summaries against the mock: composed from the store, charted, posted exactly once."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.app import App
from bot.registry import get_job
from jobs.runner import Holder, RunOutcome, run_job
from jobs.subjects import Subject
from jobs.summary.numbers import shares
from jobs.summary.textlen import weighted_length
from jobs.tracking import track
from storage.models import SummaryPart, SummaryRow
from storage.summaries import aggregate
from tests.support import programs
from tests.support.env import env_for, settings_for
from tests.support.scenarios import generated_scenario

POLL = "1593767953706921985"
SIX_HOURLY = "0 */6 * * *"


def run(app: App, name: str) -> RunOutcome:
    return run_job(get_job(name), app.job_context(trigger="cli"), holder=Holder.here("test"))


def posts(mock: Any) -> list[dict[str, Any]]:
    return list(requests.get(f"{mock.url}/_mock/posts", timeout=10).json())


@pytest.fixture
def app_for(db_url: str, make_app: Callable[..., App]) -> Callable[..., App]:
    def make(mock: Any, **overrides: Any) -> App:
        overrides.setdefault("summary_cron", SIX_HOURLY)
        return make_app(settings_for(db_url, mock.url, **overrides), sleep=lambda s: None)

    return make


def test_final_poll_summary_names_the_result_and_the_stored_sentiment(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 20, 1, 0, tzinfo=UTC))
    app = app_for(mock)
    track(app.db(), Subject("poll", POLL), now=app.wall())
    assert run(app, "collect").status == "ok"
    assert run(app, "polls").status == "ok"
    made = run(app, "summarize")
    assert made.status == "ok" and made.items == 2  # composed, then posted

    sent = [p for p in posts(mock) if p["author_id"] == "9000"]
    first = sent[0]["text"]
    assert "Final result" in first
    assert "Yes 51.8%" in first and "No 48.2%" in first and "15.1M votes" in first
    assert sent[0]["media_ids"], "the chart is attached to the first post"
    for later, before in zip(sent[1:], sent, strict=False):
        assert later["in_reply_to"] == before["id"]  # a thread, in order
    assert all(weighted_length(p["text"]) <= 280 for p in sent)

    with app.db().read() as s:
        summary = s.scalars(select(SummaryRow)).one()
        assert summary.final and summary.state == "posted"
        a = aggregate(s, summary.subject_id, summary.window_start, summary.window_end)
    pos, neu, neg = shares([a.positive, a.neutral, a.negative], decimals=0)
    text = " ".join(p["text"] for p in sent)
    assert f"{pos}% positive" in text and f"{neu}% neutral" in text and f"{neg}% negative" in text
    total = a.scored + a.unscored
    assert f"{total} replies in the last 24 h from " in text
    assert f"{a.scored} in English" in text

    # Nothing more is due: no second summary, nothing posted again.
    assert run(app, "summarize").items == 0
    assert len([p for p in posts(mock) if p["author_id"] == "9000"]) == len(sent)


def test_dry_run_composes_and_stores_but_posts_nothing(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 19, 12, 30, tzinfo=UTC))
    app = app_for(mock, dry_run=True)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    run(app, "collect")
    assert run(app, "summarize").items == 2  # the account, and the poll it posted
    assert posts(mock) == []
    with app.db().read() as s:
        assert [x.state for x in s.scalars(select(SummaryRow))] == ["dry_run", "dry_run"]


def test_missed_fire_times_make_one_summary_each_window_once(
    mock_factory: Any, app_for: Callable[..., App]
) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 19, 6, 30, tzinfo=UTC))
    app = app_for(mock)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    run(app, "collect")
    run(app, "summarize")
    mock.set_clock(datetime(2022, 11, 20, 1, 0, tzinfo=UTC))  # 12:00, 18:00, 00:00 passed
    run(app, "collect")
    run(app, "summarize")
    run(app, "summarize")
    with app.db().read() as s:
        windows = [
            (x.window_start, x.window_end)
            for x in s.scalars(
                select(SummaryRow).where(SummaryRow.subject_id == 1).order_by(SummaryRow.id)
            )
        ]
    assert [end.hour for _, end in windows] == [6, 0]
    assert windows[1][0] == windows[0][1]  # no gap, no overlap
    assert len(posts(mock)) == 4  # two for the account, two for the poll it posted


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_killed_between_posting_and_recording_posts_each_summary_once(
    mock_factory: Any, db_url: str, make_app: Callable[..., App]
) -> None:
    start = datetime(2022, 11, 19, 0, 0, tzinfo=UTC)
    mock = mock_factory(generated_scenario(count=400, hours=12, start=start))
    env = env_for(db_url, mock.url, POLLBOT_SUMMARY_CRON="0 * * * *", POLLBOT_POLLS="")
    app = make_app(settings_for(db_url, mock.url, summary_cron="0 * * * *"), sleep=lambda s: None)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    for trial in range(10):
        mock.set_clock(start + timedelta(hours=1 + trial, minutes=5))
        run(app, "collect")
        killed = subprocess.run(
            programs.command("summarize_then_die"),
            env=programs.with_checkout(env),
            capture_output=True,
            timeout=120,
        )
        assert killed.returncode == -9, killed.stderr
        # The dead holder's lease is taken over at once (same host, pid gone).
        again = run(app, "summarize")
        assert again.status == "ok", again.error
    texts = [p["text"] for p in posts(mock)]
    with app.db().read() as s:
        states = s.scalars(select(SummaryRow.state)).all()
        ids = s.scalars(select(SummaryPart.post_id)).all()
        stored_texts = s.scalars(select(SummaryPart.text)).all()
    assert len(states) == 20  # the account and the poll it posted, ten hours each
    assert states == ["posted"] * 20
    assert sorted(texts) == sorted(stored_texts)  # each part posted exactly once
    assert sorted(str(i) for i in ids) == sorted(p["id"] for p in posts(mock))


def test_summaries_json_has_the_spec_keys(
    mock_factory: Any, app_for: Callable[..., App], db_url: str
) -> None:
    from tests.support.cli import run_cli

    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 19, 6, 30, tzinfo=UTC))
    app = app_for(mock)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    run(app, "collect")
    run(app, "summarize")
    out = run_cli("summaries", "--json", env=env_for(db_url, mock.url))
    docs = [d for d in json.loads(out.out) if d["subject_key"] == "elonmusk"]
    assert len(docs) == 1
    assert {"subject", "window_start", "window_end", "state", "parts", "post_ids"} <= set(docs[0])
    assert docs[0]["state"] == "posted" and docs[0]["post_ids"][0] in {p["id"] for p in posts(mock)}
    assert re.match(r"\d{4}-\d\d-\d\dT06:00:00Z", docs[0]["window_end"])

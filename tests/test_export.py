"""``pollbot export replies``: what was stored, streamed in CSV or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.registry import get_job
from jobs.runner import Holder, run_job
from jobs.subjects import Subject
from jobs.tracking import track
from storage.models import PostRow, SubjectPost
from tests.support.cli import run_cli
from tests.support.env import env_for, settings_for

KEYS = ["id", "conversation_id", "author_id", "created_at", "lang", "text", "compound", "label"]


def collected(db_url: str, mock: Any, make_app: Callable[..., App]) -> App:
    mock.set_clock(datetime(2022, 11, 19, 12, 0, tzinfo=UTC))
    app = make_app(settings_for(db_url, mock.url), sleep=lambda s: None)
    track(app.db(), Subject("account", "elonmusk"), now=app.wall())
    run_job(get_job("collect"), app.job_context(trigger="cli"), holder=Holder.here("t"))
    return app


def test_jsonl_has_the_spec_keys_and_types(
    db_url: str, mock_factory: Any, make_app: Callable[..., App]
) -> None:
    mock = mock_factory("builtin:nov-2022")
    app = collected(db_url, mock, make_app)
    result = run_cli("export", "replies", "--format", "jsonl", env=env_for(db_url, mock.url))
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    with app.db().read() as s:
        # Replies only (SPEC): posts that answer another and came in on a subject's stream;
        # the account's own top-level posts (stored too) and the poll's post are not.
        replies = select(func.count()).where(
            PostRow.replied_to_id.is_not(None), PostRow.id.in_(select(SubjectPost.post_id))
        )
        assert len(rows) == s.scalar(replies)
        own = s.scalars(select(PostRow.id).where(PostRow.replied_to_id.is_(None))).all()
    assert own, "the account's own posts are stored"
    assert not {str(i) for i in own} & {r["id"] for r in rows}
    assert result.err.strip() == f"exported {len(rows)} replies"
    for row in rows:
        assert list(row) == KEYS
        assert isinstance(row["id"], str) and isinstance(row["author_id"], str)
        assert row["created_at"].endswith("Z") and "T" in row["created_at"]
        if row["lang"] == "en":
            assert isinstance(row["compound"], float) and row["label"] in (
                "positive",
                "neutral",
                "negative",
            )
        else:
            assert row["compound"] is None and row["label"] is None
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    assert any(r["lang"] != "en" for r in rows)


def test_csv_and_filters(db_url: str, mock_factory: Any, make_app: Callable[..., App]) -> None:
    mock = mock_factory("builtin:nov-2022")
    collected(db_url, mock, make_app)
    env = env_for(db_url, mock.url)
    everything = run_cli("export", "replies", env=env)
    table = list(csv.reader(io.StringIO(everything.out)))
    assert table[0] == KEYS and len(table) > 100
    since = run_cli("export", "replies", "--since", "2022-11-19T06:00:00Z", env=env)
    later = list(csv.DictReader(io.StringIO(since.out)))
    assert later and all(r["created_at"] >= "2022-11-19T06:00:00" for r in later)
    assert len(later) < len(table) - 1
    poll = run_cli(
        "export", "replies", "--subject", "1593767953706921985", "--format", "jsonl", env=env
    )
    convo = [json.loads(line) for line in poll.out.splitlines()]
    assert convo and {r["conversation_id"] for r in convo} == {"1593767953706921985"}
    unknown = run_cli("export", "replies", "--subject", "@nobody_here", env=env)
    assert unknown.code == 0 and unknown.out.strip() == ",".join(KEYS)

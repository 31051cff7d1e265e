"""Junk in mention commands, through the commands job and the mock: control characters,
bidi overrides, zero-width joiners, 40,000 characters. Each gets one short usage reply, as
itself printable, and tracks nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from twitter_text import parse_tweet

from bot.app import App
from bot.registry import get_job
from jobs.runner import Holder, run_job
from jobs.tracking import tracked
from storage.models import MentionRow
from tests.support.bad_input import JUNK_MENTIONS
from tests.support.env import settings_for
from tests.support.mock import post_as
from tests.support.scenarios import ALICE_ID as ALICE
from tests.support.scenarios import generated_scenario


def _mention_scenario(texts: dict[str, str]) -> dict[str, Any]:
    """A scenario where each text over one post's length is a post of the operator's already
    (the mock refuses to create them, as X does)."""
    from bot.mock_api.timefmt import snowflake, to_ms

    doc = generated_scenario(count=5)
    start = datetime(2022, 11, 19, tzinfo=UTC)
    posts = list(doc["posts"])
    for n, text in enumerate(texts.values()):
        at = start + timedelta(minutes=5, seconds=n)
        posts.append(
            {
                "id": str(snowflake(to_ms(at), n)),
                "author_id": ALICE,
                "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "text": text,
            }
        )
    doc["posts"] = posts
    return doc


@pytest.mark.parametrize("name", list(JUNK_MENTIONS))
def test_junk_mention_gets_a_short_usage_reply_and_tracks_nothing(
    name: str, tmp_path: Path, mock_factory: Any
) -> None:
    text = JUNK_MENTIONS[name]
    postable = parse_tweet(text).weightedLength <= 280
    mock = mock_factory(_mention_scenario({} if postable else {name: text}))
    mock.set_clock(datetime(2022, 11, 19, 1, 0, tzinfo=UTC))
    if postable:
        post_as(mock.url, ALICE, text)
    app = App(
        settings_for(f"sqlite:///{tmp_path / 'p.db'}", mock.url, operators=("ops_alice",)),
        sleep=lambda s: None,
    )
    outcome = run_job(
        get_job("commands"), app.job_context(trigger="schedule"), holder=Holder.here("t")
    )
    assert outcome.status == "ok", outcome.error
    with app.db().read() as s:
        [mention] = s.query(MentionRow).all()
        mention_id, state = str(mention.post_id), mention.state
    assert state == "replied"
    replies = [p for p in mock.posts() if p["in_reply_to"] == mention_id]
    assert len(replies) == 1
    reply = replies[0]["text"]
    parsed = parse_tweet(reply)
    assert parsed.valid and parsed.weightedLength <= 280, reply
    assert "usage" in reply.lower() or "Commands:" in reply, reply
    assert reply.isprintable(), f"the junk was echoed back: {reply!r}"
    assert tracked(app.db()) == []
    app.close()

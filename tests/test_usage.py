"""API use is stored with the rows it paid for, and a write that fails loses none of it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from jobs.base import JobContext
from jobs.clock import FixedClock
from jobs.usage import UsageMeter
from storage.engine import Database
from storage.errors import DatabaseFailed
from storage.models import Operator
from storage.usage import month_usage

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def context(db: Database) -> JobContext:
    clock = FixedClock(NOW)
    platform: Any = None  # nothing here calls out
    return JobContext(
        db=db,
        platform=platform,
        clock=clock,
        wall=clock.now,
        usage=UsageMeter(db, now=clock.now),
        stop=threading.Event(),
    )


def test_usage_of_a_write_that_does_not_commit_is_stored_by_the_next(db: Database) -> None:
    ctx = context(db)
    ctx.usage.record("search_recent", 100)
    ctx.usage.record("search_recent", 40)
    with pytest.raises(DatabaseFailed), ctx.write() as tx:
        # Two rows with one key: the transaction cannot commit.
        tx.add(Operator(username="twice", user_id=1, resolved_at=NOW))
        tx.flush()
        tx.add(Operator(username="twice", user_id=2, resolved_at=NOW))
    with db.read() as s:
        assert month_usage(s, "2026-11").posts_read == 0
    assert ctx.usage.posts_read_this_month() == 140  # still counted against the cap
    with ctx.write():
        pass
    with db.read() as s:
        stored = month_usage(s, "2026-11")
    assert (stored.requests, stored.posts_read) == (2, 140)

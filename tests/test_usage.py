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


def test_reads_written_in_a_transaction_still_count_against_the_cap_until_it_commits(
    db: Database,
) -> None:
    # The read-ahead thread asks "may I read on?" while the storing thread's transaction is
    # open, and may find the meter's cache of the store's count stale and read it again: the
    # reads that transaction holds must be counted, neither dropped (a page read past the
    # cap) nor counted twice once it commits.
    clock = [0.0]
    meter = UsageMeter(db, now=lambda: NOW, monotonic=lambda: clock[0])
    meter.record("search_recent", 100)
    with db.write() as tx:
        pending = meter.flush(tx)
        clock[0] += UsageMeter.REFRESH_S + 1  # the cache expires: the store is read again
        assert meter.posts_read_this_month() == 100  # uncommitted there, still counted here
    meter.settle(pending)
    assert meter.posts_read_this_month() == 100
    clock[0] += UsageMeter.REFRESH_S + 1
    assert meter.posts_read_this_month() == 100  # the store's count now

    meter.record("search_recent", 50)
    with pytest.raises(RuntimeError), db.write() as tx:
        pending = meter.flush(tx)
        assert meter.posts_read_this_month() == 150
        raise RuntimeError("the transaction does not commit")
    meter.restore(pending)
    assert meter.posts_read_this_month() == 150  # pending again, counted once
    with db.write() as tx:
        meter.settle(meter.flush(tx))
    with db.read() as s:
        assert month_usage(s, "2026-11").posts_read == 150

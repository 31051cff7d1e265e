"""API use accounting: every request the platform client makes is counted here, and the
counts are written to the store in the same transaction as the page they fetched."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from storage.engine import Database, Tx
from storage.usage import posts_read, record_usage

Pending = list[tuple[str, int, int]]  # (endpoint, requests, posts read) not yet stored


class UsageMeter:
    """Counts requests and posts read per endpoint for the platform's current month."""

    # Other processes' reads are seen within this long: the budget is checked before every
    # page, and a SUM over the month's rows each time cost more than the page's own insert.
    REFRESH_S = 5.0

    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._now = now
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._reads: Counter[str] = Counter()
        self._stored: tuple[str, float, int] | None = None  # (month, read at, reads stored)

    def month(self) -> str:
        return f"{self._now():%Y-%m}"

    def record(self, endpoint: str, posts: int) -> None:
        """The platform client's usage hook: one call per HTTP request."""
        with self._lock:
            self._requests[endpoint] += 1
            self._reads[endpoint] += posts

    def flush(self, session: Tx) -> Pending:
        """Write pending counts inside the caller's transaction; returns them, for ``restore``
        should that transaction not commit."""
        with self._lock:
            pending = [(e, self._requests[e], self._reads[e]) for e in self._requests]
            self._requests.clear()
            self._reads.clear()
        month = self.month()
        try:
            for endpoint, requests, reads in pending:
                record_usage(
                    session, month=month, endpoint=endpoint, requests=requests, posts_read=reads
                )
        except BaseException:
            self.restore(pending)
            raise
        with self._lock:
            if self._stored is not None and self._stored[0] == month:
                m, at, stored = self._stored
                self._stored = (m, at, stored + sum(r for _, _, r in pending))
        return pending

    def restore(self, pending: Pending) -> None:
        """Counts ``flush`` wrote in a transaction that did not commit: counted again, to be
        written by the next one (the requests were made, whatever became of the store)."""
        with self._lock:
            for endpoint, requests, reads in pending:
                self._requests[endpoint] += requests
                self._reads[endpoint] += reads
            self._stored = None  # it counted them as stored: read the store again

    def posts_read_this_month(self) -> int:
        """Stored reads of every process this month (re-read every few seconds), plus this
        process's own since then."""
        month = self.month()
        now = self._monotonic()
        cached = self._stored
        if cached is None or cached[0] != month or now - cached[1] > self.REFRESH_S:
            with self._db.read() as session:
                cached = (month, now, posts_read(session, month))
        with self._lock:
            self._stored = cached
            return cached[2] + sum(self._reads.values())

"""API use accounting: every request the platform client makes is counted here, and the
counts are written to the store in the same transaction as the page they fetched."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from storage.engine import Database
from storage.usage import posts_read, record_usage


class UsageMeter:
    """Counts requests and posts read per endpoint for the platform's current month."""

    def __init__(self, db: Database, *, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._reads: Counter[str] = Counter()

    def month(self) -> str:
        return f"{self._now():%Y-%m}"

    def record(self, endpoint: str, posts: int) -> None:
        """The platform client's usage hook: one call per HTTP request."""
        with self._lock:
            self._requests[endpoint] += 1
            self._reads[endpoint] += posts

    def flush(self, session: Session) -> None:
        """Write pending counts inside the caller's transaction."""
        with self._lock:
            pending = [(e, self._requests[e], self._reads[e]) for e in self._requests]
            self._requests.clear()
            self._reads.clear()
        month = self.month()
        for endpoint, requests, reads in pending:
            record_usage(
                session, month=month, endpoint=endpoint, requests=requests, posts_read=reads
            )

    def flush_now(self) -> None:
        with self._db.write() as session:
            self.flush(session)

    def posts_read_this_month(self) -> int:
        """Stored reads of every process this month, plus this process's pending ones."""
        with self._db.read() as session:
            stored = posts_read(session, self.month())
        with self._lock:
            return stored + sum(self._reads.values())

"""API use accounting: every request the platform client makes is counted here, with what it
costs at X's pay-per-use prices (``jobs.pricing``), and the counts are written to the store in
the same transaction as the page they fetched."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from jobs.pricing import Charge
from storage.engine import Database, Tx
from storage.usage import (
    first_reads_today,
    forget_reads_before,
    posts_read,
    record_usage,
    usd_mills,
)


@dataclass(frozen=True, slots=True)
class Dated:
    """A charge and the UTC day (of the platform's clock) of the answer it is for."""

    day: str
    charge: Charge


@dataclass(eq=False)
class Pending:
    """Counts not yet stored: (endpoint, requests, posts read), and the charges; once
    written by ``flush``, what they cost as priced there."""

    counts: list[tuple[str, int, int]] = field(default_factory=list)
    charges: list[Dated] = field(default_factory=list)
    mills: int = 0

    def __bool__(self) -> bool:
        return bool(self.counts or self.charges)

    @property
    def reads(self) -> int:
        return sum(r for _, _, r in self.counts)


@dataclass(frozen=True, slots=True)
class _Stored:
    month: str
    read_at: float  # monotonic
    posts_read: int
    usd_mills: int


class UsageMeter:
    """Counts requests, posts read and the estimated bill for the platform's current month.
    Only X's reads are paid for and capped (``capped``); another platform's requests are
    counted under its name."""

    # Other processes' reads are seen within this long: the budget is checked before every
    # page, and a SUM over the month's rows each time cost more than the page's own insert.
    REFRESH_S = 5.0

    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        platform: str = "x",
    ) -> None:
        self.platform = platform
        self.capped = platform == "x"
        self._db = db
        self._now = now
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._reads: Counter[str] = Counter()
        self._charges: list[Dated] = []
        self._stored: _Stored | None = None
        # Written by flush in a transaction not yet committed: still counted against the
        # caps, or a read made meanwhile (on the read-ahead thread) would see the month's
        # reads short by them until the commit, and read past the cap.
        self._inflight: list[Pending] = []
        self._pruned_day: str | None = None

    def month(self) -> str:
        return f"{self._now():%Y-%m}"

    def record(self, endpoint: str, posts: int) -> None:
        """The platform client's usage hook: one call per HTTP request."""
        with self._lock:
            self._requests[endpoint] += 1
            self._reads[endpoint] += posts

    def bill(self, charge: Charge) -> None:
        """The platform client's billing hook: one call per successful answer."""
        dated = Dated(f"{self._now():%Y-%m-%d}", charge)
        with self._lock:
            self._charges.append(dated)

    def flush(self, session: Tx) -> Pending:
        """Write pending counts and charges inside the caller's transaction; returns them, for
        ``settle`` once that transaction commits, or ``restore`` should it not. Until then
        they are still counted (``posts_read_this_month``, ``usd_this_month``)."""
        with self._lock:
            pending = Pending(
                [(e, self._requests[e], self._reads[e]) for e in self._requests],
                self._charges,
            )
            pending.mills = _full_price(pending.charges)  # until priced below
            self._requests.clear()
            self._reads.clear()
            self._charges = []
            self._inflight.append(pending)
        month = self.month()
        try:
            mills = self._price(session, pending.charges)
            spent = sum(mills.values())
            for endpoint, requests, reads in pending.counts:
                record_usage(
                    session,
                    month=month,
                    endpoint=endpoint,
                    requests=requests,
                    posts_read=reads,
                    usd_mills=mills.pop(endpoint, 0),
                    platform=self.platform,
                )
            for endpoint, cost in mills.items():  # charged, counted by a flush before
                record_usage(session, month=month, endpoint=endpoint, requests=0, usd_mills=cost,
                             platform=self.platform)  # fmt: skip
        except BaseException:
            self.restore(pending)
            raise
        with self._lock:
            pending.mills = spent
        return pending

    def settle(self, pending: Pending) -> None:
        """``flush``'s transaction committed: what it wrote is now the store's."""
        month = self.month()
        with self._lock:
            if not self._forget(pending):
                return
            stored = self._stored
            if stored is not None and stored.month == month:
                self._stored = _Stored(
                    month,
                    stored.read_at,
                    stored.posts_read + pending.reads,
                    stored.usd_mills + pending.mills,
                )

    def _price(self, session: Tx, charges: list[Dated]) -> Counter[str]:
        """Each charge's cost by endpoint: reads billed only for ids first read that day.
        The reads of the charges alike (day, kind, endpoint and price: a transaction's pages
        of one stream) are recorded by one statement, in the order they were made."""
        mills: Counter[str] = Counter()
        alike: dict[tuple[str, str, str, int], list[int]] = {}
        for dated in charges:
            c = dated.charge
            if c.kind is None:
                mills[c.endpoint] += c.mills
                continue
            alike.setdefault((dated.day, c.kind, c.endpoint, c.mills), []).extend(c.ids)
        for (day, kind, endpoint, each), ids in alike.items():
            if self._pruned_day != day:
                forget_reads_before(session, day)
                self._pruned_day = day
            mills[endpoint] += first_reads_today(session, day=day, kind=kind, ids=ids) * each
        return mills

    def restore(self, pending: Pending) -> None:
        """Counts ``flush`` wrote in a transaction that did not commit: counted again, to be
        written by the next one (the requests were made, whatever became of the store)."""
        with self._lock:
            self._forget(pending)
            for endpoint, requests, reads in pending.counts:
                self._requests[endpoint] += requests
                self._reads[endpoint] += reads
            self._charges = pending.charges + self._charges
            self._stored = None  # it counted them as stored: read the store again
            self._pruned_day = None

    def _forget(self, pending: Pending) -> bool:
        """Takes ``pending`` off the in-flight list (under the lock); whether it was on it."""
        for i, flushed in enumerate(self._inflight):
            if flushed is pending:
                del self._inflight[i]
                return True
        return False

    def _current(self) -> _Stored:
        month = self.month()
        now = self._monotonic()
        cached = self._stored
        if cached is None or cached.month != month or now - cached.read_at > self.REFRESH_S:
            with self._db.read() as session:
                cached = _Stored(month, now, posts_read(session, month), usd_mills(session, month))
        with self._lock:
            self._stored = cached
        return cached

    def posts_read_this_month(self) -> int:
        """Stored reads of every process this month (re-read every few seconds), plus this
        process's own since then."""
        cached = self._current()
        with self._lock:
            inflight = sum(p.reads for p in self._inflight)
            return cached.posts_read + inflight + sum(self._reads.values())

    def usd_this_month(self) -> float:
        """The month's estimated bill: stored (every process's), plus this process's charges
        not yet stored, at full price (a read they repeat today is billed once when stored)."""
        cached = self._current()
        with self._lock:
            unstored = _full_price(self._charges) + sum(p.mills for p in self._inflight)
        return (cached.usd_mills + unstored) / 1000


def _full_price(charges: list[Dated]) -> int:
    """What ``charges`` cost at most, in mills: every read billed (repeats are not yet known)."""
    return sum(d.charge.mills * (len(d.charge.ids) if d.charge.kind else 1) for d in charges)

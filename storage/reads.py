"""The reads ``pollbot status`` and ``pollbot track list`` make, written once in SQL text over
``storage.raw.Rows``: they answer the same from a SQLAlchemy session (the daemon, the jobs,
the report, every other caller) and from a plain DBAPI connection opened without SQLAlchemy
(``storage.direct``), which is what lets those two commands start in a fraction of the time
SQLAlchemy's import takes. The records they return are plain dataclasses; nothing here
imports SQLAlchemy. Each home module (``storage.subjects``, ``storage.runs``, ...) exports its
own from here, beside the writes that need SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from storage.raw import Rows, marks, rows_of, utc, utc_required

if TYPE_CHECKING:  # a type only: the direct read path imports no SQLAlchemy
    from sqlalchemy.orm import Session

Kind = Literal["account", "poll"]
KINDS: tuple[Kind, ...] = ("account", "poll")
WAITING = "waiting"  # a summary's state while its window waits for collection


class Store(Protocol):
    """What can be read: ``storage.engine.Database`` (a session) or
    ``storage.direct.DirectStore`` (a DBAPI connection)."""

    def read(self) -> AbstractContextManager[Session | Rows]: ...


@dataclass(frozen=True, slots=True)
class Subject:
    """Something followed: an account (key = lower-case username) or a poll (key = its post
    id). A subject an operator only named has no ``id`` yet; one read from the store has
    what the store knows of it."""

    kind: Kind
    key: str
    platform: str = "x"
    id: int | None = None
    platform_id: str | None = None  # the user id / post id, once known
    display: str | None = None  # "@Name" as the platform spells it, or the poll's text
    source: str = "cli"  # cli, env, auto (a poll a tracked account posted), mention
    added_at: datetime | None = None
    created_at: datetime | None = None  # the poll's post
    poll_ends_at: datetime | None = None
    closed_at: datetime | None = None  # the poll's voting closed (final snapshot stored)
    conversation_closed_at: datetime | None = None  # left the search window: no more replies
    failure: str | None = None  # why its last collection failed (None once one succeeds)
    failed_at: datetime | None = None
    collected_at: datetime | None = None  # when its collection last went through
    named_at: datetime | None = None  # when an account's name was last read from its id
    # Every reply created before this is stored (platform clock; None: not known yet).
    collected_through: datetime | None = None

    def complete_through(self, end: datetime) -> bool:
        """Whether every reply created before ``end`` that can be collected is stored:
        collection got past it, or the poll's conversation left the search window (its
        collection is over: what is stored is all there will be)."""
        if self.collected_through is not None and self.collected_through >= end:
            return True
        return self.conversation_closed_at is not None

    @property
    def stored_id(self) -> int:
        """Its id in the store; a subject only named has none (a programming error)."""
        if self.id is None:
            raise ValueError(f"{self.label} is not stored")
        return self.id

    @property
    def is_account(self) -> bool:
        return self.kind == "account"

    @property
    def is_poll(self) -> bool:
        return self.kind == "poll"

    @property
    def label(self) -> str:
        """How a message names it: ``@elonmusk``, ``@user@instance.social``, ``poll
        1593767953706921985`` or ``mastodon poll 109372618261744449``."""
        if self.is_account:
            return f"@{self.key}"
        return f"poll {self.key}" if self.platform == "x" else f"{self.platform} poll {self.key}"

    @property
    def name(self) -> str:
        """How a summary names it: the account as the platform spells it, the poll's text."""
        return self.display or self.label

    @property
    def renamed(self) -> bool:
        """An account whose name is no longer the one it was tracked by."""
        return (
            self.is_account
            and self.display is not None
            and (self.display.lstrip("@").lower() != self.key)
        )

    @property
    def subject_key(self) -> str:
        """Unique across kinds and platforms: ``x:account:elonmusk``."""
        return f"{self.platform}:{self.kind}:{self.key}"

    def same(self, other: Subject) -> bool:
        """Whether both name the same subject (stored or only named)."""
        return (self.platform, self.kind, self.key) == (other.platform, other.kind, other.key)

    def __str__(self) -> str:
        return self.label


# What a stored subject carries over from its row, beyond kind and key; the datetimes among
# them.
SUBJECT_FIELDS = (
    "id", "platform_id", "display", "source", "added_at",
    "created_at", "poll_ends_at", "closed_at", "conversation_closed_at", "failure", "failed_at",
    "collected_at", "named_at", "collected_through",
)  # fmt: skip
_SUBJECT_TIMES = frozenset(
    ("added_at", "created_at", "poll_ends_at", "closed_at", "conversation_closed_at",
     "failed_at", "collected_at", "named_at", "collected_through")
)  # fmt: skip


def subject_kind(kind: str) -> Kind:
    return "account" if kind == "account" else "poll"


def list_subjects(
    source: Session | Rows,
    *,
    active_only: bool = True,
    kinds: Sequence[str] = KINDS,
    platforms: Sequence[str] | None = None,
) -> list[Subject]:
    """The subjects of ``kinds`` on ``platforms`` (all when None), oldest first by kind."""
    if not kinds or (platforms is not None and not platforms):
        return []
    columns = ", ".join(("kind", "key", "platform", *SUBJECT_FIELDS))
    sql = f"SELECT {columns} FROM subjects WHERE kind IN ({marks(len(kinds))})"
    params: list[object] = list(kinds)
    if platforms is not None:
        sql += f" AND platform IN ({marks(len(platforms))})"
        params += platforms
    if active_only:
        sql += " AND active = ?"
        params.append(True)
    sql += " ORDER BY kind, added_at, id"
    subjects = []
    for kind, key, platform, *values in rows_of(source).fetch(sql, params):
        stored: dict[str, Any] = {
            name: utc(value) if name in _SUBJECT_TIMES else value
            for name, value in zip(SUBJECT_FIELDS, values, strict=True)
        }
        subjects.append(Subject(subject_kind(kind), key, platform, **stored))
    return subjects


@dataclass(frozen=True, slots=True)
class Beat:
    """The daemon's heartbeat as stored."""

    name: str
    pid: int
    host: str
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None


def heartbeat(source: Session | Rows, name: str = "daemon") -> Beat | None:
    found = rows_of(source).fetch(
        "SELECT name, pid, host, started_at, heartbeat_at, stopped_at FROM heartbeats"
        " WHERE name = ?",
        [name],
    )
    if not found:
        return None
    name, pid, host, started_at, heartbeat_at, stopped_at = found[0]
    return Beat(
        name, pid, host, utc_required(started_at), utc_required(heartbeat_at), utc(stopped_at)
    )


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    job: str
    holder: str
    host: str
    pid: int
    acquired_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        return f"{self.holder} (pid {self.pid} on {self.host}, until {self.expires_at:%H:%M:%S}Z)"


def lease_info(
    job: str,
    holder: str | None,
    host: str | None,
    pid: int | None,
    acquired_at: datetime | None,
    expires_at: datetime | None,
) -> LeaseInfo | None:
    """A lease row's holder, or None when it is free."""
    if holder is None or expires_at is None:
        return None
    return LeaseInfo(job, holder, host or "?", pid or 0, acquired_at or expires_at, expires_at)


def current_leases(source: Session | Rows, *, now: datetime) -> list[LeaseInfo]:
    found = rows_of(source).fetch(
        "SELECT job, holder, host, pid, acquired_at, expires_at FROM job_leases"
        " WHERE expires_at > ? ORDER BY job",
        [now],
    )
    leases = (
        lease_info(job, holder, host, pid, utc(acquired), utc(expires))
        for job, holder, host, pid, acquired, expires in found
    )
    return [info for info in leases if info is not None]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A run of a job as stored (``job_runs``)."""

    id: int
    job: str
    trigger: str
    subject: str | None
    holder: str
    started_at: datetime
    finished_at: datetime | None
    status: str  # running, ok, failed, skipped
    items: int
    error: str | None


_RUN = (
    "SELECT id, job, trigger, subject, holder, started_at, finished_at, status, items, error"
    " FROM job_runs"
)
_NEWEST_FIRST = " ORDER BY started_at DESC, id DESC"


def _runs(source: Session | Rows, where: str, params: Sequence[object]) -> list[RunRecord]:
    runs = []
    for run_id, job, trigger, subject, holder, started, finished, status, items, error in rows_of(
        source
    ).fetch(f"{_RUN} {where}", params):
        started, finished = utc_required(started), utc(finished)
        runs.append(
            RunRecord(
                run_id, job, trigger, subject, holder, started, finished, status, items, error
            )
        )
    return runs


def last_runs(source: Session | Rows) -> dict[str, RunRecord]:
    """The newest run of each job: one short index lookup per job (ix_job_runs_job_started),
    not a scan of the whole history, which grows by a run a minute."""
    rows = rows_of(source)
    out: dict[str, RunRecord] = {}
    for (job,) in rows.fetch("SELECT DISTINCT job FROM job_runs"):
        out[job] = _runs(rows, f"WHERE job = ?{_NEWEST_FIRST} LIMIT 1", [job])[0]
    return out


def last_errors(source: Session | Rows, *, limit: int = 5) -> list[RunRecord]:
    return _runs(source, f"WHERE status = ?{_NEWEST_FIRST} LIMIT ?", ["failed", limit])


@dataclass(frozen=True, slots=True)
class EventRecord:
    """Something an operator should see in ``status`` (``events``)."""

    id: int
    at: datetime
    kind: str
    job: str | None
    message: str


def recent_events(source: Session | Rows, *, limit: int = 10) -> list[EventRecord]:
    found = rows_of(source).fetch(
        "SELECT id, at, kind, job, message FROM events ORDER BY at DESC, id DESC LIMIT ?", [limit]
    )
    return [
        EventRecord(event_id, utc_required(at), kind, job, message)
        for event_id, at, kind, job, message in found
    ]


@dataclass(frozen=True, slots=True)
class MonthUsage:
    month: str
    requests: int
    posts_read: int
    by_endpoint: dict[str, tuple[int, int]]  # endpoint -> (requests, posts read)
    usd_mills: int = 0  # the estimated bill, in tenths of a US cent


def month_usage(source: Session | Rows, month: str, *, platform: str = "x") -> MonthUsage:
    """The month's use of ``platform``'s API."""
    found = rows_of(source).fetch(
        "SELECT endpoint, requests, posts_read, usd_mills FROM api_usage"
        " WHERE month = ? AND platform = ?",
        [month, platform],
    )
    by_endpoint = {endpoint: (int(r), int(p)) for endpoint, r, p, _mills in found}
    return MonthUsage(
        month=month,
        requests=sum(v[0] for v in by_endpoint.values()),
        posts_read=sum(v[1] for v in by_endpoint.values()),
        by_endpoint=by_endpoint,
        usd_mills=sum(int(mills) for *_rest, mills in found),
    )


def latest_month(source: Session | Rows) -> str | None:
    """The newest month with any recorded use."""
    found = rows_of(source).fetch("SELECT MAX(month) FROM api_usage")
    month = found[0][0] if found else None
    return str(month) if month is not None else None


def waiting_windows(source: Session | Rows) -> dict[int, tuple[datetime, datetime | None]]:
    """The summaries waiting for their subject's collection (``storage.summaries.WAITING``),
    by subject id: (window end, how far collection was complete)."""
    found = rows_of(source).fetch(
        "SELECT subject_id, window_end, collected_through FROM summaries"
        " WHERE state = ? ORDER BY window_end DESC, id DESC",
        [WAITING],
    )
    return {sid: (utc_required(end), utc(through)) for sid, end, through in found}

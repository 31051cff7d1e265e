"""The schema, as SQLAlchemy 2 typed models. Alembic migrations in ``storage/migrations``
create exactly this (a test compares them).

Posts are keyed by a BIGINT (``storage.keys``): X's own ids, 64-bit snowflakes whose numeric
order is time order, which ``since_id`` cursors and "newest first" rely on; another platform's
opaque string ids are mapped into the negative numbers, one key per (platform, id), and kept
as they are in ``posts.ext``. Elsewhere (subjects, mentions, operators, posted parts) a
platform id is kept as the platform's own string, beside the platform it belongs to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.safetext import safe_text

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, aware UTC out, on every dialect (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class SafeText(TypeDecorator[str]):
    """Text that any database keeps: PostgreSQL refuses NUL characters, so they become U+FFFD."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return safe_text(value) if value else value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SubjectRow(Base):
    """Something followed on a platform: an account (key = lower-case username, or
    ``user@instance`` on Mastodon) or a poll (key = its post's id)."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("platform", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16), default="x", server_default="x")
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(128))
    platform_id: Mapped[str | None] = mapped_column(String(64))  # user id / post id once known
    display: Mapped[str | None] = mapped_column(SafeText)  # @username, or the poll's text
    source: Mapped[str] = mapped_column(String(16), default="cli")  # cli, env, auto, mention
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # poll voting closed
    # The conversation left the 7-day search window: collection of its replies is over.
    conversation_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    poll_id: Mapped[str | None] = mapped_column(String(64))  # the poll object's own id
    poll_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the post's time (polls)
    # Why its last collection failed (cleared by the next that succeeds), and when.
    failure: Mapped[str | None] = mapped_column(SafeText)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its collection last went through (platform clock): the least recent goes first.
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When an account's name was last read from its user id (platform clock).
    named_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every reply created before this (platform clock) is stored: the start of the last
    # finished pass over its replies. Summaries wait for it to pass their window's end.
    collected_through: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PostRow(Base):
    """A post from a platform, stored once per (platform, platform id), with its sentiment.
    The id columns hold ``storage.keys`` keys: X's ids as they are; another platform's ids
    mapped, and kept as the platform gave them in ``ext`` (``{"id", "author_id",
    "conversation_id"}``; null on X's posts, whose keys are their ids)."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    author_id: Mapped[int] = mapped_column(BigInteger)
    conversation_id: Mapped[int | None] = mapped_column(BigInteger)
    in_reply_to_user_id: Mapped[int | None] = mapped_column(BigInteger)
    replied_to_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lang: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(SafeText)
    poll_id: Mapped[int | None] = mapped_column(BigInteger)
    metrics: Mapped[dict[str, int] | None] = mapped_column(JSON)
    compound: Mapped[float | None] = mapped_column(Float)
    pos: Mapped[float | None] = mapped_column(Float)
    neu: Mapped[float | None] = mapped_column(Float)
    neg: Mapped[float | None] = mapped_column(Float)
    label: Mapped[str | None] = mapped_column(String(8))  # null = not scored (not English)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # storage.textkey.copy_key of the text: equal for copy-pasted texts; null under 5 words.
    copy_key: Mapped[int | None] = mapped_column(BigInteger)
    platform: Mapped[str] = mapped_column(String(16), default="x", server_default="x")
    ext: Mapped[dict[str, str | None] | None] = mapped_column(JSON(none_as_null=True))


class SubjectPost(Base):
    """Which subject's stream a post came in on. Created time, score, author and copy key
    are copied here so the summary aggregates are scans of covering indexes, never a join:
    sentiment over a window's range of ``ix_subject_posts_window``; replies per account and
    per copy key from ``ix_subject_posts_authors`` and ``ix_subject_posts_copies``, read in
    that order so grouping needs no sort (SQLite would sort a million rows for each)."""

    __tablename__ = "subject_posts"
    __table_args__ = (
        Index("ix_subject_posts_window", "subject_id", "created_at", "label", "compound"),
        Index("ix_subject_posts_authors", "subject_id", "author_id", "created_at", "compound"),
        Index("ix_subject_posts_copies", "subject_id", "copy_key", "created_at"),
    )

    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    label: Mapped[str | None] = mapped_column(String(8))
    compound: Mapped[float | None] = mapped_column(Float)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    copy_key: Mapped[int | None] = mapped_column(BigInteger)


class PollSnapshot(Base):
    __tablename__ = "poll_snapshots"
    __table_args__ = (UniqueConstraint("subject_id", "taken_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_status: Mapped[str] = mapped_column(String(8))
    labels: Mapped[list[str]] = mapped_column(JSON)
    votes: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(BigInteger)


class Cursor(Base):
    """Where a stream stands. ``since_id`` is the high-water mark of completed passes; while a
    pass is in flight (pages come newest first) ``pass_newest_id`` is what ``since_id`` becomes
    when it completes and ``pass_until_id`` the oldest id stored so far (resume below it).
    ``pass_started_at`` is when the pass in flight began and ``complete_through`` when the
    last finished one did (platform clock): every post created before it is stored."""

    __tablename__ = "cursors"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    since_id: Mapped[int | None] = mapped_column(BigInteger)
    pass_newest_id: Mapped[int | None] = mapped_column(BigInteger)
    pass_until_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pass_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complete_through: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SummaryRow(Base):
    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("subject_id", "window_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    # waiting (for collection to pass the window's end; no parts yet), pending, posted,
    # dry_run, failed
    state: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(SafeText)
    chart_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # The window's counts as composed (``summaries --json`` ``counts``), and how far the
    # subject's collection was complete then (platform clock).
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    collected_through: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SummaryPart(Base):
    __tablename__ = "summary_parts"

    summary_id: Mapped[int] = mapped_column(
        ForeignKey("summaries.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(SafeText)
    post_id: Mapped[str | None] = mapped_column(String(64))


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(16))  # schedule, cli, mention, startup
    subject: Mapped[str | None] = mapped_column(String(128))
    holder: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8))  # running, ok, failed, skipped
    items: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(SafeText)


class JobLease(Base):
    __tablename__ = "job_leases"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    host: Mapped[str | None] = mapped_column(String(128))
    pid: Mapped[int | None] = mapped_column(Integer)
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiUsage(Base):
    """Requests and posts read per month, platform and endpoint (X's pay-per-use accounting
    and read cap; Mastodon's requests, which cost nothing)."""

    __tablename__ = "api_usage"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-11
    platform: Mapped[str] = mapped_column(
        String(16), primary_key=True, default="x", server_default="x"
    )
    endpoint: Mapped[str] = mapped_column(String(32), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    posts_read: Mapped[int] = mapped_column(BigInteger, default=0)
    # the estimated bill at X's pay-per-use prices, in mills (tenths of a US cent): exact sums
    usd_mills: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class BilledRead(Base):
    """A post or user billed today: X bills the same one read twice in a UTC day once. Rows of
    days before the current one are deleted as the day turns."""

    __tablename__ = "billed_reads"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # 2026-11-19 (UTC)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # post | user
    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class Heartbeat(Base):
    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)  # "daemon"
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MentionRow(Base):
    """A mention of the bot on a platform, handled once across restarts."""

    __tablename__ = "mentions"

    platform: Mapped[str] = mapped_column(
        String(16), primary_key=True, default="x", server_default="x"
    )
    post_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    author_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(SafeText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    command: Mapped[str | None] = mapped_column(String(32))
    # pending, replied, failed, ignored (not an operator's command), expired (too old when a
    # new store first read it), dry_run (answer logged, not posted)
    state: Mapped[str] = mapped_column(String(12))
    reply_text: Mapped[str | None] = mapped_column(SafeText)
    reply_id: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(SafeText)
    # When a reply was about to be posted (platform clock): after a crash, only a mention
    # with this set may have been answered already, and only since then.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Event(Base):
    """Things an operator should see in ``status``: a job stopping for the budget, say."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    job: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(SafeText)


class Operator(Base):
    """An operator's username resolved to the platform's user id, once: a renamed operator is
    still obeyed, and a look-alike who takes the old name later is not. ``user_id`` is None
    while no such user exists; ``resolved_at`` is when it was looked up (platform clock)."""

    __tablename__ = "operators"

    platform: Mapped[str] = mapped_column(
        String(16), primary_key=True, default="x", server_default="x"
    )
    username: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)

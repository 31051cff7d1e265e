"""Tracked subjects: accounts and polls, as one record type (``Subject``) and the named
operations that change them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SubjectRow
from storage.rows import update_row

Kind = Literal["account", "poll"]
KINDS: tuple[Kind, ...] = ("account", "poll")


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


# What a stored subject carries over from its row, beyond kind and key.
_STORED = (
    "id", "platform_id", "display", "source", "added_at",
    "created_at", "poll_ends_at", "closed_at", "conversation_closed_at", "failure", "failed_at",
    "collected_at", "named_at", "collected_through",
)  # fmt: skip


def _subject(row: SubjectRow) -> Subject:
    kind: Kind = "account" if row.kind == "account" else "poll"
    return Subject(kind, row.key, row.platform, **{name: getattr(row, name) for name in _STORED})


def _row(session: Session, kind: str, key: str, platform: str) -> SubjectRow | None:
    query = select(SubjectRow).where(
        SubjectRow.platform == platform, SubjectRow.kind == kind, SubjectRow.key == key
    )
    return session.scalar(query)


def get_subject(
    session: Session, kind: str, key: str, *, platform: str = "x", active_only: bool = False
) -> Subject | None:
    row = _row(session, kind, key, platform)
    if row is None or (active_only and not row.active):
        return None
    return _subject(row)


def subject_by_id(session: Session, subject_id: int) -> Subject | None:
    row = session.get(SubjectRow, subject_id)
    return _subject(row) if row is not None else None


def add_subject(
    session: Session,
    *,
    kind: Kind,
    key: str,
    now: datetime,
    platform: str = "x",
    display: str | None = None,
    source: str = "cli",
    parent_id: int | None = None,
) -> tuple[Subject, bool]:
    """Track a subject on ``platform`` (or re-activate it). Returns it and whether anything
    changed. An account is shown as ``@key`` until its user is looked up; a poll's post id
    is its key."""
    found = _row(session, kind, key, platform)
    if found is not None:
        if found.active:
            return _subject(found), False
        found.active = True
        found.source = source
        return _subject(found), True
    row = SubjectRow(
        platform=platform,
        kind=kind,
        key=key,
        display=display if display is not None else (f"@{key}" if kind == "account" else None),
        source=source,
        platform_id=key if kind == "poll" else None,
        parent_id=parent_id,
        added_at=now,
        active=True,
    )
    session.add(row)
    session.flush()
    return _subject(row), True


def deactivate_subject(session: Session, kind: str, key: str, *, platform: str = "x") -> bool:
    """Stop following; what was collected stays. False when it was not tracked."""
    found = _row(session, kind, key, platform)
    if found is None or not found.active:
        return False
    found.active = False
    return True


def list_subjects(
    session: Session,
    *,
    active_only: bool = True,
    kinds: Sequence[str] = KINDS,
    platforms: Sequence[str] | None = None,
) -> list[Subject]:
    """The subjects of ``kinds`` on ``platforms`` (all when None)."""
    query = select(SubjectRow).where(SubjectRow.kind.in_(kinds))
    if platforms is not None:
        query = query.where(SubjectRow.platform.in_(platforms))
    if active_only:
        query = query.where(SubjectRow.active.is_(True))
    order = (SubjectRow.kind, SubjectRow.added_at, SubjectRow.id)
    return [_subject(row) for row in session.scalars(query.order_by(*order))]


def set_account_user(
    session: Session, subject_id: int, *, user_id: str, username: str, at: datetime | None = None
) -> None:
    """The account's user, looked up (at ``at``): its id, and its name as the platform spells
    it now (an account is followed by its id: a rename changes only this name)."""
    update_row(
        session, SubjectRow, subject_id, platform_id=user_id, display=f"@{username}", named_at=at
    )


def describe_poll(
    session: Session,
    subject_id: int,
    *,
    text: str,
    created_at: datetime,
    poll_id: str | None = None,
    ends_at: datetime | None = None,
) -> None:
    """What the poll's post says: its text, its time, and the poll it carries (if any)."""
    ends_at = ends_at if poll_id is not None else None
    update_row(session, SubjectRow, subject_id, display=text, created_at=created_at,
               poll_id=poll_id, poll_ends_at=ends_at)  # fmt: skip


def close_poll(session: Session, subject_id: int, *, at: datetime) -> None:
    """The poll's voting closed: its final snapshot is stored, no more are taken."""
    update_row(session, SubjectRow, subject_id, closed_at=at)


def close_conversation(session: Session, subject_id: int, *, at: datetime) -> None:
    """The poll's conversation left the search window: its replies are collected for good."""
    update_row(session, SubjectRow, subject_id, conversation_closed_at=at)


def subject_failed(session: Session, subject_id: int, *, reason: str, at: datetime) -> None:
    """Its collection failed (and was skipped): why, for ``track list`` and ``status``."""
    update_row(session, SubjectRow, subject_id, failure=reason, failed_at=at)


def subject_collected(
    session: Session, subject_id: int, *, at: datetime, through: datetime | None = None
) -> None:
    """Its collection went through at ``at``: any failure before is forgotten. ``through``:
    every reply created before it is now stored (it never moves back)."""
    row = session.get(SubjectRow, subject_id)
    if row is not None:
        row.collected_at, row.failure, row.failed_at = at, None, None
        if through is not None and (
            row.collected_through is None or through > row.collected_through
        ):
            row.collected_through = through

"""Tracked subjects: accounts and polls, as one record type (``Subject``) and the named
operations that change them; ``Subject`` and ``list_subjects`` live in ``storage.reads`` (the
direct read path needs them without SQLAlchemy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import SubjectRow
from storage.reads import KINDS as KINDS
from storage.reads import SUBJECT_FIELDS, Subject, subject_kind
from storage.reads import Kind as Kind
from storage.reads import list_subjects as list_subjects
from storage.rows import update_row


def _subject(row: SubjectRow) -> Subject:
    stored = {name: getattr(row, name) for name in SUBJECT_FIELDS}
    return Subject(subject_kind(row.kind), row.key, row.platform, **stored)


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

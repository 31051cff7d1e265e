"""Tracked subjects: accounts and polls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Subject


def get_subject(session: Session, kind: str, key: str) -> Subject | None:
    return session.scalar(select(Subject).where(Subject.kind == kind, Subject.key == key))


def add_subject(
    session: Session,
    *,
    kind: str,
    key: str,
    now: datetime,
    display: str | None = None,
    source: str = "cli",
    platform_id: int | None = None,
    parent_id: int | None = None,
) -> tuple[Subject, bool]:
    """Track a subject (or re-activate it). Returns it and whether anything changed."""
    found = get_subject(session, kind, key)
    if found is not None:
        if found.active:
            return found, False
        found.active = True
        found.source = source
        return found, True
    subject = Subject(
        kind=kind,
        key=key,
        display=display,
        source=source,
        platform_id=platform_id,
        parent_id=parent_id,
        added_at=now,
        active=True,
    )
    session.add(subject)
    session.flush()
    return subject, True


def deactivate_subject(session: Session, kind: str, key: str) -> Subject | None:
    """Stop following; what was collected stays. Returns None when it was not tracked."""
    found = get_subject(session, kind, key)
    if found is None or not found.active:
        return None
    found.active = False
    return found


def list_subjects(
    session: Session, *, active_only: bool = True, kinds: Sequence[str] = ("account", "poll")
) -> list[Subject]:
    q = select(Subject).where(Subject.kind.in_(kinds))
    if active_only:
        q = q.where(Subject.active.is_(True))
    return list(session.scalars(q.order_by(Subject.kind, Subject.added_at, Subject.id)))

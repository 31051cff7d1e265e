"""Events an operator should see in ``status``: a job stopping for the budget, a poll gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Event


def add_event(
    session: Session, *, at: datetime, kind: str, message: str, job: str | None = None
) -> None:
    session.add(Event(at=at, kind=kind, job=job, message=message))


def recent_events(session: Session, *, limit: int = 10) -> list[Event]:
    query = select(Event).order_by(Event.at.desc(), Event.id.desc()).limit(limit)
    return list(session.scalars(query))

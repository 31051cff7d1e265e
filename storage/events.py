"""Events an operator should see in ``status``: a job stopping for the budget, a poll gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import Event
from storage.reads import recent_events as recent_events


def add_event(
    session: Session, *, at: datetime, kind: str, message: str, job: str | None = None
) -> None:
    session.add(Event(at=at, kind=kind, job=job, message=message))

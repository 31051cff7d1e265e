"""Operators' usernames resolved to user ids, once: a renamed operator is still obeyed, and
a look-alike who takes the old name later is not. A name with no user behind it is kept too,
with when it was looked up, so it is not looked up again at every run."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Operator


def resolved_operators(session: Session, usernames: Iterable[str]) -> dict[str, int]:
    """The user id of each of ``usernames`` already resolved."""
    query = select(Operator).where(Operator.username.in_(list(usernames)))
    return {o.username: o.user_id for o in session.scalars(query) if o.user_id is not None}


def missing_operators(session: Session, usernames: Iterable[str]) -> dict[str, datetime]:
    """Of ``usernames``, those looked up and not found, with when that was."""
    query = select(Operator).where(
        Operator.username.in_(list(usernames)), Operator.user_id.is_(None)
    )
    return {o.username: o.resolved_at for o in session.scalars(query)}


def add_operator(session: Session, *, username: str, user_id: int | None, at: datetime) -> None:
    """Keep a looked-up operator: its id (one resolved before keeps its first id), or None
    when no such user exists (then only the time of the lookup moves)."""
    row = session.get(Operator, username)
    if row is None:
        session.add(Operator(username=username, user_id=user_id, resolved_at=at))
    elif row.user_id is None:
        row.user_id, row.resolved_at = user_id, at

"""Operators' usernames resolved to user ids, once: a renamed operator is still obeyed, and
a look-alike who takes the old name later is not."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Operator


def resolved_operators(session: Session, usernames: Iterable[str]) -> dict[str, int]:
    """The user id of each of ``usernames`` already resolved."""
    query = select(Operator).where(Operator.username.in_(list(usernames)))
    return {o.username: o.user_id for o in session.scalars(query)}


def add_operator(session: Session, *, username: str, user_id: int, at: datetime) -> None:
    """Keep a resolved operator; one resolved before keeps its first id."""
    if session.get(Operator, username) is None:
        session.add(Operator(username=username, user_id=user_id, resolved_at=at))

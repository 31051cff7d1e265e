"""Operators' usernames resolved to user ids, once: a renamed operator is still obeyed, and
a look-alike who takes the old name later is not. A name with no user behind it is kept too,
with when it was looked up, so it is not looked up again at every run."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Operator


def resolved_operators(
    session: Session, usernames: Iterable[str], *, platform: str = "x"
) -> dict[str, str]:
    """The user id of each of ``usernames`` (on ``platform``) already resolved."""
    query = select(Operator).where(
        Operator.platform == platform, Operator.username.in_(list(usernames))
    )
    return {o.username: o.user_id for o in session.scalars(query) if o.user_id is not None}


def missing_operators(
    session: Session, usernames: Iterable[str], *, platform: str = "x"
) -> dict[str, datetime]:
    """Of ``usernames`` (on ``platform``), those looked up and not found, with when."""
    query = select(Operator).where(
        Operator.platform == platform,
        Operator.username.in_(list(usernames)),
        Operator.user_id.is_(None),
    )
    return {o.username: o.resolved_at for o in session.scalars(query)}


def add_operator(
    session: Session, *, username: str, user_id: str | None, at: datetime, platform: str = "x"
) -> None:
    """Keep a looked-up operator: its id (one resolved before keeps its first id), or None
    when no such user exists (then only the time of the lookup moves)."""
    row = session.get(Operator, (platform, username))
    if row is None:
        session.add(Operator(platform=platform, username=username, user_id=user_id, resolved_at=at))
    elif row.user_id is None:
        row.user_id, row.resolved_at = user_id, at

"""The one dialect switch: ``INSERT ... ON CONFLICT`` as each database spells it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, model: Any) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"no idempotent insert for dialect {dialect}")


_UPSERTS: dict[tuple[str, str], Any] = {}


def upsert_for(
    session: Session,
    model: Any,
    *,
    key: Sequence[str],
    updates: Callable[[postgresql.Insert | sqlite.Insert], dict[str, Any]],
) -> Any:
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET updates(insert)``, built once per dialect
    and model: upserts that run with every page stored (cursors, usage) cost more to build
    anew than to execute."""
    dialect = session.get_bind().dialect.name
    stmt = _UPSERTS.get((dialect, model.__tablename__))
    if stmt is None:
        insert = insert_for(session, model)
        stmt = insert.on_conflict_do_update(index_elements=list(key), set_=updates(insert))
        _UPSERTS[(dialect, model.__tablename__)] = stmt
    return stmt

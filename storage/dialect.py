"""The one dialect switch: ``INSERT ... ON CONFLICT`` as each database spells it.

Each is taken from the dialect the session's engine uses, which the engine has loaded:
nothing here loads PostgreSQL's dialect (a tenth of a second of imports) for a SQLite
store, or SQLite's for a PostgreSQL one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

_UPSERT_DIALECTS = ("postgresql", "sqlite")


def insert_for(session: Session, model: Any) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERT_DIALECTS:
        raise NotImplementedError(f"no idempotent insert for dialect {dialect}")
    insert: postgresql.Insert | sqlite.Insert = import_module(
        f"sqlalchemy.dialects.{dialect}"
    ).insert(model)
    return insert


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

"""SQL text run on whatever holds the connection: the reads that ``status`` and ``track list``
make (``storage.reads``) run through a ``Rows`` (execute SQL text with parameters, give back
tuples of raw driver values), which both a SQLAlchemy session (``SessionRows``) and a plain
DBAPI connection opened without SQLAlchemy (``storage.direct``) are. Written once, they answer
the same on either, and this module (which imports no SQLAlchemy) is where what differs
between drivers is made the same:

- parameters are written ``?`` in the SQL text, and become ``%s`` for psycopg (``sql_for``);
  an aware datetime parameter is bound as each dialect stores it (``param``): on SQLite the
  naive UTC text SQLAlchemy's ``DateTime`` writes (``2022-11-19 00:00:00.000000``, compared as
  text, so it must be the same form), on PostgreSQL as it is;
- a raw datetime value becomes an aware UTC datetime as ``storage.models.UTCDateTime`` gives
  it (``utc``): SQLite hands back that naive text, PostgreSQL a datetime.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a type only: the direct read path imports no SQLAlchemy
    from sqlalchemy.orm import Session

Row = tuple[Any, ...]
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DATETIME storage format


class Rows(ABC):
    """Runs SQL text (parameters written ``?``) and returns its rows, values as the driver
    gives them (convert with ``utc``)."""

    dialect: str  # "sqlite" or "postgresql"

    def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return self._execute(
            sql_for(sql, self.dialect), tuple(param(p, self.dialect) for p in params)
        )

    @abstractmethod
    def _execute(self, sql: str, params: tuple[object, ...]) -> list[Row]:
        """The driver's own SQL text and parameters, run; its rows as tuples."""


class SessionRows(Rows):
    """A SQLAlchemy session's transaction as ``Rows``: its connection runs the SQL text as
    the driver's (``exec_driver_sql``), after the session's pending changes are flushed, as
    its own queries would (autoflush)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    def _execute(self, sql: str, params: tuple[object, ...]) -> list[Row]:
        self.session.flush()
        result = self.session.connection().exec_driver_sql(sql, params)
        return [tuple(row) for row in result]


def rows_of(source: Session | Rows) -> Rows:
    """``source`` as ``Rows``: a session is wrapped, a ``Rows`` is itself."""
    return source if isinstance(source, Rows) else SessionRows(source)


def sql_for(sql: str, dialect: str) -> str:
    """SQL text written with ``?`` parameters in the driver's own style: SQLite's qmark as it
    is, psycopg's ``%s`` (our SQL text holds no other ``?`` and no ``%``)."""
    if dialect == "sqlite":
        return sql
    if "%" in sql:
        raise ValueError("SQL text for storage.raw must not contain '%'")
    return sql.replace("?", "%s")


def marks(count: int) -> str:
    """``?, ?, ?``: the parameters of an ``IN (...)`` of ``count`` values."""
    return ", ".join("?" * count)


def param(value: object, dialect: str) -> object:
    """A parameter as the dialect stores it: an aware datetime as UTC, on SQLite as the naive
    text SQLAlchemy writes (``UTCDateTime``); anything else as it is."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.strftime(_SQLITE_DATETIME) if dialect == "sqlite" else value
    return value


def utc(value: object) -> datetime | None:
    """A stored datetime as an aware UTC datetime (what ``UTCDateTime`` gives): SQLite's naive
    ISO text, or a driver's datetime (naive: UTC; aware: converted)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a stored datetime: {type(value).__name__}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_required(value: object) -> datetime:
    """``utc`` of a column that is never NULL."""
    found = utc(value)
    if found is None:
        raise ValueError("a NULL where the schema has a datetime")
    return found

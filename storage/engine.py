"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout, and its write
transactions start with ``BEGIN IMMEDIATE`` so two writers queue instead of failing with
``database is locked`` half-way; PostgreSQL goes through the same code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseFailed, DatabaseLost, DatabaseUnavailable, DatabaseURLInvalid
from storage.jsontext import json_text
from storage.posts import page_table_ddl

# The transaction ``Database.write()`` and ``read()`` hand out. Jobs pass it to storage's
# named operations and never query through it themselves.
Tx = Session

BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "pollbot_immediate"


def redact_url(url: str | URL) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", str(url))


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLInvalid(f"not a database URL: {redact_url(url)!r}") from exc
    try:
        parsed.get_dialect()
    except NoSuchModuleError as exc:
        raise DatabaseURLInvalid(f"unknown database driver in {redact_url(url)!r}") from exc
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise DatabaseURLInvalid(
            f"bad port in {redact_url(url)!r}: expected 1-65535", reason="the port is not 1-65535"
        )
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise DatabaseURLInvalid(
            f"unsupported database {parsed.get_backend_name()!r} in {redact_url(url)!r}: "
            "use sqlite:///FILE or postgresql+psycopg://..."
        )
    return parsed


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(
                parsed,
                connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
                json_serializer=json_text,
                **kwargs,
            )
            _configure_sqlite(engine)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, json_serializer=json_text, **kwargs)
            _configure_postgresql(engine)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseURLInvalid(
            f"no driver for {redact_url(url)!r}: install pollbot[postgres] for PostgreSQL"
        ) from exc
    return engine


def _configure_postgresql(engine: Engine) -> None:
    ddl = page_table_ddl(engine.dialect)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # The table each page is staged in (``storage.posts``), made once per connection, in
        # a transaction of its own: made inside a page's, it would go with a rollback.
        with dbapi_conn.cursor() as cur:
            cur.execute(ddl)
        dbapi_conn.commit()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, start transactions (SQLAlchemy's
        # documented pysqlite recipe), so we can choose BEGIN IMMEDIATE for writers.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine plus two kinds of session: ``read()`` and ``write()``."""

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.dialect = self.engine.dialect.name
        self._reads = sessionmaker(self.engine, expire_on_commit=False)
        writer = (
            self.engine.execution_options(**{_IMMEDIATE: True})
            if self.dialect == "sqlite"
            else self.engine
        )
        self._writes = sessionmaker(writer, expire_on_commit=False)
        self._reached = False  # once a session worked, losing the database is an outage

    @property
    def safe_url(self) -> str:
        return redact_url(self.url)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        # Closing (not rolling back) ends the transaction and leaves loaded objects readable.
        with self._translate("reading"), self._reads() as session:
            yield session
        self._reached = True

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Tx]:
        """One transaction: committed when the block ends, rolled back if it raises.

        ``durable=False``: a transaction whose loss in a database crash right after its
        commit costs nothing but doing it again (a collected page and its cursor: fetched
        again). On PostgreSQL its commit then does not wait for the WAL to reach the disk
        (``synchronous_commit`` off for it alone; a crash loses a suffix of such commits,
        whole, never one half of one); SQLite's WAL at ``synchronous=NORMAL`` already
        commits so, for every transaction."""
        with self._translate("writing"), self._writes() as session, session.begin():
            if not durable and self.dialect == "postgresql":
                session.connection().exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield session
        self._reached = True

    @contextmanager
    def _translate(self, doing: str) -> Iterator[None]:
        """SQLAlchemy's errors as ``storage.errors``, each one line naming what failed and
        why, never the SQL text or its parameters (they may hold anything a user typed).

        A database that cannot be reached before it ever was is ``DatabaseUnavailable``
        (a bad URL, a server that is not there: a configuration problem); once reached, its
        going away is ``DatabaseLost`` (an outage, to wait out)."""
        try:
            yield
        except OperationalError as exc:
            if _is_connect_error(exc) and not self._reached:
                raise DatabaseUnavailable(
                    f"cannot open database {self.safe_url}: {_first_line(exc.orig)}"
                ) from exc
            raise DatabaseLost(self._says("database unavailable", doing, exc)) from exc
        except DatabaseError as exc:
            if "file is not a database" in str(exc.orig):
                raise DatabaseUnavailable(
                    f"cannot open database {self.safe_url}: not a database (the file is not SQLite)"
                ) from exc
            if exc.connection_invalidated:
                raise DatabaseLost(self._says("database unavailable", doing, exc)) from exc
            raise DatabaseFailed(self._says("database error", doing, exc)) from exc
        except DBAPIError as exc:  # InterfaceError: the driver's connection is unusable
            raise DatabaseLost(self._says("database unavailable", doing, exc)) from exc

    def _says(self, what: str, doing: str, exc: DBAPIError) -> str:
        where = "from" if doing == "reading" else "to"
        return f"{what}: {doing} {where} {self.safe_url} failed: {_first_line(exc.orig)}"

    def check(self) -> None:
        """Connect once, raising DatabaseUnavailable with one clear line if that fails."""
        with self._translate("connecting"), self.engine.connect():
            pass
        self._reached = True

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException | None) -> str:
    text = str(exc or "").strip().splitlines()
    return text[0] if text else type(exc).__name__


def _is_connect_error(exc: OperationalError) -> bool:
    msg = str(exc.orig).lower()
    return any(
        s in msg
        for s in (
            "unable to open database",
            "connection refused",
            "could not connect",
            "connection failed",
            "does not exist",
            "could not translate host",
            "name or service not known",
            "authentication failed",
        )
    )

"""The store read without SQLAlchemy: a plain DBAPI connection (``sqlite3``, or ``psycopg``)
for the commands that only read it (``status``, ``track list``), which then start in a
fraction of the time SQLAlchemy's import takes. Their reads (``storage.reads``) are the same
functions the SQLAlchemy path runs, over ``storage.raw.Rows``.

``open_direct`` serves only a store it can read as it is, and otherwise returns None, and
then the command takes the SQLAlchemy path (``storage.engine``) unchanged: that one checks
the URL, connects, migrates, and reports every error with its own message and exit code. So
None is the answer to anything unusual: a URL of another form than the ones below, a SQLite
file that is not there, a server that cannot be reached, a schema that is empty or not at the
newest revision (``storage.revision``). A read that fails once served raises
``DirectReadFailed``, and the command starts over on the SQLAlchemy path. Nothing here ever
shows the URL or a driver's message: no password can leak from it.

URLs served, as SQLAlchemy reads them (``sqlalchemy.engine.make_url``):
``sqlite:///relative/path``, ``sqlite:////absolute/path`` (and ``sqlite+pysqlite:``), with no
query; ``postgresql+psycopg://user:password@host:port/db?key=value&...`` (one host; the
query's keys passed to ``psycopg.connect`` as SQLAlchemy passes them, such as the tests'
``options=-csearch_path=SCHEMA``).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from storage.errors import DirectReadFailed
from storage.raw import Row, Rows
from storage.revision import newest_revision

# SQLAlchemy's own URL pattern (sqlalchemy/engine/url.py, _parse_url), whole-string.
_URL = re.compile(
    r"""
    (?P<name>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.X,
)
_SQLITE = ("sqlite", "sqlite+pysqlite")
_PSYCOPG = "postgresql+psycopg"
_BUSY_TIMEOUT_S = 30.0  # as storage.engine's SQLite connections wait for a writer


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL; None for any other URL, or a SQLite one that is
    not a plain file (in memory, a ``file:`` URI, a query)."""
    m = _URL.fullmatch(url)
    if m is None or m["name"] not in _SQLITE or m["query"] is not None:
        return None
    if m["username"] is not None or m["ipv4host"] or m["ipv6host"] or m["port"] is not None:
        return None
    database = unquote(m["database"] or "")
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def psycopg_args(url: str) -> dict[str, Any] | None:
    """``psycopg.connect``'s keyword arguments for a ``postgresql+psycopg://`` URL, as
    SQLAlchemy's psycopg dialect makes them; None for any other URL, or one with several
    hosts, a bad port or a repeated query key (the SQLAlchemy path judges those)."""
    m = _URL.fullmatch(url)
    if m is None or m["name"] != _PSYCOPG:
        return None
    args: dict[str, Any] = {}
    host = m["ipv4host"] or m["ipv6host"]
    if host:
        if "," in host:
            return None
        args["host"] = host
    if m["port"]:
        if not m["port"].isdigit() or not 1 <= int(m["port"]) <= 65535:
            return None
        args["port"] = int(m["port"])
    elif m["port"] is not None:
        return None
    for key, name in (("username", "user"), ("password", "password"), ("database", "dbname")):
        if m[key]:
            args[name] = unquote(m[key])
    if m["query"] is not None:
        pairs = parse_qsl(m["query"])
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys) or set(keys) & set(args):
            return None
        args.update(pairs)
    return args


class DirectStore(Rows):
    """One DBAPI connection to a store whose schema is current, read in one transaction (a
    ``storage.reads.Store``: ``read()`` gives itself). Close it (or use it in a ``with``)."""

    def __init__(self, conn: Any, dialect: str, errors: type[Exception]) -> None:
        self._conn = conn
        self.dialect = dialect
        self._errors = errors

    @contextmanager
    def read(self) -> Iterator[DirectStore]:
        """One transaction, as ``Database.read()`` gives a session: on SQLite one snapshot
        for all the reads; on PostgreSQL, as there, each statement its own."""
        if self.dialect == "sqlite":
            self.fetch("BEGIN")
        try:
            yield self
        finally:
            with suppress(self._errors):  # nothing was written: nothing to lose
                self._conn.rollback()  # sqlite3's ends the BEGIN above, if still open

    def _execute(self, sql: str, params: tuple[object, ...]) -> list[Row]:
        try:
            cur = self._conn.cursor()
            try:
                cur.execute(sql, params)
                return [tuple(row) for row in cur.fetchall()]
            finally:
                cur.close()
        except self._errors as exc:
            raise DirectReadFailed(type(exc).__name__) from None  # never the driver's text

    def close(self) -> None:
        with suppress(self._errors):
            self._conn.close()

    def __enter__(self) -> DirectStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_direct(url: str) -> DirectStore | None:
    """The store at ``url`` on a plain DBAPI connection, its schema checked current; None
    whenever it cannot be served so (see the module's doc): the caller then opens it with
    SQLAlchemy, which says what is wrong, or migrates."""
    path = sqlite_path(url)
    if path is not None:
        return _current(_open_sqlite(path))
    args = psycopg_args(url)
    if args is not None:
        return _current(_open_psycopg(args))
    return None


def _open_sqlite(path: Path) -> DirectStore | None:
    if not path.is_file():
        return None  # SQLAlchemy's path makes it (or says why it cannot)
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return None
    conn.isolation_level = None  # transactions begun by read(), as storage.engine's are
    return DirectStore(conn, "sqlite", sqlite3.Error)


def _open_psycopg(args: dict[str, Any]) -> DirectStore | None:
    try:
        # Imported here, for start-up time: a SQLite store never pays psycopg's own import
        # (a fifth of a second); without the optional driver the SQLAlchemy path says so.
        import psycopg
    except ImportError:
        return None
    errors: type[Exception] = psycopg.Error
    try:
        conn = psycopg.connect(**args)
        conn.read_only = True
    except errors:
        return None
    return DirectStore(conn, "postgresql", errors)


def _current(store: DirectStore | None) -> DirectStore | None:
    """``store`` when its schema is at the newest revision; else closed, and None."""
    if store is None:
        return None
    try:
        found = store.fetch("SELECT version_num FROM alembic_version")
    except DirectReadFailed:  # no such table: an empty store, made on the SQLAlchemy path
        found = []
    if found != [(newest_revision(),)]:
        store.close()
        return None
    return store

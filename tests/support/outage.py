"""A database that goes away and comes back, for tests, without touching the machine's
PostgreSQL service or anyone else's data.

- ``TcpProxy``: a threaded TCP forwarder on 127.0.0.1 in front of PostgreSQL. ``cut()``
  drops every connection through it and refuses new ones (accepted, then closed at once: the
  client sees the server close the connection); ``restore()`` forwards again.
- ``SqliteFault``: SQLite has no server to lose and an open file stays readable even when it
  is moved or made unreadable (and tests run as root), so a lost disk is simulated where the
  driver stands: while cut, every statement of the engine raises the driver's own
  ``sqlite3.OperationalError('disk I/O error')``, which SQLAlchemy wraps as it would a real one.
- ``Outage``: either of them behind one ``cut()``/``restore()``, and the URL to hand to pollbot.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``target``, until cut."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            conns, self._open = self._open, set()
        for conn in conns:
            _close(conn)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        _close(self._server)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                cut = self._cut
            if cut:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                _close(s)
            with self._lock:
                self._open.difference_update((src, dst))


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class SqliteFault:
    """While cut, every statement ``engine`` runs fails as a failing disk would make it."""

    def __init__(self) -> None:
        self.cut_now = False

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, *_args: Any, **_kwargs: Any) -> None:
        if self.cut_now:
            raise sqlite3.OperationalError("disk I/O error")


class Outage:
    """A database pollbot reaches at ``url`` that the test can ``cut()`` and ``restore()``.

    For PostgreSQL ``url`` goes through a ``TcpProxy`` (any process may use it); for SQLite
    the fault lives in this process: ``attach`` it to the engine pollbot uses."""

    def __init__(self, db_url: str) -> None:
        parsed = make_url(db_url)
        self.db_url = db_url  # the database itself, not through the outage
        self.proxy: TcpProxy | None = None
        self.sqlite: SqliteFault | None = None
        if parsed.get_backend_name() == "postgresql":
            self.proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
            self.url = parsed.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
                hide_password=False
            )
        else:
            self.sqlite = SqliteFault()
            self.url = db_url

    def attach(self, engine: Engine) -> None:
        if self.sqlite is not None:
            self.sqlite.attach(engine)

    def cut(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()
        if self.sqlite is not None:
            self.sqlite.cut_now = True

    def restore(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        if self.sqlite is not None:
            self.sqlite.cut_now = False

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.close()


@contextlib.contextmanager
def outage_for(db_url: str) -> Iterator[Outage]:
    outage = Outage(db_url)
    try:
        yield outage
    finally:
        outage.close()

"""``pollbot jobs run collect`` that SIGKILLs itself at a chosen commit.

    python -m tests.support.programs.crash_collect EVENT N [PHASE]

registers a SQLAlchemy listener that SIGKILLs the process at the Nth EVENT (counting only
those of transactions doing PHASE, when given), then runs ``pollbot jobs run collect``.
EVENT is a Session event (before_commit: the page's rows are written but not committed;
after_flush: the cursor row is flushed too, or written by storage's Core upsert of it;
after_commit: the page is durable),
"engine_commit" (the Engine's commit event: right before the DBAPI COMMIT), or "none". What a
transaction does is told by the rows it writes through the ORM (see ``note`` and
``phase_of``; storage writes a cursor by a Core upsert, noted by ``Killer.executed``), so no
production code knows about any of this; before dying the process
writes one line to stderr, ``KILL_MARK`` and where it died.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

KILL_MARK = "CRASH-HELPER killed at "


def note(session: Session) -> None:
    """What the transaction writes through the ORM, gathered as it goes: a flush turns rows
    clean, and the session forgets clean rows nobody references any more."""
    wrote = session.info.setdefault("crash_helper", {})
    for row in [*session.new, *session.dirty]:
        kind = type(row).__name__
        wrote[kind] = (row.name, row.pass_until_id is None) if kind == "Cursor" else True


def phase_of(session: Session) -> str:
    """The cursor a transaction moves (and whether that ends its pass), the lease it takes,
    the subject it updates; with no ORM row, the plain UPDATEs that renew a lease or close a
    run (usage, run record, lease release)."""
    wrote = {**session.info.get("crash_helper", {}), **_CORE.__dict__}
    if "Cursor" in wrote:
        name, end = wrote["Cursor"]
        return ("pass end " if end else "mid-pass page ") + name
    if "JobLease" in wrote:
        return "take lease"
    if "SubjectRow" in wrote:
        return "update subject"
    if threading.current_thread().name.startswith("lease-"):
        return "renew lease"
    return "close run"


# The cursor this thread's transaction wrote by a Core statement (``Cursor``: name, pass end).
_CORE = threading.local()


class Killer:
    """Counts EVENT in PHASE transactions and SIGKILLs the process at the Nth."""

    def __init__(self, event_name: str, nth: int, phase: str) -> None:
        self.event, self.nth, self.phase = event_name, nth, phase
        self.seen = 0
        self.local = threading.local()  # this thread's session transaction, for the engine's commit

    def stash(self, session: Session, *args: Any) -> None:
        note(session)
        self.local.phase = phase_of(session)

    def hit(self, *args: Any) -> None:
        if self.event == "engine_commit":
            phase = getattr(self.local, "phase", "migrate")  # no session: Alembic's own commits
        else:
            phase = phase_of(args[0])
        if self.phase not in phase:
            return
        self.seen += 1
        if self.seen == self.nth:
            os.write(2, f"\n{KILL_MARK}{self.event} #{self.nth}: {phase}\n".encode())
            os.kill(os.getpid(), signal.SIGKILL)

    def executed(self, conn: Any, statement: Any, multiparams: Any, params: Any, *_: Any) -> None:
        """A Core INSERT into cursors (storage's upsert of a cursor): noted as the ORM row
        would be, and, as the ORM's flush of it was, an ``after_flush`` point."""
        table = getattr(statement, "table", None)
        if getattr(table, "name", None) != "cursors" or not statement.is_insert:
            return
        values = params or (multiparams[0] if multiparams else {})
        _CORE.Cursor = (values["name"], values["pass_until_id"] is None)
        session = _SESSIONS.get(threading.get_ident())
        if session is not None:
            self.stash(session)
            if self.event == "after_flush":
                self.hit(session)

    def listen(self) -> None:
        # Registered first, so they have noted the transaction when the killing listener runs.
        event.listen(Session, "after_begin", _track_session)
        event.listen(Engine, "after_execute", self.executed)
        event.listen(Session, "after_flush", self.stash)
        event.listen(Session, "before_commit", self.stash)
        if self.event == "engine_commit":
            event.listen(Engine, "commit", self.hit)
        elif self.event != "none":
            event.listen(Session, self.event, self.hit)
        # Last: a transaction's Core note ends with it.
        for ended in ("after_commit", "after_rollback", "after_soft_rollback"):
            event.listen(Session, ended, _forget)


_SESSIONS: dict[int, Session] = {}  # each thread's session in a transaction


def _track_session(session: Session, *_: Any) -> None:
    _SESSIONS[threading.get_ident()] = session


def _forget(session: Session, *_: Any) -> None:
    _CORE.__dict__.clear()
    _SESSIONS.pop(threading.get_ident(), None)


def main(argv: list[str]) -> None:
    killer = Killer(argv[0], int(argv[1]), argv[2] if len(argv) > 2 else "")
    killer.listen()
    # Imported after the listeners are in place, as the program always has.
    from bot.cli import main as pollbot

    pollbot(["jobs", "run", "collect"])


if __name__ == "__main__":
    main(sys.argv[1:])

"""The database a process works on: opened, reached once (one clear line when it cannot be),
and its schema brought to the newest revision. ``App.db`` opens it so for the jobs; the
commands that only read or change the store (``status``, ``track list``) open it through
here, without the App and the job machinery it wires."""

from __future__ import annotations

import logging

from storage.engine import Database
from storage.schema import ensure_current

log = logging.getLogger("pollbot")


def open_database(url: str, *, migrate: bool = True) -> Database:
    """The database at ``url``, connected once and, unless ``migrate`` is False, migrated to
    the newest schema (a current one costs a query; only one behind loads Alembic)."""
    db = Database(url)
    db.check()
    if migrate:
        before, after = ensure_current(db)
        if before != after:
            log.info("database schema upgraded from %s to %s", before or "empty", after)
    return db

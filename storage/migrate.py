"""Schema migrations (Alembic), run by ``pollbot db upgrade`` and at every start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import Database

_MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant shared by every pollbot process: serialises concurrent upgrades on PostgreSQL.
_PG_LOCK_KEY = 0x706F6C6C626F74


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, *, to: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision (or to revision ``to``); returns (before,
    after)."""
    cfg = _config()
    with db._translate("migrating"), db.engine.connect() as conn:
        sqlite = db.dialect == "sqlite"
        if sqlite:
            # SQLite alters a table by building a new one and dropping the old: with foreign
            # keys enforced, that drop would cascade to every row referring to the old table
            # (a subject's replies, a summary's parts). Off for the upgrade (it is a no-op
            # inside a transaction, hence before it), checked and back on after it.
            _pragma(conn, "foreign_keys=OFF")
        try:
            with conn.begin():
                if db.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                before = MigrationContext.configure(conn).get_current_revision()
                if before == (head_revision() if to == "head" else to):
                    return before, before
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, to)
                after = MigrationContext.configure(conn).get_current_revision()
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the upgrade left rows referring to rows that are gone")
        finally:
            if sqlite:
                _pragma(conn, "foreign_keys=ON")
    return before, after


def _pragma(conn: Connection, pragma: str) -> None:
    # On the driver's connection, outside any transaction (SQLAlchemy's would begin one).
    driver: Any = conn.connection.dbapi_connection
    driver.execute(f"PRAGMA {pragma}")

"""Schema migrations (Alembic), run by ``pollbot db upgrade`` and at every start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

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
    with db._translate("migrating"), db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        if before == (head_revision() if to == "head" else to):
            return before, before
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)
        after = MigrationContext.configure(conn).get_current_revision()
    return before, after

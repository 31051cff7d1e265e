"""Is the schema current? Answered without Alembic, which takes a third of a second to
import: every command asks at its start, and only a database behind the newest migration
loads Alembic (``storage.migrate``) to be upgraded.
"""

from __future__ import annotations

from sqlalchemy import text

from storage.engine import Database
from storage.revision import newest_revision


def stored_revision(db: Database) -> str | None:
    """The revision the database's schema is at (Alembic's own table); None when empty."""
    with db._translate("connecting"), db.engine.connect() as conn:
        if not conn.dialect.has_table(conn, "alembic_version"):
            return None
        found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(found) if found is not None else None


def ensure_current(db: Database) -> tuple[str | None, str | None]:
    """(before, after): the schema brought to the newest revision. A current schema costs
    one connection and a query; only one behind imports Alembic (the one import storage
    defers, as the start of every command pays for it otherwise)."""
    before = stored_revision(db)
    if before == newest_revision():
        return before, before
    from storage.migrate import upgrade

    return upgrade(db)

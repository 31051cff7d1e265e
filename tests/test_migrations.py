"""Upgrading a populated store: every row stored before an upgrade is there after it."""

from __future__ import annotations

from sqlalchemy import text

from storage.engine import Database
from storage.migrate import current_revision, head_revision, upgrade
from storage.schema import newest_revision

T = "2022-11-19 00:30:00"


def test_an_upgrade_from_the_first_schema_keeps_every_row(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert upgrade(db, to="0001") == (None, "0001")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO subjects (kind, key, display, source, added_at, active) "
                    "VALUES ('account', 'elonmusk', '@elonmusk', 'cli', :t, true)"
                ),
                {"t": T},
            )
            conn.execute(
                text(
                    "INSERT INTO mentions (post_id, author_id, text, created_at, state, reply_id) "
                    "VALUES (1593767953706921985, 1101, '@pollbot help', :t, 'replied', 42)"
                ),
                {"t": T},
            )
        assert upgrade(db) == ("0001", head_revision())
        assert current_revision(db) == head_revision()
        with db.engine.connect() as conn:
            subjects = conn.execute(
                text("SELECT kind, key, display, failure, failed_at FROM subjects")
            ).all()
            mentions = conn.execute(
                text("SELECT post_id, state, reply_id, attempted_at FROM mentions")
            ).all()
        assert [tuple(r) for r in subjects] == [("account", "elonmusk", "@elonmusk", None, None)]
        # Ids became strings (0005): exactly the ids X gave.
        assert [tuple(r) for r in mentions] == [("1593767953706921985", "replied", "42", None)]
    finally:
        db.dispose()


def test_newest_migration_file_is_alembics_head() -> None:
    # storage.schema tells a current schema without loading Alembic, from the file names.
    assert newest_revision() == head_revision()

"""The database of this invocation, for the commands that only read or change the store
(``status``, ``track list``, ``track poll``, ``untrack``): opened as ``App.db`` opens it
(``bot.database``), without the App, the platform clients or the jobs. ``status`` and
``track list`` come here only when the direct read path cannot serve them
(``bot.cli.reads``)."""

from __future__ import annotations

import click

from bot.cli.base import get_settings
from bot.config.database_url import check_database_url
from bot.database import open_database
from storage.engine import Database

_DATABASE = "pollbot.database"  # where get_db keeps it in the root context's meta


def get_db(ctx: click.Context) -> Database:
    """The database, opened once per invocation and migrated: the configuration read
    (``get_settings``) and its database URL checked first, as ``get_app`` does (not the
    cron: these commands have no schedule). Disposed of when the command ends."""
    root = ctx.find_root()
    if _DATABASE not in root.meta:
        settings = check_database_url(get_settings(ctx))
        db = open_database(settings.database_url)
        root.meta[_DATABASE] = db
        root.call_on_close(db.dispose)
    found = root.meta[_DATABASE]
    assert isinstance(found, Database)
    return found

"""The store for the commands that only read it (``status``, ``track list``): read directly
when it can be (``storage.direct``: a DBAPI connection, no SQLAlchemy, a fraction of the
start-up time), else opened as every other command opens it (``bot.cli.store.get_db``:
SQLAlchemy, the URL checked, the schema migrated, every error its usual one line and exit
code). Both give the same answer through the same reads (``storage.reads``); the direct one
declines anything unusual, so what a user sees in any error case is the SQLAlchemy path's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from bot.cli.base import get_settings
from storage.direct import open_direct
from storage.errors import DirectReadFailed
from storage.reads import Store

T = TypeVar("T")


def read_store(ctx: click.Context, read: Callable[[Store], T]) -> T:
    """``read(store)``: on the direct read path when it serves the configured store, else
    (or when a direct read fails) on the database ``get_db`` opens."""
    direct = open_direct(get_settings(ctx).database_url)
    if direct is not None:
        with direct:
            try:
                return read(direct)
            except DirectReadFailed:
                pass  # read it again the usual way, which says what is wrong, if anything
    # Imported here for start-up time: SQLAlchemy (a third of a second) only when needed.
    from bot.cli.store import get_db

    return read(get_db(ctx))

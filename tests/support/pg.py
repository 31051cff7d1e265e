"""PostgreSQL for tests and benchmarks: a schema of their own in a shared database, dropped
afterwards, so runs in parallel (pytest-xdist workers, a bench beside the suite) never meet."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

PG_URL = os.environ.get("POLLBOT_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


@contextmanager
def pg_schema(base_url: str, *, prefix: str = "t_") -> Iterator[str]:
    """A URL to a fresh schema (named ``prefix`` + 12 hex digits) of the PostgreSQL database
    at ``base_url``, the schema dropped with everything in it on leaving."""
    from sqlalchemy import create_engine, text

    schema = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in base_url else "?"
        try:
            yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()

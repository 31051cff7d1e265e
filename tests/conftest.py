"""Shared fixtures: a database of each kind, a fake clock, and helpers to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from jobs.clock import FixedClock
from storage.engine import Database
from storage.migrate import upgrade

PG_URL = os.environ.get("POLLBOT_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent


def _pg_or_skip() -> str:
    if PG_URL:
        return PG_URL
    if IN_CI:
        pytest.fail("CI=true but POLLBOT_TEST_DATABASE_URL is not set: PostgreSQL tests must run")
    pytest.skip("POLLBOT_TEST_DATABASE_URL not set")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each kind; PostgreSQL gets a schema of its own,
    dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pollbot.db'}"
        return
    base = _pg_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'pollbot.db'}")
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2022, 11, 19, 0, 0, tzinfo=UTC))


@dataclass
class Result:
    code: int
    out: str
    err: str


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment for a pollbot subprocess: no stray POLLBOT_/X_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLLBOT_", "X_"))}
    env.update(overrides)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, stdin: str = ""
) -> Result:
    """Run ``python -m bot ARGS`` as a user would, in a clean environment."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env if env is not None else clean_env(),
        cwd=cwd,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)

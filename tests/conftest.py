"""Shared fixtures: a database of each kind, a fake clock, and helpers to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bench._common import clean_env, pollbot_env
from jobs.clock import FixedClock
from storage.engine import Database
from storage.migrate import upgrade

PG_URL = os.environ.get("POLLBOT_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent
# The reference data lives in shared/ beside the checkout (CI lays a copy there too).
SHARED_DATA = next(
    (p for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data")) if p.is_dir()),
    ROOT.parent / "shared" / "data",
)


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


# -- the mock X API and an app wired to it -------------------------------------------------

BOT_ID = "9000"


def write_scenario(path: Path, doc: dict[str, object]) -> Path:
    import json

    path.write_text(json.dumps(doc))
    return path


def generated_scenario(
    *,
    count: int,
    seed: int = 7,
    hours: float = 24.0,
    rate_limits: dict[str, object] | None = None,
    start: datetime = datetime(2022, 11, 19, 0, 0, tzinfo=UTC),
) -> dict[str, object]:
    """An account with a poll posted 30 minutes after ``start``, and ``count`` generated
    replies to it over ``hours``."""
    from datetime import timedelta

    fmt = "%Y-%m-%dT%H:%M:%S.000Z"
    doc: dict[str, object] = {
        "name": "generated",
        "start": start.strftime(fmt),
        "bot": {"id": BOT_ID, "username": "pollbot"},
        "users": [
            {"id": "44196397", "username": "elonmusk", "name": "Elon Musk"},
            {"id": "1101", "username": "ops_alice", "name": "Alice"},
        ],
        "posts": [
            {
                "id": "1593767953706921985",
                "author_id": "44196397",
                "created_at": (start + timedelta(minutes=30)).strftime(fmt),
                "text": "Reinstate former President Trump",
                "lang": "en",
                "poll": {
                    "id": "1593767953539239936",
                    "duration_minutes": 1440,
                    "options": ["Yes", "No"],
                    "votes": [
                        {"at": (start + timedelta(hours=6)).strftime(fmt), "counts": [4100000, 3900000]},
                        {"at": (start + timedelta(hours=24, minutes=30)).strftime(fmt), "counts": [7814551, 7270907]},
                    ],
                },
            }
        ],
        "generate": {
            "replies_to": ["1593767953706921985"],
            "count": count,
            "seed": seed,
            "from": (start + timedelta(minutes=31)).strftime(fmt),
            "to": (start + timedelta(minutes=31) + timedelta(hours=hours)).strftime(fmt),
        },
    }  # fmt: skip
    if rate_limits:
        doc["rate_limits"] = rate_limits
    return doc


@pytest.fixture
def mock_factory() -> Iterator[Callable[..., Any]]:
    """Start MockServers (clock frozen unless ``speed`` is given); all stopped afterwards."""
    from bot.mock_api import MockServer, parse_scenario

    servers: list[Any] = []

    def start(scenario: object, *, speed: float = 0.0) -> Any:
        if isinstance(scenario, dict):
            scenario = parse_scenario(scenario, source="test")
        server = MockServer(scenario, speed=speed).start()  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def make_app() -> Iterator[Callable[..., Any]]:
    """``App(...)``, closed after the test: its scoring process and connections go with it."""
    from bot.app import App

    apps: list[App] = []

    def make(*args: Any, **kwargs: Any) -> App:
        app = App(*args, **kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


def settings_for(db_url: str, mock_url: str, **overrides: Any) -> Any:
    from dataclasses import replace

    from bot.config import Secret, Settings

    base = Settings(
        database_url=db_url,
        x_api_base_url=mock_url,
        x_bearer_token=Secret("test-bearer"),
        x_api_key=Secret("test-key"),
        x_api_secret=Secret("test-secret"),
        x_access_token=Secret(f"{BOT_ID}-test-access"),
        x_access_token_secret=Secret("test-access-secret"),
        monthly_post_reads=10_000_000,
    )
    return replace(base, **overrides)


def env_for(db_url: str, mock_url: str, **extra: str) -> dict[str, str]:
    """The configuration of ``settings_for`` (the mock, the bot's account, the read cap), as
    a subprocess environment; the benchmarks' own builder, whose credentials the mock takes
    as readily as the tests' (only the access token's user id prefix counts)."""
    return pollbot_env(db_url, mock_url, POLLBOT_MONTHLY_POST_READS="10000000", **extra)


def mock_stats(url: str) -> dict[str, Any]:
    import requests

    return dict(requests.get(f"{url}/_mock/stats", timeout=10).json())


def mock_control(url: str, path: str, doc: dict[str, Any]) -> Any:
    import requests

    resp = requests.post(f"{url}/_mock/{path}", json=doc, timeout=10)
    resp.raise_for_status()
    return resp.json() if resp.content else None

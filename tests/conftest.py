"""Shared fixtures: a database of each kind, a fake clock, mock servers and apps closed after
the test. Helpers the tests import live in ``tests.support``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobs.clock import FixedClock
from storage.engine import Database
from storage.migrate import upgrade
from tests.support.pg import IN_CI, PG_URL, pg_schema


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
    with pg_schema(_pg_or_skip(), prefix="t_") as url:
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to an empty PostgreSQL schema of this test's own, for what only PostgreSQL does
    (a server that goes away); dropped afterwards."""
    with pg_schema(_pg_or_skip(), prefix="t_") as url:
        yield url


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


@pytest.fixture
def mock_factory() -> Iterator[Callable[..., Any]]:
    """Start MockServers (clock frozen unless ``speed`` is given; the X face unless
    ``platform`` says otherwise); all stopped afterwards."""
    from bot.mock_api import MockServer, parse_scenario

    servers: list[Any] = []

    def start(scenario: object, *, speed: float = 0.0, platform: str = "x") -> Any:
        if isinstance(scenario, dict):
            scenario = parse_scenario(scenario, source="test")
        server = MockServer(scenario, speed=speed, platform=platform).start()  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def mastodon_factory(mock_factory: Callable[..., Any]) -> Callable[..., Any]:
    """Start MockServers answering as a Mastodon instance (``mock_factory`` with
    ``platform="mastodon"``): ``start(scenario, speed=0.0)``."""
    return functools.partial(mock_factory, platform="mastodon")


@pytest.fixture
def mastodon_mock(mastodon_factory: Callable[..., Any]) -> Any:
    """The Mastodon face serving ``tests.support.mastodon.mastodon_scenario()``, its clock
    frozen at ``tests.support.mastodon.AFTER_THREADS`` (every scripted status visible)."""
    from tests.support.mastodon import AFTER_THREADS, mastodon_scenario

    mock = mastodon_factory(mastodon_scenario())
    mock.set_clock(AFTER_THREADS)
    return mock


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


@pytest.fixture
def nov2022(
    db_url: str, mock_factory: Callable[..., Any], make_app: Callable[..., Any]
) -> Callable[[datetime], tuple[Any, Callable[..., Any]]]:
    """``start(at)``: the built-in scenario's mock with its clock frozen at ``at``, and a maker
    of Apps against it on this test's database (see ``_app_on``)."""

    def start(at: datetime) -> tuple[Any, Callable[..., Any]]:
        mock = mock_factory("builtin:nov-2022")
        mock.set_clock(at)
        return mock, functools.partial(_app_on, make_app, db_url, mock.url)

    return start


def _app_on(make_app: Callable[..., Any], db_url: str, mock_url: str, **overrides: Any) -> Any:
    """An App against the mock at ``mock_url``: operator @ops_alice unless told otherwise, no
    sleeping through rate-limit waits."""
    from tests.support.env import settings_for

    overrides.setdefault("operators", ("ops_alice",))
    return make_app(settings_for(db_url, mock_url, **overrides), sleep=lambda s: None)

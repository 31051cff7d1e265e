"""``pollbot mock-api``: the fake X API alone."""

from __future__ import annotations

import click

from bot.cli.base import Speed
from jobs.errors import UsageError, shown


@click.command("mock-api")
@click.option(
    "--scenario",
    default="builtin:nov-2022",
    show_default=True,
    help="A scenario file, or builtin:NAME.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True)
@click.option(
    "--speed",
    type=Speed(),
    default=1.0,
    show_default=True,
    help="Scenario seconds per real second.",
)
def mock_api(scenario: str, host: str, port: int, speed: float) -> None:
    """Serve the fake X API v2 (and its /_mock/ control endpoints) until interrupted.
    Point pollbot at it with X_API_BASE_URL=http://HOST:PORT.

    \b
    Example:
      pollbot mock-api --scenario builtin:nov-2022 --port 8787 --speed 60
    """
    from bot.mock_api import ScenarioError, serve

    # serve() loads the scenario before it listens: a bad file is one line and exit 2.
    try:
        serve(scenario, host=host, port=port, speed=speed)
    except ScenarioError as exc:  # the mock's own error; here it is the user's bad input
        raise UsageError(str(exc)) from None
    except OSError as exc:  # unresolvable host, port in use, no permission
        raise UsageError(
            f"--host {shown(host)} --port {port}: cannot listen: {exc.strerror or exc}"
        ) from None

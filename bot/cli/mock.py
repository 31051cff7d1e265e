"""``pollbot mock-api``: the fake X API alone, or the fake Mastodon instance."""

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
@click.option(
    "--platform",
    type=click.Choice(["x", "mastodon"]),
    default="x",
    show_default=True,
    help="The face to serve: X API v2, or one Mastodon instance (the scenario's "
    '"instance", default mastodon.example).',
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
def mock_api(scenario: str, platform: str, host: str, port: int, speed: float) -> None:
    """Serve the fake X API v2 (and its /_mock/ control endpoints) until interrupted.
    Point pollbot at it with X_API_BASE_URL=http://HOST:PORT (say, after
    `pollbot mock-api --scenario builtin:nov-2022 --port 8787 --speed 60`).

    With --platform mastodon, serve the same scenario as one Mastodon instance instead (its
    users are local accounts; a bearer token "<account id>-..." posts as that account, any
    other token as the scenario's bot). Point pollbot at it with
    MASTODON_BASE_URL=http://HOST:PORT and MASTODON_ACCESS_TOKEN=9000-token.

    \b
    Example:
      pollbot mock-api --platform mastodon --scenario builtin:nov-2022 --port 8788
    """
    from bot.mock_api import ScenarioError, serve

    # serve() loads the scenario before it listens: a bad file is one line and exit 2.
    try:
        serve(scenario, host=host, port=port, speed=speed, platform=platform)
    except ScenarioError as exc:  # the mock's own error; here it is the user's bad input
        raise UsageError(str(exc)) from None
    except OSError as exc:  # unresolvable host, port in use, no permission
        raise UsageError(
            f"--host {shown(host)} --port {port}: cannot listen: {exc.strerror or exc}"
        ) from None

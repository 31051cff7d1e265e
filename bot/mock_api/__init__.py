"""A faithful fake of the X API v2 on loopback, driven by scenario files; the same scenario
can be served as one Mastodon instance instead (``platform="mastodon"``, see ``mastodon``).

In-process use::

    with MockServer("builtin:nov-2022", speed=60) as mock:
        client = ...(base_url=mock.url)
    with MockServer("builtin:nov-2022", platform="mastodon") as mock:
        api = Mastodon(api_base_url=mock.url, access_token="9000-token")

A request goes ``server`` (HTTP) -> ``dispatch`` (route; the order of the steps) -> the steps
of ``steps`` (stats, authentication, faults, the lock, rate limit, cut-short, optional timing)
-> a handler of ``handlers`` -> back through the steps, and ``dispatch`` adds X's headers.
The world it answers from: ``loader``/``validate`` read a scenario, ``world_base`` builds its
immutable base (posts, generated replies, indexes), ``world`` adds the clock and what clients
post; ``state`` holds the world with its rate limiter, faults and stats.
"""

from bot.mock_api.errors import MockError
from bot.mock_api.loader import builtin_names, load_scenario, parse_scenario
from bot.mock_api.scenario import ENDPOINTS, Scenario, ScenarioError
from bot.mock_api.server import MockServer, serve

__all__ = [
    "ENDPOINTS",
    "MockError",
    "MockServer",
    "Scenario",
    "ScenarioError",
    "builtin_names",
    "load_scenario",
    "parse_scenario",
    "serve",
]

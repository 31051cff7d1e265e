"""A faithful fake of the X API v2 on loopback, driven by scenario files.

In-process use::

    with MockServer("builtin:nov-2022", speed=60) as mock:
        client = ...(base_url=mock.url)
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

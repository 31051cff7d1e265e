"""Everything one mock server holds: the world, its serialiser, rate limits, faults, stats.

The X face's state is a ``MockState``; the Mastodon face's (``mastodon.state``) extends it with
what only that face keeps, its own rate limits and endpoint names."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from bot.mock_api.billing import Bill
from bot.mock_api.faults import Faults
from bot.mock_api.ratelimit import Limiter, RateLimiter
from bot.mock_api.scenario import ENDPOINTS, Scenario
from bot.mock_api.serialize import Serializer
from bot.mock_api.world import World


@dataclass(slots=True)
class Stats:
    endpoints: tuple[str, ...] = ENDPOINTS  # the face's endpoint names, in the order shown
    requests: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    posts_read: int = 0
    bill: Bill = field(default_factory=Bill)
    handler_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": {
                name: self.requests[name] for name in self.endpoints if self.requests[name]
            },
            "rate_limited": self.rate_limited,
            "posts_read": self.posts_read,
            "usd": self.bill.usd,  # X's bill for the answers given (see ``billing``)
            # CPU seconds the handlers spent answering, per endpoint (the mock's own cost); empty
            # unless the server times its handlers (``timing=True``, as the benchmarks run it)
            "handler_seconds": {k: round(v, 6) for k, v in self.handler_seconds.items()},
        }


class MockState:
    platform = "x"  # the face this state answers for
    endpoints: tuple[str, ...] = ENDPOINTS

    def __init__(self, scenario: Scenario, *, speed: float = 1.0) -> None:
        self.scenario = scenario
        self.world = World(scenario, speed=speed)
        self.lock = self.world.lock
        self.serializer = Serializer(self.world)
        self.limiter: Limiter = self.make_limiter()
        self.faults = Faults(self.endpoints)
        self.stats = Stats(self.endpoints)

    def make_limiter(self) -> Limiter:
        return RateLimiter(self.scenario.rate_limits)

    def reset(self) -> None:
        """Back to the scenario's initial state: posts, stats, faults, limits, clock."""
        with self.lock:
            self.world.reset()
            self.serializer.clear()
            self.limiter.reset()
            self.faults.clear()
            self.stats = Stats(self.endpoints)

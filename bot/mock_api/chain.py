"""What a step of the mock's request chain is, and how steps compose.

A step gets the exchange (one request on its way) and the rest of the chain. It either answers
in the endpoint's place (a 401, an injected fault, a 429) or calls the rest and may look at or
change what comes back. ``dispatch`` lists the steps in order; ``steps`` holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.mock_api.handlers.base import Handler, Reply, Request
from bot.mock_api.state import MockState


@dataclass(slots=True)
class Exchange:
    """One request on its way through a chain."""

    state: MockState
    endpoint: str  # the X endpoint's name (stats, faults, rate limits); "" for a control route
    handler: Handler  # what answers at the end of the chain
    request: Request  # steps fill in ``auth`` and may move ``now_ms`` on (after a delay)
    malformed: bool = False  # an injected fault asked for the handler's answer cut short


Next = Callable[[Exchange], Reply]
Step = Callable[[Exchange, Next], Reply]


def compose(steps: Sequence[Step], last: Next) -> Next:
    """One callable running ``steps`` in order, the first outermost, with ``last`` at the end."""
    chain = last
    for step in reversed(steps):
        chain = _bind(step, chain)
    return chain


def _bind(step: Step, rest: Next) -> Next:
    def run(exchange: Exchange) -> Reply:
        return step(exchange, rest)

    return run

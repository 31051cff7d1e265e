"""One request through the mock, free of any HTTP plumbing: the route picks a chain of steps,
the chain answers, and the answer gets the headers every answer carries (its type, ``date``).

A state answers as one face, X or Mastodon (``new_state``): the face gives the routes and the
steps' order (X's here; Mastodon's in ``mastodon.steps``); the ``/_mock/`` controls are shared.
The order of the steps is here and nowhere else; ``steps`` says what each does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import parse_qs

from bot.mock_api import steps
from bot.mock_api.chain import Exchange, Next, Step, compose
from bot.mock_api.errors import dumps, page_missing
from bot.mock_api.handlers.base import Handler, Reply, Request
from bot.mock_api.handlers.routes import CONTROL_ROUTES, find_x_route
from bot.mock_api.mastodon import routes as mastodon_routes
from bot.mock_api.mastodon import steps as mastodon_steps
from bot.mock_api.mastodon.state import MastodonState
from bot.mock_api.scenario import Scenario
from bot.mock_api.state import MockState

PLATFORMS = ("x", "mastodon")
Finder = Callable[[str, str], tuple[str, Handler, dict[str, str]] | None]


def new_state(scenario: Scenario, *, speed: float = 1.0, platform: str = "x") -> MockState:
    """The state of a mock answering as ``platform``'s face (one of ``PLATFORMS``)."""
    if platform == "x":
        return MockState(scenario, speed=speed)
    if platform == "mastodon":
        return MastodonState(scenario, speed=speed)
    raise ValueError(f"unknown platform {platform!r} (one of: {', '.join(PLATFORMS)})")


JSON = "application/json; charset=utf-8"


def x_steps(*, timing: bool = False) -> list[Step]:
    """The steps before an X endpoint's handler, outermost first."""
    order: list[Step] = [
        steps.record_stats,  # sees every request and every answer the client gets
        steps.authenticate,  # 401 before a fault is drawn or a window consumed
        steps.apply_faults,  # delay, answer in the endpoint's place, or mark for cut_short
        steps.one_at_a_time,  # the world's lock from here to the handler
        steps.rate_limit,  # 429 past the window; the window's headers on every answer after
        steps.cut_short,  # the malformed fault, applied to the handler's answer only
    ]
    if timing:
        order.append(steps.time_handler)  # around the handler alone: its own CPU time
    return order


# the /_mock/ controls: no auth, faults, limits or stats; one at a time with the X requests
CONTROL_STEPS: list[Step] = [steps.one_at_a_time]


@dataclass(slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def http_date(now_ms: int) -> str:
    return formatdate(now_ms / 1000, usegmt=True)


class Dispatcher:
    """Answers requests for one mock state, as the face the state is for. ``timing`` puts
    ``time_handler`` in the face's chain, so that ``/_mock/stats`` reports ``handler_seconds``;
    off by default."""

    def __init__(self, state: MockState, *, timing: bool = False) -> None:
        self.state = state
        self._find: Finder
        if state.platform == "mastodon":
            self._find = mastodon_routes.find_route
            order = mastodon_steps.mastodon_steps(timing=timing)
            self._missing = Reply(404, dumps(mastodon_routes.MISSING))
        else:
            self._find = find_x_route
            order = x_steps(timing=timing)
            self._missing = Reply(404, dumps(page_missing()))
        self._x_chain: Next = compose(order, steps.call_handler)
        self._control_chain: Next = compose(CONTROL_STEPS, steps.call_handler)

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
        *,
        raw_query: str | None = None,
    ) -> Answer:
        """``raw_query``: the query string as sent, when a parameter may repeat; ``query``
        holds one value a name."""
        now_ms = self.state.world.clock.now_ms()
        control = CONTROL_ROUTES.get((method, path))
        if control is not None:
            request = Request(method, path, query, headers, body, now_ms=now_ms)
            return self._finish(self._control_chain(Exchange(self.state, "", control, request)))
        route = self._find(method, path)
        if route is None:
            missing = self._missing
            return self._finish(Reply(missing.status, missing.body))
        endpoint, handler, params = route
        multi = (
            parse_qs(raw_query, keep_blank_values=True)
            if raw_query is not None
            else {k: [v] for k, v in query.items()}
        )
        request = Request(method, path, query, headers, body, params, now_ms=now_ms, multi=multi)
        return self._finish(self._x_chain(Exchange(self.state, endpoint, handler, request)))

    def _finish(self, reply: Reply) -> Answer:
        headers = {"content-type": JSON, **reply.headers}
        headers["date"] = http_date(self.state.world.clock.now_ms())
        return Answer(reply.status, headers, reply.body)

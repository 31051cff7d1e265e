"""One request through the mock, free of any HTTP plumbing: the route picks a chain of steps,
the chain answers, and the answer gets the headers X sends with every answer.

The order of the steps is here and nowhere else; ``steps`` says what each does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate

from bot.mock_api import steps
from bot.mock_api.chain import Exchange, Next, Step, compose
from bot.mock_api.errors import dumps, page_missing
from bot.mock_api.handlers.base import Reply, Request
from bot.mock_api.handlers.routes import CONTROL_ROUTES, find_x_route
from bot.mock_api.state import MockState

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
    """Answers requests for one mock state. ``timing`` puts ``time_handler`` in the X chain,
    so that ``/_mock/stats`` reports ``handler_seconds``; off by default."""

    def __init__(self, state: MockState, *, timing: bool = False) -> None:
        self.state = state
        self._x_chain: Next = compose(x_steps(timing=timing), steps.call_handler)
        self._control_chain: Next = compose(CONTROL_STEPS, steps.call_handler)

    def answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Answer:
        now_ms = self.state.world.clock.now_ms()
        control = CONTROL_ROUTES.get((method, path))
        if control is not None:
            request = Request(method, path, query, headers, body, now_ms=now_ms)
            return self._finish(self._control_chain(Exchange(self.state, "", control, request)))
        route = find_x_route(method, path)
        if route is None:
            return self._finish(Reply(404, dumps(page_missing())))
        endpoint, handler, params = route
        request = Request(method, path, query, headers, body, params, now_ms=now_ms)
        return self._finish(self._x_chain(Exchange(self.state, endpoint, handler, request)))

    def _finish(self, reply: Reply) -> Answer:
        headers = {"content-type": JSON, **reply.headers}
        headers["date"] = http_date(self.state.world.clock.now_ms())
        return Answer(reply.status, headers, reply.body)

"""One request through the mock, free of any HTTP plumbing: authentication, injected faults,
rate limits, the handler, stats; and the headers X sends with every answer."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate

from bot.mock_api.errors import (
    ApiError,
    dumps,
    page_missing,
    problem,
    too_many_requests,
    unauthorized,
)
from bot.mock_api.faults import Outcome
from bot.mock_api.handlers.base import Auth, Handler, Reply, Request, parse_auth
from bot.mock_api.handlers.routes import CONTROL_ROUTES, find_x_route
from bot.mock_api.state import MockState

JSON = "application/json; charset=utf-8"


@dataclass(slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def http_date(now_ms: int) -> str:
    return formatdate(now_ms / 1000, usegmt=True)


def answer(
    state: MockState,
    method: str,
    path: str,
    query: dict[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> Answer:
    control = CONTROL_ROUTES.get((method, path))
    if control is not None:
        request = Request(method, path, query, headers, body, now_ms=state.world.clock.now_ms())
        with state.lock:
            reply = control(state, request)
        return _finish(state, reply, {})
    route = find_x_route(method, path)
    if route is None:
        return _finish(state, Reply(404, dumps(page_missing())), {})
    endpoint, handler, params = route
    with state.lock:
        state.stats.requests[endpoint] += 1
    auth = parse_auth(headers.get("authorization"), state)
    request = Request(method, path, query, headers, body, params, auth, state.world.clock.now_ms())
    if auth.kind == "none":
        limits = state.limiter.take(endpoint, "app", request.now_ms, consume=False).headers
        return _finish(state, Reply(401, dumps(unauthorized())), limits)
    outcome = state.faults.draw(endpoint)
    if outcome is not None and outcome.delay_s:
        time.sleep(outcome.delay_s)  # real time: this is what client timeouts are made of
        request.now_ms = state.world.clock.now_ms()
    if outcome is not None and outcome.status is not None:
        return _injected(state, endpoint, auth, request.now_ms, outcome)
    return _x_answer(
        state, endpoint, handler, request, malformed=bool(outcome and outcome.malformed)
    )


def _x_answer(
    state: MockState, endpoint: str, handler: Handler, request: Request, *, malformed: bool
) -> Answer:
    with state.lock:
        verdict = state.limiter.take(endpoint, request.auth.context, request.now_ms)
        if not verdict.allowed:
            state.stats.rate_limited += 1
            return _finish(state, Reply(429, dumps(too_many_requests())), verdict.headers)
        # CPU time of this thread: what answering costs, not time spent waiting for the GIL
        started = time.thread_time()
        try:
            reply = handler(state, request)
        except ApiError as exc:
            reply = Reply(exc.status, dumps(exc.body), headers=exc.headers)
        state.stats.handler_seconds[endpoint] += time.thread_time() - started
        if malformed:
            reply = Reply(200, reply.body[: max(1, len(reply.body) // 2)])
        else:
            state.stats.posts_read += reply.posts_read
    return _finish(state, reply, verdict.headers)


def _injected(state: MockState, endpoint: str, auth: Auth, now_ms: int, outcome: Outcome) -> Answer:
    status = outcome.status or 503
    with state.lock:
        limits = state.limiter.take(endpoint, auth.context, now_ms, consume=False).headers
        if status == 429:
            state.stats.rate_limited += 1
            limits["x-rate-limit-remaining"] = "0"
            if not outcome.reset_header:
                limits.pop("x-rate-limit-reset", None)
    body = too_many_requests() if status == 429 else problem(status)
    return _finish(state, Reply(status, dumps(body)), limits)


def _finish(state: MockState, reply: Reply, limits: dict[str, str]) -> Answer:
    headers = {"content-type": JSON, **limits, **reply.headers}
    headers["date"] = http_date(state.world.clock.now_ms())
    return Answer(reply.status, headers, reply.body)

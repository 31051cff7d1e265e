"""The steps of the mock's request chain, one job each; ``dispatch`` puts them in order.

Each takes the exchange and the rest of the chain (see ``chain``). Answers a step makes itself
carry X's bodies and, where X sends them, the rate-limit headers of the endpoint's window.
"""

from __future__ import annotations

import time

from bot.mock_api.chain import Exchange, Next
from bot.mock_api.errors import ApiError, dumps, problem, too_many_requests, unauthorized
from bot.mock_api.faults import Outcome
from bot.mock_api.handlers.base import Reply, parse_auth


def record_stats(ex: Exchange, rest: Next) -> Reply:
    """Counts the request, then what its answer says: every 429 (the limiter's or an injected
    one) is a rate-limited answer, and the posts a handler put in ``data`` are posts read (none
    when a fault cut the answer short); a successful answer's charges go on the bill. Outermost, so a 401 counts as a request too."""
    with ex.state.lock:
        ex.state.stats.requests[ex.endpoint] += 1
    reply = rest(ex)
    with ex.state.lock:  # ``state.stats`` is replaced on reset: look it up each time
        if reply.status == 429:
            ex.state.stats.rate_limited += 1
        ex.state.stats.posts_read += reply.posts_read
        if reply.status < 300:
            ex.state.stats.bill.charge(reply.charges, ex.request.now_ms)
    return reply


def authenticate(ex: Exchange, rest: Next) -> Reply:
    """Who asks: a bearer token is the app, OAuth 1.0a a user (see ``parse_auth``). Without
    usable credentials, X's 401 with the app's window headers, read and not consumed; no fault
    is drawn for such a request."""
    auth = parse_auth(ex.request.headers.get("authorization"), ex.state)
    if auth.kind == "none":
        window = ex.state.limiter.take(ex.endpoint, "app", ex.request.now_ms, consume=False)
        return Reply(401, dumps(unauthorized()), headers=window.headers)
    ex.request.auth = auth
    return rest(ex)


def apply_faults(ex: Exchange, rest: Next) -> Reply:
    """The endpoint's next injected fault, if one fires: its delay first, then its status in the
    endpoint's place (no window consumed), or a mark for ``cut_short``. Before the rate limit, so
    a fault is drawn (and used up) by every authenticated request."""
    outcome = ex.state.faults.draw(ex.endpoint)
    if outcome is None:
        return rest(ex)
    if outcome.delay_s:
        time.sleep(outcome.delay_s)  # real time: this is what client timeouts are made of
        ex.request.now_ms = ex.state.world.clock.now_ms()
    if outcome.status is not None:
        return _injected(ex, outcome.status, outcome)
    ex.malformed = outcome.malformed
    return rest(ex)


def _injected(ex: Exchange, status: int, outcome: Outcome) -> Reply:
    """An injected failure as X sends it: a 429 says the window is spent (and, unless the fault
    says otherwise, when it opens); any other status is a problem body."""
    window = ex.state.limiter.take(
        ex.endpoint, ex.request.auth.context, ex.request.now_ms, consume=False
    )
    limits = window.headers
    if status == 429:
        limits["x-rate-limit-remaining"] = "0"
        if not outcome.reset_header:
            limits.pop("x-rate-limit-reset", None)
    body = too_many_requests() if status == 429 else problem(status)
    return Reply(status, dumps(body), headers=limits)


def one_at_a_time(ex: Exchange, rest: Next) -> Reply:
    """Holds the world's lock for the rest of the chain: the rate-limit window is taken and the
    handler answers as one step, and the handlers never see the world change under them."""
    with ex.state.lock:
        return rest(ex)


def rate_limit(ex: Exchange, rest: Next) -> Reply:
    """Takes one request from the endpoint's window for the caller (the app, or one user); past
    the limit, X's 429. Every answer from here on carries the window's headers."""
    window = ex.state.limiter.take(ex.endpoint, ex.request.auth.context, ex.request.now_ms)
    if not window.allowed:
        return Reply(429, dumps(too_many_requests()), headers=window.headers)
    reply = rest(ex)
    reply.headers = {**window.headers, **reply.headers}
    return reply


def cut_short(ex: Exchange, rest: Next) -> Reply:
    """A malformed fault: the handler's answer, cut to half its bytes, as a 200 without the
    handler's own headers. Inside the rate limit, so a 429 of the limiter stays whole."""
    reply = rest(ex)
    if not ex.malformed:
        return reply
    return Reply(200, reply.body[: max(1, len(reply.body) // 2)])


def time_handler(ex: Exchange, rest: Next) -> Reply:
    """Adds the CPU time this thread spends in the handler to the endpoint's
    ``handler_seconds`` (what answering costs, not time spent waiting for the GIL). In the chain
    only when the server is made with ``timing=True``, as the benchmarks make it."""
    started = time.thread_time()
    reply = rest(ex)
    ex.state.stats.handler_seconds[ex.endpoint] += time.thread_time() - started
    return reply


def call_handler(ex: Exchange) -> Reply:
    """The end of every chain: the route's handler; an ``ApiError`` it raises is the error
    answer X would give."""
    try:
        return ex.handler(ex.state, ex.request)
    except ApiError as exc:
        return Reply(exc.status, dumps(exc.body), headers=exc.headers)

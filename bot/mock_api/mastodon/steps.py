"""The Mastodon face's request chain: the shared steps of ``bot.mock_api.steps`` where they
serve as they are, and this face's own for who asks (a bearer token), injected faults and the
rate limit, whose answers are Mastodon's (``{"error": ...}``, ``x-ratelimit-*`` headers)."""

from __future__ import annotations

import time

from bot.mock_api import steps
from bot.mock_api.chain import Exchange, Next, Step
from bot.mock_api.errors import dumps
from bot.mock_api.handlers.base import Auth, Reply
from bot.mock_api.mastodon.errors import INVALID_TOKEN, body, status_body
from bot.mock_api.mastodon.state import token_of

# the endpoints that answer nobody without a token (the others are public reads)
NEED_TOKEN = frozenset({"verify_credentials", "notifications", "create_status", "media_upload"})


def caller(ex: Exchange) -> str:
    """Who a rate-limit window belongs to: the token, or (without one) the address."""
    token = token_of(ex.request)
    return f"token:{token}" if token else "address"


def authenticate(ex: Exchange, rest: Next) -> Reply:
    """A bearer token speaks for the account whose id begins it (``<account id>-...``), else
    for the scenario's bot. Without one, an endpoint that needs it answers 401 (its window read,
    not consumed); a public read goes on anonymously."""
    token = token_of(ex.request)
    world = ex.state.world
    if token is None:
        if ex.endpoint in NEED_TOKEN:
            window = ex.state.limiter.take(
                ex.endpoint, caller(ex), ex.request.now_ms, consume=False
            )
            return Reply(401, dumps(body(INVALID_TOKEN)), headers=window.headers)
        return rest(ex)
    prefix = token.split("-", 1)[0]
    known = prefix.isdigit() and world.user(int(prefix)) is not None
    ex.request.auth = Auth("user", int(prefix) if known else world.bot_id)
    return rest(ex)


def apply_faults(ex: Exchange, rest: Next) -> Reply:
    """As X's ``apply_faults``, answering Mastodon's bodies and headers: a 429 says the window
    is spent (and, unless the fault says otherwise, when it opens)."""
    outcome = ex.state.faults.draw(ex.endpoint)
    if outcome is None:
        return rest(ex)
    if outcome.delay_s:
        time.sleep(outcome.delay_s)  # real time: what client timeouts are made of
        ex.request.now_ms = ex.state.world.clock.now_ms()
    if outcome.status is None:
        ex.malformed = outcome.malformed
        return rest(ex)
    window = ex.state.limiter.take(ex.endpoint, caller(ex), ex.request.now_ms, consume=False)
    headers = window.headers
    if outcome.status == 429:
        headers["x-ratelimit-remaining"] = "0"
        if not outcome.reset_header:
            headers.pop("x-ratelimit-reset", None)
    return Reply(outcome.status, dumps(status_body(outcome.status)), headers=headers)


def rate_limit(ex: Exchange, rest: Next) -> Reply:
    """One request from the caller's window; past the limit, Mastodon's 429. Every answer from
    here on carries the window's headers."""
    window = ex.state.limiter.take(ex.endpoint, caller(ex), ex.request.now_ms)
    if not window.allowed:
        return Reply(429, dumps(status_body(429)), headers=window.headers)
    reply = rest(ex)
    reply.headers = {**window.headers, **reply.headers}
    return reply


def mastodon_steps(*, timing: bool = False) -> list[Step]:
    """The steps before a Mastodon endpoint's handler, outermost first (as X's, see
    ``dispatch.x_steps``)."""
    order: list[Step] = [
        steps.record_stats,
        authenticate,
        apply_faults,
        steps.one_at_a_time,
        rate_limit,
        steps.cut_short,
    ]
    if timing:
        order.append(steps.time_handler)
    return order

"""The mock's own endpoints under ``/_mock/``: ground truth, stats, clock, faults, reset."""

from __future__ import annotations

import json
from typing import Any

from bot.mock_api.clock import ClockError
from bot.mock_api.faults import FaultError
from bot.mock_api.handlers.base import Reply, Request, json_reply
from bot.mock_api.state import MockState
from bot.mock_api.timefmt import iso_ms, parse_iso, to_ms


def _bad(message: str) -> Reply:
    return json_reply({"error": message}, status=400)


def _body(req: Request) -> Any:
    try:
        return json.loads(req.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"the body is not JSON: {exc}") from None


def _clock_json(state: MockState) -> dict[str, Any]:
    clock = state.world.clock
    return {"now": iso_ms(clock.now_ms()), "speed": clock.speed}


def posts(state: MockState, req: Request) -> Reply:
    return json_reply(state.world.created_posts())


def visible(state: MockState, req: Request) -> Reply:
    return json_reply(state.world.visible_posts(req.now_ms))


def stats(state: MockState, req: Request) -> Reply:
    return json_reply(state.stats.as_dict())


def get_clock(state: MockState, req: Request) -> Reply:
    return json_reply(_clock_json(state))


def set_clock(state: MockState, req: Request) -> Reply:
    try:
        body = _body(req)
        if not isinstance(body, dict) or len(body.keys() & {"now", "advance_s"}) != 1:
            return _bad('give exactly one of {"now": ISO time} or {"advance_s": seconds}')
        clock = state.world.clock
        if "now" in body:
            clock.set_ms(to_ms(parse_iso(body["now"])))
        else:
            step = body["advance_s"]
            if isinstance(step, bool) or not isinstance(step, int | float):
                return _bad(f"advance_s must be a number, got {step!r}")
            clock.advance(float(step))
    except ClockError as exc:
        return _bad(str(exc))
    except (TypeError, ValueError) as exc:
        return _bad(f"now must be an ISO 8601 UTC time like 2022-11-19T00:30:00.000Z ({exc})")
    return json_reply(_clock_json(state))


def faults(state: MockState, req: Request) -> Reply:
    try:
        body = _body(req)
        if isinstance(body, dict) and body.get("clear") is True:
            state.faults.clear()
            return json_reply({"faults": 0})
        return json_reply({"faults": state.faults.add(body)})
    except (FaultError, ValueError) as exc:
        return _bad(str(exc))


def reset(state: MockState, req: Request) -> Reply:
    state.reset()
    return json_reply({"reset": True, **_clock_json(state)})

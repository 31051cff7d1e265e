"""What a handler receives and returns, and the checks of query parameters X makes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from bot.mock_api.billing import Charge
from bot.mock_api.errors import dumps, invalid
from bot.mock_api.state import MockState
from bot.mock_api.timefmt import MAX_ID, parse_iso, to_ms

_OAUTH_TOKEN = re.compile(r'oauth_token="([^"]*)"')


@dataclass(frozen=True, slots=True)
class Auth:
    kind: str  # "none" | "app" | "user"
    user_id: int = 0

    @property
    def context(self) -> str:
        """The rate-limit bucket: the app, or one user."""
        return "app" if self.kind != "user" else f"user:{self.user_id}"


def parse_auth(header: str | None, state: MockState) -> Auth:
    """Bearer = app-only; OAuth 1.0a = the user whose id begins the access token (real X
    tokens read ``<user id>-...``), or the scenario's bot when no such user exists."""
    if not header:
        return Auth("none")
    scheme = header.split(" ", 1)[0].lower()
    if scheme == "bearer":
        return Auth("app")
    if scheme != "oauth":
        return Auth("none")
    match = _OAUTH_TOKEN.search(header)
    prefix = unquote(match.group(1)).split("-", 1)[0] if match else ""
    if prefix.isdigit() and state.world.user(int(prefix)) is not None:
        return Auth("user", int(prefix))
    return Auth("user", state.world.bot_id)


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    auth: Auth = Auth("none")
    now_ms: int = 0
    # every value of each query parameter, in order (Mastodon's ``types[]=a&types[]=b``);
    # ``query`` keeps one value a name
    multi: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    posts_read: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    charges: tuple[Charge, ...] = ()  # what X bills for this answer, should it succeed


Handler = Callable[[MockState, Request], Reply]


def json_reply(
    body: Any, status: int = 200, posts_read: int = 0, charges: tuple[Charge, ...] = ()
) -> Reply:
    return Reply(status, dumps(body), posts_read, charges=charges)


def check_params(query: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    for name, value in query.items():
        if name not in allowed:
            raise invalid(
                name, value, f"The query parameter [{name}] is not one of [{','.join(allowed)}]"
            )


def int_param(query: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid(
            name, raw, f"The `{name}` query parameter value [{raw}] is not between {low} and {high}"
        )
    return int(raw)


def parse_id(raw: str, name: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise invalid(
            name, raw, f"The `{name}` query parameter value [{raw}] does not match ^[0-9]{{1,19}}$"
        )
    return int(raw)


def id_param(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    return None if raw is None else parse_id(raw, name)


def time_param(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return to_ms(parse_iso(raw))
    except ValueError:
        raise invalid(
            name, raw, f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC3339 time"
        ) from None

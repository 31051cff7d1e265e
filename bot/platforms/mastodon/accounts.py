"""Accounts by address: ``user``, ``@user``, ``user@domain``, ``@user@domain``.

A ``User``'s ``username`` is the account's ``acct`` as the bot's instance gives it: the bare
username for a local account, ``user@domain`` for a remote one. A remote account the instance
has not met yet is resolved through it: ``GET /api/v1/accounts/search?q=user@domain&resolve=true``
(a WebFinger lookup by the instance), counted as ``account_search``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import mastodon

from bot.platforms.mastodon.chokepoint import Call
from bot.platforms.mastodon.parse import parse_account
from jobs.errors import NotFound
from jobs.platform import User

_ADDRESS = re.compile(
    r"@?([A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?)(?:@([A-Za-z0-9.-]+(?::[0-9]{1,5})?))?"
)


def parse_address(text: str) -> tuple[str, str | None]:
    """``@user@Domain.Social`` -> (``user``, ``domain.social``); NotFound when no account can
    have that name (no request is made for it)."""
    found = _ADDRESS.fullmatch(text.strip())
    if found is None:
        raise NotFound(
            f"Mastodon account_lookup: no account can be called {text!r}",
            endpoint="account_lookup",
        )
    return found.group(1), (found.group(2) or "").lower() or None


def user_of(body: dict[str, Any], endpoint: str, what: str) -> User:
    user = parse_account(body)
    if user is None:
        raise NotFound(f"Mastodon {endpoint}: {what} not found", endpoint=endpoint, status=200)
    return user


def resolve(call: Call, api: mastodon.Mastodon, acct: str) -> User:
    """A remote account through the instance (search with ``resolve``), matched exactly."""
    search = functools.partial(api.account_search, acct, limit=5, resolve=True)
    answer = call("account_search", search, None)
    for raw in answer.body if isinstance(answer.body, list) else ():
        if isinstance(raw, dict) and str(raw.get("acct", "")).lower() == acct.lower():
            return user_of(raw, "account_search", f"account @{acct}")
    raise NotFound(
        f"Mastodon account_search: no account @{acct} (the instance could not resolve it)",
        endpoint="account_search",
    )

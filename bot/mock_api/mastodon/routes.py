"""Which Mastodon handler answers which method and path, under which endpoint name (SPEC's
names: stats, faults and scenario rate limits use them). Paths answer with or without a
trailing slash."""

from __future__ import annotations

import re

from bot.mock_api.handlers.base import Handler
from bot.mock_api.mastodon import instance, posting, reads

_ID = r"(?P<id>[^/]+)"
# (method, path pattern, endpoint name, handler); order matters
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    ("GET", re.compile(r"/api/v1/accounts/lookup"), "account_lookup", reads.account_lookup),
    (
        "GET",
        re.compile(r"/api/v1/accounts/verify_credentials"),
        "verify_credentials",
        reads.verify_credentials,
    ),
    (
        "GET",
        re.compile(rf"/api/v1/accounts/{_ID}/statuses"),
        "account_statuses",
        reads.account_statuses,
    ),
    ("GET", re.compile(rf"/api/v1/accounts/{_ID}"), "account", reads.account),
    ("GET", re.compile(rf"/api/v1/statuses/{_ID}/context"), "status_context", reads.status_context),
    ("GET", re.compile(rf"/api/v1/statuses/{_ID}"), "status", reads.status),
    ("GET", re.compile(rf"/api/v1/polls/{_ID}"), "poll", reads.poll),
    ("GET", re.compile(r"/api/v1/notifications"), "notifications", reads.notifications),
    ("POST", re.compile(r"/api/v1/statuses"), "create_status", posting.create_status),
    ("POST", re.compile(r"/api/v[12]/media"), "media_upload", posting.media_upload),
    ("GET", re.compile(r"/api/v[12]/instance"), "instance", instance.instance),
]
# a path no route takes, as Mastodon answers it
MISSING = {"error": "Not Found"}


def find_route(method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
    if len(path) > 1:
        path = path.rstrip("/")
    for route_method, pattern, endpoint, handler in ROUTES:
        if route_method == method:
            match = pattern.fullmatch(path)
            if match:
                return endpoint, handler, match.groupdict()
    return None

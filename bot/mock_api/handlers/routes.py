"""Which handler answers which method and path, under which endpoint name."""

from __future__ import annotations

import re

from bot.mock_api.handlers import control, posting, reads
from bot.mock_api.handlers.base import Handler

_ID = r"(?P<id>[^/]+)"
# (method, path pattern, endpoint name for stats, faults and rate limits, handler); order matters
X_ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    (
        "GET",
        re.compile(r"/2/users/by/username/(?P<username>[^/]+)"),
        "user_by_username",
        reads.user_by_username,
    ),
    ("GET", re.compile(r"/2/users/me"), "me", reads.me),
    ("GET", re.compile(r"/2/users/by"), "users_by", reads.users_by),
    ("GET", re.compile(r"/2/users"), "users", reads.users),
    ("GET", re.compile(rf"/2/users/{_ID}/tweets"), "user_tweets", reads.user_tweets),
    ("GET", re.compile(rf"/2/users/{_ID}/mentions"), "mentions", reads.mentions),
    ("GET", re.compile(rf"/2/users/{_ID}"), "user", reads.user),
    ("GET", re.compile(r"/2/tweets/search/recent"), "search_recent", reads.search_recent),
    ("GET", re.compile(r"/2/tweets"), "tweets_lookup", reads.tweets_lookup),
    ("GET", re.compile(rf"/2/tweets/{_ID}"), "tweet", reads.tweet),
    ("POST", re.compile(r"/2/tweets"), "create_tweet", posting.create_tweet),
    ("POST", re.compile(r"/1\.1/media/upload\.json"), "media_upload", posting.media_upload_v1),
    ("POST", re.compile(r"/2/media/upload"), "media_upload", posting.media_upload_v2),
]
CONTROL_ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/_mock/posts"): control.posts,
    ("GET", "/_mock/visible"): control.visible,
    ("GET", "/_mock/stats"): control.stats,
    ("GET", "/_mock/clock"): control.get_clock,
    ("POST", "/_mock/clock"): control.set_clock,
    ("POST", "/_mock/faults"): control.faults,
    ("POST", "/_mock/reset"): control.reset,
}


def find_x_route(method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
    for route_method, pattern, endpoint, handler in X_ROUTES:
        if route_method == method:
            match = pattern.fullmatch(path)
            if match:
                return endpoint, handler, match.groupdict()
    return None

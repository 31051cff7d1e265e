"""The X reads: users, a user's posts and mentions, recent search, post lookups."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.mock_api.billing import post_reads, user_reads
from bot.mock_api.errors import invalid, not_found, unsupported_auth
from bot.mock_api.fields import tweet_shape, user_shape
from bot.mock_api.handlers.base import (
    Reply,
    Request,
    check_params,
    id_param,
    int_param,
    json_reply,
    parse_id,
    time_param,
)
from bot.mock_api.profiles import user_json
from bot.mock_api.query import Predicate, cut_page, make_token, plan_search, read_token
from bot.mock_api.scenario import UserSpec
from bot.mock_api.serialize import tweets_body
from bot.mock_api.state import MockState
from bot.mock_api.table import Bounds
from bot.mock_api.timefmt import iso_ms, snowflake_ms

SEVEN_DAYS_MS = 7 * 86_400_000
_FIELDS = (
    "expansions",
    "tweet.fields",
    "post.fields",
    "poll.fields",
    "user.fields",
    "media.fields",
    "place.fields",
)
_PAGED = ("since_id", "until_id", "max_results", "start_time", "end_time", *_FIELDS)
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")


_USER_PARAMS = ("expansions", "tweet.fields", "post.fields", "user.fields")


def _one_user(found: UserSpec, fields: frozenset[str]) -> Reply:
    return json_reply({"data": user_json(found, fields)}, charges=user_reads([int(found.id)]))


def _many_users(
    found: list[UserSpec], errors: list[dict[str, Any]], fields: frozenset[str]
) -> Reply:
    body: dict[str, Any] = {"data": [user_json(u, fields) for u in found]} if found else {}
    if errors:
        body["errors"] = errors
    return json_reply(body, charges=user_reads(int(u.id) for u in found))


def _check_username(name: str, param: str) -> None:
    if not _USERNAME.fullmatch(name):
        raise invalid(
            param,
            name,
            f"The `{param}` query parameter value [{name}] does not match ^[A-Za-z0-9_]{{1,15}}$",
        )


def user_by_username(state: MockState, req: Request) -> Reply:
    check_params(req.query, _USER_PARAMS)
    fields = user_shape(req.query)
    name = req.params["username"]
    _check_username(name, "username")
    user = state.world.user_by_username(name)
    if user is None:
        return json_reply({"errors": [not_found("user", "username", name)]})
    return _one_user(user, fields)


def users_by(state: MockState, req: Request) -> Reply:
    """``GET /2/users/by?usernames=``: up to 100 users by name; each missing one is an entry
    of ``errors``."""
    check_params(req.query, ("usernames", *_USER_PARAMS))
    fields = user_shape(req.query)
    raw = req.query.get("usernames", "")
    names = [n for n in raw.split(",") if n]
    if not names:
        raise invalid("usernames", [], "The `usernames` query parameter can not be empty")
    if len(names) > 100:
        raise invalid(
            "usernames",
            raw,
            f"The `usernames` query parameter value [{raw}] is not between 1 and 100",
        )
    found, errors = [], []
    for name in dict.fromkeys(names):
        _check_username(name, "usernames")
        user = state.world.user_by_username(name)
        if user is None:
            errors.append(not_found("user", "usernames", name))
        else:
            found.append(user)
    return _many_users(found, errors, fields)


def user(state: MockState, req: Request) -> Reply:
    check_params(req.query, _USER_PARAMS)
    fields = user_shape(req.query)
    user_id = parse_id(req.params["id"], "id")
    found = state.world.user(user_id)
    if found is None:
        return json_reply({"errors": [not_found("user", "id", str(user_id))]})
    return _one_user(found, fields)


def _ids(query: Mapping[str, str]) -> list[int]:
    """The ``ids`` parameter of a lookup, as X takes it: 1 to 100 ids, each once, in order."""
    raw = query.get("ids", "")
    parts = [p for p in raw.split(",") if p]
    if not parts:
        raise invalid("ids", [], "The `ids` query parameter can not be empty")
    if len(parts) > 100:
        raise invalid(
            "ids", raw, f"The `ids` query parameter value [{raw}] is not between 1 and 100"
        )
    return list(dict.fromkeys(parse_id(p, "ids") for p in parts))


def users(state: MockState, req: Request) -> Reply:
    """``GET /2/users?ids=``: up to 100 users; each missing one is an entry of ``errors``."""
    check_params(req.query, ("ids", *_USER_PARAMS))
    fields = user_shape(req.query)
    found, errors = [], []
    for user_id in _ids(req.query):
        user = state.world.user(user_id)
        if user is None:
            errors.append(not_found("user", "ids", str(user_id)))
        else:
            found.append(user)
    return _many_users(found, errors, fields)


def me(state: MockState, req: Request) -> Reply:
    if req.auth.kind != "user":
        raise unsupported_auth()
    check_params(req.query, _USER_PARAMS)
    fields = user_shape(req.query)
    found = state.world.user(req.auth.user_id)
    assert found is not None
    return _one_user(found, fields)


def _page(
    state: MockState,
    req: Request,
    keys: list[tuple[str, int]],
    filters: list[Predicate],
    *,
    low: int,
    default: int,
    token_params: tuple[str, ...],
    min_ms: int,
    owned: bool = False,
) -> Reply:
    query = req.query
    shape = tweet_shape(query)
    limit = int_param(query, "max_results", low, 100, default)
    until = id_param(query, "until_id")
    hi = until if until is not None else 1 << 63
    for name in token_params:
        if query.get(name):
            hi = min(hi, read_token(query[name], name))
    start, end = time_param(query, "start_time"), time_param(query, "end_time")
    bounds = Bounds(
        now_ms=req.now_ms,
        lo=id_param(query, "since_id") or 0,
        hi=hi,
        min_ms=max(min_ms, start if start is not None else min_ms),
        max_ms=end if end is not None else 1 << 62,
    )
    world = state.world
    recs, more = cut_page(world, world.walk(keys, bounds), filters, limit)
    if not recs:
        return json_reply({"meta": {"result_count": 0}})
    meta: dict[str, Any] = {
        "newest_id": str(recs[0].id),
        "oldest_id": str(recs[-1].id),
        "result_count": len(recs),
    }
    if more:
        meta["next_token"] = make_token(recs[-1].id)
    body = tweets_body(state.serializer, recs, shape, req.now_ms, meta=meta)
    charges = post_reads((r.id for r in recs), owned=owned)
    return Reply(200, body, posts_read=len(recs), charges=charges)


def _known_user(state: MockState, req: Request) -> int | Reply:
    user_id = parse_id(req.params["id"], "id")
    if state.world.user(user_id) is None:
        return json_reply({"errors": [not_found("user", "id", str(user_id))]})
    return user_id


def _own(req: Request, user_id: int) -> bool:
    """Owned reads: a user reading its own timeline or mentions, in its own user context."""
    return req.auth.kind == "user" and req.auth.user_id == user_id


def user_tweets(state: MockState, req: Request) -> Reply:
    check_params(req.query, ("exclude", "pagination_token", *_PAGED))
    user_id = _known_user(state, req)
    if isinstance(user_id, Reply):
        return user_id
    filters: list[Predicate] = []
    for value in filter(None, req.query.get("exclude", "").split(",")):
        if value not in ("replies", "retweets"):
            raise invalid(
                "exclude",
                value,
                f"The `exclude` query parameter value [{value}] is not one of [replies,retweets]",
            )
        if value == "replies":
            filters.append(lambda r: r.parent == 0)
    return _page(
        state, req, [("author", user_id)], filters,
        low=5, default=10, token_params=("pagination_token",), min_ms=-(1 << 62),
        owned=_own(req, user_id),
    )  # fmt: skip


def mentions(state: MockState, req: Request) -> Reply:
    check_params(req.query, ("pagination_token", *_PAGED))
    user_id = _known_user(state, req)
    if isinstance(user_id, Reply):
        return user_id
    return _page(
        state, req, [("mention", user_id)], [],
        low=5, default=10, token_params=("pagination_token",), min_ms=-(1 << 62),
        owned=_own(req, user_id),
    )  # fmt: skip


def search_recent(state: MockState, req: Request) -> Reply:
    check_params(req.query, ("query", "next_token", "pagination_token", "sort_order", *_PAGED))
    if "query" not in req.query:
        raise invalid("query", [], "The `query` query parameter can not be empty")
    sort = req.query.get("sort_order", "recency")
    if sort not in ("recency", "relevancy"):
        raise invalid(
            "sort_order",
            sort,
            f"The `sort_order` query parameter value [{sort}] is not one of [recency,relevancy]",
        )
    oldest_ms = req.now_ms - SEVEN_DAYS_MS
    for name in ("since_id", "until_id"):
        post_id = id_param(req.query, name)
        if post_id is not None and snowflake_ms(post_id) < oldest_ms:
            # As X: recent search takes no id from before its 7-day window.
            raise invalid(
                name,
                str(post_id),
                f"Invalid '{name}':'{post_id}'. '{name}' must be a tweet id created after "
                f"{iso_ms(oldest_ms)}.",
            )
    plan = plan_search(state.world, req.query["query"])
    return _page(
        state, req, plan.keys, plan.filters,
        low=10, default=10, token_params=("next_token", "pagination_token"),
        min_ms=req.now_ms - SEVEN_DAYS_MS,
    )  # fmt: skip


def tweets_lookup(state: MockState, req: Request) -> Reply:
    check_params(req.query, ("ids", *_FIELDS))
    ids = _ids(req.query)
    shape = tweet_shape(req.query)
    recs, errors = [], []
    for post_id in ids:
        rec = state.world.visible(post_id, req.now_ms)
        if rec is None:
            errors.append(not_found("tweet", "ids", str(post_id), "ids"))
        else:
            recs.append(rec)
    body = tweets_body(state.serializer, recs, shape, req.now_ms, errors=errors)
    return Reply(200, body, posts_read=len(recs), charges=post_reads(r.id for r in recs))


def tweet(state: MockState, req: Request) -> Reply:
    check_params(req.query, _FIELDS)
    shape = tweet_shape(req.query)
    post_id = parse_id(req.params["id"], "id")
    rec = state.world.visible(post_id, req.now_ms)
    if rec is None:
        return json_reply({"errors": [not_found("tweet", "id", str(post_id))]})
    body = tweets_body(state.serializer, [rec], shape, req.now_ms, single=True)
    return Reply(200, body, posts_read=1, charges=post_reads([rec.id]))

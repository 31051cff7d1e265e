"""Search queries and pages.

A query is terms joined by spaces (AND). The most selective term with an index (a
conversation, an author, a replied-to user, a mentioned user, a parent post) picks the ids to
walk; every other term filters. Pages are cut newest first; a next token is given only when
another post is known to follow, so n posts cost exactly ceil(n / max_results) requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.mock_api.errors import ApiError, invalid
from bot.mock_api.table import Rec
from bot.mock_api.world import World
from bot.mock_api.world_base import MENTION

Predicate = Callable[[Rec], bool]
_TOKEN = re.compile(r'-?"[^"]*"|\S+')
_DOCS = (
    "https://developer.twitter.com/en/docs/twitter-api/tweets/search/integrate/build-a-query#list"
)
_NOTHING = ("none", 0)  # a key no index holds: the query can match nothing
MAX_QUERY = 512


@dataclass(slots=True)
class Plan:
    keys: list[tuple[str, int]] = field(default_factory=list)  # candidates: any of these indexes
    filters: list[Predicate] = field(default_factory=list)


def _bad_operator(query: str, name: str, position: int) -> ApiError:
    return invalid(
        "query",
        query,
        f"There were errors processing your request: Reference to invalid operator '{name}'. "
        "Operator is not available in current product or product packaging. Please refer to "
        f"complete available operator list at {_DOCS}. (at position {position})",
    )


def _user_key(world: World, kind: str, value: str) -> tuple[str, int]:
    if value.isdigit() and world.user(int(value)) is not None:
        return kind, int(value)
    user = world.user_by_username(value.lstrip("@"))
    return (kind, int(user.id)) if user is not None else _NOTHING


def _term(
    world: World, query: str, token: str, position: int
) -> tuple[tuple[str, int] | None, Predicate]:
    """(index key or None, the same condition as a predicate) for one positive term."""
    if token.startswith('"'):
        phrase = token.strip('"').lower()
        return None, lambda r: phrase in r.text.lower()
    if token.startswith("@") and len(token) > 1:
        key = _user_key(world, "mention", token[1:])
        return key, lambda r: key[1] in world.base.mentioned(r.text)
    name, sep, value = token.partition(":")
    if not sep:
        word = token.lower()
        return None, lambda r: word in r.text.lower()
    if name in ("conversation_id", "in_reply_to_tweet_id") and value.isdigit():
        target = int(value)
        if name == "conversation_id":
            return ("conv", target), lambda r: r.conv == target
        return ("children", target), lambda r: r.parent == target
    if name in ("from", "to") and value:
        key = _user_key(world, "author" if name == "from" else "to", value)
        if name == "from":
            return key, lambda r: r.author == key[1]
        return key, lambda r: r.reply_user == key[1]
    if name == "lang" and value:
        return None, lambda r: r.lang == value
    flags: dict[str, Predicate] = {
        "is:reply": lambda r: r.parent != 0,
        "is:retweet": lambda r: False,  # the mock world holds no retweets nor quotes
        "is:quote": lambda r: False,
        "has:links": lambda r: "http://" in r.text or "https://" in r.text,
        "has:mentions": lambda r: MENTION.search(r.text) is not None,
        "has:media": lambda r: bool(r.media),
    }
    if token in flags:
        return None, flags[token]
    raise _bad_operator(query, name if value else token, position)


def plan_search(world: World, query: str) -> Plan:
    if not query.strip():
        raise invalid("query", [], "The `query` query parameter can not be empty")
    if len(query) > MAX_QUERY:
        raise invalid("query", query, f"Query length exceeds {MAX_QUERY} characters")
    if re.search(r"(^|\s)OR(\s|$)|[()]", query):
        raise invalid("query", query, "The mock X API supports terms joined by spaces (AND) only")
    plan = Plan()
    best: tuple[int, tuple[str, int], Predicate] | None = None
    for match in _TOKEN.finditer(query):
        token = match.group()
        negated = token.startswith("-") and len(token) > 1
        key, test = _term(world, query, token[1:] if negated else token, match.start() + 1)
        if negated:
            plan.filters.append(lambda r, test=test: not test(r))  # type: ignore[misc]
            continue
        if key is None:
            plan.filters.append(test)
            continue
        index = world.base.index(*key)
        size = 0 if index is None else len(index.regular) + len(index.irregular)
        if best is None or size < best[0]:
            if best is not None:
                plan.filters.append(best[2])  # the old pick becomes a filter
            best = (size, key, test)
        else:
            plan.filters.append(test)
    plan.keys = [best[1] if best else ("all", 0)]
    return plan


def cut_page(
    world: World, ids: Iterator[int], filters: list[Predicate], limit: int
) -> tuple[list[Rec], bool]:
    """Up to ``limit`` posts passing every filter, and whether at least one more follows."""
    page: list[Rec] = []
    rec_of = world.rec
    for post_id in ids:
        rec = rec_of(post_id)
        if rec is None:
            continue
        for keep in filters:
            if not keep(rec):
                break
        else:
            if len(page) == limit:
                return page, True
            page.append(rec)
    return page, False


# pagination tokens: opaque to the client, the last id served in disguise
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_SALT = 0x5DEECE66D2B1F3A7


def _b36(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _ALPHABET[r] + out
    return out or "0"


def make_token(last_id: int) -> str:
    body = _b36(last_id ^ _SALT)
    return f"7140dibd{body}{_ALPHABET[sum(map(ord, body)) % 36]}"


def read_token(token: str, param: str) -> int:
    body, check = token[8:-1], token[-1:]
    ok = token.startswith("7140dibd") and body and check == _ALPHABET[sum(map(ord, body)) % 36]
    try:
        if ok and all(c in _ALPHABET for c in body):
            return int(body, 36) ^ _SALT
    except ValueError:
        pass
    raise invalid(param, token, f"The `{param}` query parameter value [{token}] is not valid")

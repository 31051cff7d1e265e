"""Turns a decoded scenario document into ``Scenario`` dataclasses, or says in one line what is
wrong and where (a JSON path such as ``posts[3].created_at``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, NoReturn

from bot.mock_api.scenario import (
    DEFAULT_INSTANCE,
    DEFAULT_MAX_CHARACTERS,
    ENDPOINTS,
    MASTODON_ENDPOINTS,
    GenerateSpec,
    PollSpec,
    PostSpec,
    RateLimitSpec,
    Scenario,
    ScenarioError,
    UserSpec,
    VoteSnapshot,
)
from bot.mock_api.timefmt import MAX_ID, parse_iso

_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_DOMAIN = re.compile(
    r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?"
)
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
_TIME_HINT = "an ISO 8601 UTC time like 2022-11-19T00:30:00.000Z"
MAX_GENERATED = 10_000_000


class _Invalid(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _fail(path: str, message: str) -> NoReturn:
    raise _Invalid(path, message)


def _got(value: Any) -> str:
    kind = {dict: "an object", list: "a list", bool: "a boolean", type(None): "null"}
    if type(value) in kind:
        return f"got {kind[type(value)]}"
    text = repr(value)
    return f"got {text[:60] + '...' if len(text) > 60 else text}"


def _obj(value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        _fail(path, f"expected an object, {_got(value)}")
    for key in required:
        if key not in value:
            _fail(f"{path}.{key}".lstrip("."), "required field is missing")
    known = required + optional
    for key in value:
        if key not in known:
            _fail(f"{path}.{key}".lstrip("."), f"unknown field (known: {', '.join(known)})")
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        _fail(path, f"expected a list, {_got(value)}")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        _fail(path, f"expected a non-empty string, {_got(value)}")
    return value


def _int(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, f"expected an integer, {_got(value)}")
    if not low <= value <= high:
        _fail(path, f"expected an integer from {low} to {high}, got {value}")
    return value


def _id(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        _fail(
            path, f'expected an id as a string of digits like "1593767953706921985", {_got(value)}'
        )
    return str(int(value))


def _time(value: Any, path: str) -> datetime:
    try:
        return parse_iso(value)
    except (TypeError, ValueError):
        _fail(path, f"expected {_TIME_HINT}, {_got(value)}")


def _user(value: Any, path: str) -> UserSpec:
    obj = _obj(value, path, ("id", "username"), ("name", *_PROFILE))
    username = _str(obj["username"], f"{path}.username")
    if not _USERNAME.fullmatch(username):
        _fail(f"{path}.username", f"expected 1-15 letters, digits or _, {_got(username)}")
    name = _str(obj["name"], f"{path}.name") if "name" in obj else username
    return UserSpec(
        id=_id(obj["id"], f"{path}.id"),
        username=username,
        name=name,
        created_at=_time(obj["created_at"], f"{path}.created_at") if "created_at" in obj else None,
        description=_text(obj, "description", path),
        protected=_flag(obj, "protected", path),
        verified=_flag(obj, "verified", path),
        profile_image_url=_text(obj, "profile_image_url", path),
        followers_count=(
            _int(obj["followers_count"], f"{path}.followers_count", 0, 10**10)
            if "followers_count" in obj
            else None
        ),
    )


# the profile fields a scenario user may set (``user.fields`` answers them)
_PROFILE = (
    "created_at",
    "description",
    "protected",
    "verified",
    "profile_image_url",
    "followers_count",
)


def _text(obj: dict, key: str, path: str) -> str | None:
    if key not in obj:
        return None
    if not isinstance(obj[key], str):
        _fail(f"{path}.{key}", f"expected a string, {_got(obj[key])}")
    return str(obj[key])


def _flag(obj: dict, key: str, path: str) -> bool | None:
    if key not in obj:
        return None
    if not isinstance(obj[key], bool):
        _fail(f"{path}.{key}", f"expected true or false, {_got(obj[key])}")
    return bool(obj[key])


def _users(data: dict) -> tuple[UserSpec, tuple[UserSpec, ...]]:
    bot = _user(data["bot"], "bot")
    by_id: dict[str, str] = {bot.id: "bot"}
    by_name: dict[str, str] = {bot.username.lower(): "bot"}
    users: list[UserSpec] = []
    for i, raw in enumerate(_list(data.get("users", []), "users")):
        path = f"users[{i}]"
        user = _user(raw, path)
        if user.id == bot.id and user.username == bot.username:
            continue  # the bot may be listed among the users too
        if user.id in by_id:
            _fail(f"{path}.id", f"duplicate user id {user.id!r} (also {by_id[user.id]})")
        if user.username.lower() in by_name:
            _fail(
                f"{path}.username",
                f"duplicate username {user.username!r} (also {by_name[user.username.lower()]})",
            )
        by_id[user.id] = path
        by_name[user.username.lower()] = path
        users.append(user)
    return bot, tuple(users)


def _poll(value: Any, path: str, created_at: datetime) -> PollSpec:
    obj = _obj(value, path, ("id", "duration_minutes", "options"), ("votes",))
    duration = _int(obj["duration_minutes"], f"{path}.duration_minutes", 5, 10080)
    options = _list(obj["options"], f"{path}.options")
    if not 2 <= len(options) <= 4:
        _fail(f"{path}.options", f"expected 2 to 4 options, got {len(options)}")
    labels = tuple(_str(label, f"{path}.options[{j}]") for j, label in enumerate(options))
    closes = created_at + timedelta(minutes=duration)
    votes: list[VoteSnapshot] = []
    for j, raw in enumerate(_list(obj.get("votes", []), f"{path}.votes")):
        vpath = f"{path}.votes[{j}]"
        entry = _obj(raw, vpath, ("at", "counts"))
        at = _time(entry["at"], f"{vpath}.at")
        counts = _list(entry["counts"], f"{vpath}.counts")
        if len(counts) != len(labels):
            _fail(
                f"{vpath}.counts",
                f"expected {len(labels)} counts (one per option), got {len(counts)}",
            )
        snapshot = VoteSnapshot(
            at=at,
            counts=tuple(_int(c, f"{vpath}.counts[{k}]", 0, 10**12) for k, c in enumerate(counts)),
        )
        if not created_at <= at <= closes:
            _fail(
                f"{vpath}.at",
                f"votes must fall between the post's created_at and the close, {_got(entry['at'])}",
            )
        if votes and at < votes[-1].at:
            _fail(
                f"{vpath}.at",
                f"votes entries go backwards in time ({entry['at']} is before the previous entry)",
            )
        for k, (old, new) in enumerate(
            zip(votes[-1].counts if votes else (), snapshot.counts, strict=False)
        ):
            if new < old:
                _fail(f"{vpath}.counts[{k}]", f"votes cannot fall (from {old} to {new})")
        votes.append(snapshot)
    return PollSpec(
        id=_id(obj["id"], f"{path}.id"),
        duration_minutes=duration,
        options=labels,
        votes=tuple(votes),
    )


_POST_FIELDS = ("lang", "in_reply_to", "poll")


def _posts(data: dict, known_users: set[str]) -> tuple[PostSpec, ...]:
    posts: list[PostSpec] = []
    where: dict[str, int] = {}
    poll_where: dict[str, str] = {}
    raws = _list(data.get("posts", []), "posts")
    for i, raw in enumerate(raws):
        path = f"posts[{i}]"
        obj = _obj(raw, path, ("id", "author_id", "created_at", "text"), _POST_FIELDS)
        post_id = _id(obj["id"], f"{path}.id")
        if post_id in where:
            _fail(f"{path}.id", f"duplicate post id {post_id!r} (also posts[{where[post_id]}])")
        author = _id(obj["author_id"], f"{path}.author_id")
        if author not in known_users:
            _fail(f"{path}.author_id", f"unknown author {author!r} (not the bot nor in users)")
        created = _time(obj["created_at"], f"{path}.created_at")
        lang = obj.get("lang", "en")
        if not isinstance(lang, str) or not (_LANG.fullmatch(lang) or lang in ("und", "zxx")):
            _fail(f"{path}.lang", f'expected a language code like "en" or "pt-BR", {_got(lang)}')
        reply = (
            _id(obj["in_reply_to"], f"{path}.in_reply_to")
            if obj.get("in_reply_to") is not None
            else None
        )
        poll = _poll(obj["poll"], f"{path}.poll", created) if obj.get("poll") is not None else None
        if poll is not None:
            if poll.id in poll_where:
                _fail(
                    f"{path}.poll.id", f"duplicate poll id {poll.id!r} (also {poll_where[poll.id]})"
                )
            poll_where[poll.id] = f"{path}.poll"
        where[post_id] = i
        text = _str(obj["text"], f"{path}.text")
        posts.append(PostSpec(post_id, author, created, text, lang, reply, poll))
    for i, post in enumerate(posts):
        if post.in_reply_to is None:
            continue
        if post.in_reply_to not in where:
            _fail(f"posts[{i}].in_reply_to", f"reply to unknown post {post.in_reply_to!r}")
        parent = posts[where[post.in_reply_to]]
        if post.created_at < parent.created_at or post.in_reply_to == post.id:
            _fail(
                f"posts[{i}].created_at",
                f"a reply cannot be older than the post it answers (posts[{where[parent.id]}])",
            )
    _check_no_cycles(posts, where)
    return tuple(posts)


def _check_no_cycles(posts: list[PostSpec], where: dict[str, int]) -> None:
    for i, post in enumerate(posts):
        seen = {post.id}
        parent = post.in_reply_to
        while parent is not None:
            if parent in seen:
                _fail(f"posts[{i}].in_reply_to", "replies go round in a circle")
            seen.add(parent)
            parent = posts[where[parent]].in_reply_to


def _generate(value: Any, path: str, post_ids: dict[str, PostSpec]) -> GenerateSpec:
    obj = _obj(value, path, ("replies_to", "count", "seed"), ("from", "to"))
    targets = _list(obj["replies_to"], f"{path}.replies_to")
    if not targets:
        _fail(f"{path}.replies_to", "expected at least one post id")
    roots = tuple(_id(t, f"{path}.replies_to[{j}]") for j, t in enumerate(targets))
    for j, root in enumerate(roots):
        if root not in post_ids:
            _fail(f"{path}.replies_to[{j}]", f"unknown post {root!r} (not in posts)")
    count = _int(obj["count"], f"{path}.count", 0, MAX_GENERATED)
    seed = _int(obj["seed"], f"{path}.seed", -(2**63), 2**63)
    latest = max(post_ids[r].created_at for r in roots)
    start = _time(obj["from"], f"{path}.from") if "from" in obj else latest
    end = _time(obj["to"], f"{path}.to") if "to" in obj else start + timedelta(days=1)
    if end < start:
        _fail(
            f"{path}.to",
            f"the span ends before it starts ({obj.get('to')!r} < {obj.get('from')!r})",
        )
    return GenerateSpec(replies_to=roots, count=count, seed=seed, start=start, end=end)


def _rate_limits(value: Any) -> dict[str, RateLimitSpec]:
    names = ENDPOINTS + tuple(n for n in MASTODON_ENDPOINTS if n not in ENDPOINTS)
    obj = _obj(value, "rate_limits", (), names)
    limits: dict[str, RateLimitSpec] = {}
    for name, raw in obj.items():
        entry = _obj(raw, f"rate_limits.{name}", ("limit", "window_s"))
        limits[name] = RateLimitSpec(
            limit=_int(entry["limit"], f"rate_limits.{name}.limit", 1, 10**9),
            window_s=_int(entry["window_s"], f"rate_limits.{name}.window_s", 1, 10**7),
        )
    return limits


def _scenario(data: Any, source: str, default_name: str) -> Scenario:
    optional = ("name", "users", "posts", "generate", "rate_limits", "instance", "max_characters")
    obj = _obj(data, "", ("start", "bot"), optional)
    name = _str(obj["name"], "name") if "name" in obj else default_name
    start = _time(obj["start"], "start")
    bot, users = _users(obj)
    posts = _posts(obj, {bot.id, *(u.id for u in users)})
    by_id = {p.id: p for p in posts}
    raw_generate = obj.get("generate", [])
    if isinstance(raw_generate, list):
        generate = tuple(_generate(g, f"generate[{j}]", by_id) for j, g in enumerate(raw_generate))
    else:
        generate = (_generate(raw_generate, "generate", by_id),)
    limits = _rate_limits(obj.get("rate_limits", {}))
    instance = DEFAULT_INSTANCE
    if "instance" in obj:
        instance = _str(obj["instance"], "instance").lower()
        if not _DOMAIN.fullmatch(instance):
            _fail(
                "instance",
                f'expected a domain name like "mastodon.example", {_got(obj["instance"])}',
            )
    max_characters = DEFAULT_MAX_CHARACTERS
    if "max_characters" in obj:
        max_characters = _int(obj["max_characters"], "max_characters", 1, 1_000_000)
    return Scenario(
        name, source, start, bot, users, posts, generate, limits, instance, max_characters
    )


def validate(data: Any, *, source: str, default_name: str) -> Scenario:
    try:
        return _scenario(data, source, default_name)
    except _Invalid as exc:
        where = f"{exc.path}: " if exc.path else ""
        raise ScenarioError(f"scenario {source}: {where}{exc.message}") from None

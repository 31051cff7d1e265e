"""The Mastodon reads: accounts, an account's statuses, a status and its context, polls,
notifications. What is visible follows the engine: a status once the scenario clock reaches its
``created_at``; a status posted as ``private`` or ``direct`` only to its author (and, when
direct, to those it mentions)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.mock_api.errors import dumps
from bot.mock_api.handlers.base import Reply, Request, json_reply
from bot.mock_api.mastodon.errors import not_found
from bot.mock_api.mastodon.paging import ascending, link_header, page, window
from bot.mock_api.mastodon.serialize import (
    NOTIFICATION_BASE,
    account_json,
    credentials_json,
    notification_json,
    poll_json,
    rendered,
    status_json,
)
from bot.mock_api.mastodon.state import MastodonState, mastodon
from bot.mock_api.scenario import UserSpec
from bot.mock_api.state import MockState
from bot.mock_api.table import Rec

CONTEXT_LIMIT = 4_096  # with a token: "quasi-unlimited", as Mastodon says
ANCESTORS_LIMIT = 40  # without one
DESCENDANTS_LIMIT = 60
DESCENDANTS_DEPTH_LIMIT = 20
_FALSE = ("", "0", "f", "false", "off", "F", "FALSE", "False", "OFF")
_STATUS_PAGING = ("limit", "only_media", "exclude_replies", "exclude_reblogs", "pinned", "tagged")
_NOTE_PAGING = ("limit", "types[]", "exclude_types[]", "account_id")


def viewer(req: Request) -> int | None:
    """The account asking, or None without a token."""
    return req.auth.user_id if req.auth.kind == "user" else None


def truthy(req: Request, name: str) -> bool:
    return name in req.query and req.query[name] not in _FALSE


def can_see(state: MastodonState, rec: Rec, who: int | None) -> bool:
    posted = state.posted.get(rec.id)
    if posted is None or posted.visibility in ("public", "unlisted") or who == rec.author:
        return True
    return posted.visibility == "direct" and who in rendered(state, rec).mentions


def _account(state: MastodonState, raw: str) -> UserSpec:
    found = state.world.user(int(raw)) if raw.isdigit() else None
    if found is None:
        raise not_found()
    return found


def status_at(state: MastodonState, raw: str, req: Request) -> Rec:
    """The status ``raw`` names, as the asker may see it now; else Mastodon's 404."""
    rec = state.world.visible(int(raw), req.now_ms) if raw.isdigit() else None
    if rec is None or not can_see(state, rec, viewer(req)):
        raise not_found()
    return rec


def _statuses(state: MastodonState, recs: list[Rec], req: Request, **extra: Any) -> Reply:
    who = viewer(req)
    body = [status_json(state, r, req.now_ms, who) for r in recs]
    return Reply(200, dumps(body), posts_read=len(recs), **extra)


def account_lookup(state: MockState, req: Request) -> Reply:
    """``acct`` = ``username`` or ``username@instance``: local accounts only."""
    m = mastodon(state)
    username, _, domain = req.query.get("acct", "").strip().lstrip("@").partition("@")
    user = m.world.user_by_username(username) if username else None
    if user is None or (domain and domain.lower() != m.instance):
        raise not_found()
    return json_reply(account_json(m, user, req.now_ms))


def account(state: MockState, req: Request) -> Reply:
    m = mastodon(state)
    return json_reply(account_json(m, _account(m, req.params["id"]), req.now_ms))


def verify_credentials(state: MockState, req: Request) -> Reply:
    m = mastodon(state)
    user = m.world.user(req.auth.user_id)
    assert user is not None
    return json_reply(credentials_json(m, user, req.now_ms))


def account_statuses(state: MockState, req: Request) -> Reply:
    """Newest first; ``exclude_replies`` keeps an account's replies to itself (threads), as
    Mastodon does; there are no reblogs or pins in the mock's world."""
    m = mastodon(state)
    user = _account(m, req.params["id"])
    win = window(req.query, 20, 40)
    who = viewer(req)
    no_replies, only_media = truthy(req, "exclude_replies"), truthy(req, "only_media")

    def keep(r: Rec) -> bool:
        if no_replies and r.parent and r.reply_user != r.author:
            return False
        return (not only_media or bool(r.media)) and can_see(m, r, who)

    recs = (
        []
        if truthy(req, "pinned")
        else page(m.world, ("author", int(user.id)), win, req.now_ms, keep)
    )
    full = len(recs) == win.limit
    headers = link_header(
        req, _STATUS_PAGING, recs[-1].id if full else None, recs[0].id if recs else None
    )
    return _statuses(m, recs, req, headers=headers)


def status(state: MockState, req: Request) -> Reply:
    m = mastodon(state)
    rec = status_at(m, req.params["id"], req)
    return Reply(200, dumps(status_json(m, rec, req.now_ms, viewer(req))), posts_read=1)


def _children(m: MastodonState, post_id: int, now_ms: int) -> Iterator[int]:
    index = m.world.base.index("children", post_id)
    return iter(()) if index is None else ascending(index, 0, 1 << 63, now_ms, m.world.ms_of)


def descendants(m: MastodonState, rec: Rec, req: Request) -> list[Rec]:
    """Depth first, each status's replies oldest first (Mastodon's order by path), as many as
    Mastodon gives: 4,096 with a token; without one 60, no deeper than 20."""
    who = viewer(req)
    limit = CONTEXT_LIMIT if who is not None else DESCENDANTS_LIMIT
    depth_limit = None if who is not None else DESCENDANTS_DEPTH_LIMIT
    out: list[Rec] = []
    stack = [(_children(m, rec.id, req.now_ms), 1)]
    while stack and len(out) < limit:
        ids, depth = stack[-1]
        child_id = next(ids, None)
        if child_id is None:
            stack.pop()
            continue
        child = m.world.rec(child_id)
        if child is None or not can_see(m, child, who):
            continue
        out.append(child)
        if depth_limit is None or depth < depth_limit:
            stack.append((_children(m, child_id, req.now_ms), depth + 1))
    return out


def status_context(state: MockState, req: Request) -> Reply:
    m = mastodon(state)
    rec = status_at(m, req.params["id"], req)
    who = viewer(req)
    limit = CONTEXT_LIMIT if who is not None else ANCESTORS_LIMIT
    ancestors: list[Rec] = []
    parent = m.world.rec(rec.parent) if rec.parent else None
    while parent is not None and len(ancestors) < limit:
        if can_see(m, parent, who):
            ancestors.append(parent)
        parent = m.world.rec(parent.parent) if parent.parent else None
    ancestors.reverse()
    down = descendants(m, rec, req)
    body = {
        "ancestors": [status_json(m, r, req.now_ms, who) for r in ancestors],
        "descendants": [status_json(m, r, req.now_ms, who) for r in down],
    }
    return Reply(200, dumps(body), posts_read=len(ancestors) + len(down))


def poll(state: MockState, req: Request) -> Reply:
    m = mastodon(state)
    raw = req.params["id"]
    post_id = m.polls.get(int(raw)) if raw.isdigit() else None
    rec = m.world.visible(post_id, req.now_ms) if post_id is not None else None
    if rec is None:
        raise not_found()
    return json_reply(poll_json(m, rec, req.now_ms, viewer(req)))


def notifications(state: MockState, req: Request) -> Reply:
    """The asker's notifications: in the mock's world, mentions only (a status that names the
    account, by someone else). Ids are the notifications' own (see ``NOTIFICATION_BASE``)."""
    m = mastodon(state)
    who = req.auth.user_id
    types = req.multi.get("types[]", []) + req.multi.get("types", [])
    excluded = req.multi.get("exclude_types[]", []) + req.multi.get("exclude_types", [])
    source = req.query.get("account_id", "")
    win = window(req.query, 40, 80, offset=NOTIFICATION_BASE)

    def keep(r: Rec) -> bool:
        if source and str(r.author) != source:
            return False
        # the engine's index holds every @name; Mastodon notifies the local account only
        return r.author != who and who in rendered(m, r).mentions and can_see(m, r, who)

    wanted = (not types or "mention" in types) and "mention" not in excluded
    recs = page(m.world, ("mention", who), win, req.now_ms, keep) if wanted else []
    body = [notification_json(m, r, req.now_ms, who) for r in recs]
    headers = link_header(
        req,
        _NOTE_PAGING,
        recs[-1].id + NOTIFICATION_BASE if recs else None,
        recs[0].id + NOTIFICATION_BASE if recs else None,
    )
    return Reply(200, dumps(body), posts_read=len(recs), headers=headers)

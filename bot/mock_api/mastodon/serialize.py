"""Accounts, statuses, polls, media and notifications as Mastodon 4.x writes them: ids as
strings, times in ISO 8601 with milliseconds, the key sets of the recordings in
``shared/data/mastodon-samples``. What moves with the clock (a status's ``replies_count``, an
account's ``statuses_count``, a poll's counts) is read at the time asked."""

from __future__ import annotations

from hashlib import sha1
from typing import Any

from bot.mock_api.mastodon.html import Rendered, render
from bot.mock_api.mastodon.state import MastodonState, Posted
from bot.mock_api.profiles import user_json
from bot.mock_api.scenario import UserSpec
from bot.mock_api.table import Bounds, Rec
from bot.mock_api.timefmt import iso_ms
from bot.mock_api.world import MediaItem

DAY_MS = 86_400_000
APPROVAL = {"automatic": ["public"], "manual": [], "current_user": "automatic"}
_PROFILE = frozenset({"created_at", "description", "public_metrics", "profile_image_url"})
_BLURHASH = "UGC~-#M{0JfkNFofR%M{IURj%Mt7E0oM%MR*"
_PUBLIC = Posted()


def _language(lang: str | None) -> str | None:
    return None if lang in (None, "", "und", "zxx") else lang


def account_json(state: MastodonState, user: UserSpec, now_ms: int) -> dict[str, Any]:
    """An account as others see it: its profile and its statuses visible at ``now_ms``."""
    world, inst = state.world, state.instance
    uid = int(user.id)
    profile = user_json(user, _PROFILE)
    index = world.base.index("author", uid)
    count = 0 if index is None else index.count_visible(now_ms, world.ms_of)
    last = next(iter(world.walk([("author", uid)], Bounds(now_ms=now_ms))), None) if count else None
    created = profile["created_at"][:10] + "T00:00:00.000Z"  # Mastodon keeps the day only
    note = profile["description"]
    avatar = user.profile_image_url or f"https://{inst}/avatars/original/missing.png"
    header = f"https://{inst}/headers/original/missing.png"
    metrics = profile["public_metrics"]
    return {
        "id": user.id,
        "username": user.username,
        "acct": user.username,  # a local account
        "display_name": user.name,
        "locked": bool(user.protected),
        "bot": uid == world.bot_id,
        "discoverable": True,
        "indexable": True,
        "group": False,
        "created_at": created,
        "note": render(note, inst, lambda _: None).content if note else "",
        "url": f"https://{inst}/@{user.username}",
        "uri": f"https://{inst}/ap/users/{user.id}",
        "avatar": avatar,
        "avatar_static": avatar,
        "avatar_description": "",
        "header": header,
        "header_static": header,
        "header_description": "",
        "followers_count": metrics["followers_count"],
        "following_count": metrics["following_count"],
        "statuses_count": count,
        "last_status_at": iso_ms(world.ms_of(last))[:10] if last is not None else None,
        "hide_collections": None,
        "show_media": True,
        "show_media_replies": True,
        "show_featured": True,
        "noindex": False,
        "feature_approval": {"automatic": [], "manual": [], "current_user": "denied"},
        "emojis": [],
        "roles": [],
        "fields": [],
    }


def credentials_json(state: MastodonState, user: UserSpec, now_ms: int) -> dict[str, Any]:
    """``verify_credentials``: the account with its ``source`` and ``role``."""
    out = account_json(state, user, now_ms)
    fields = out.pop("emojis"), out.pop("roles"), out.pop("fields")
    out["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": None,
        "note": user.description or "",
        "fields": [],
        "follow_requests_count": 0,
        "hide_collections": None,
        "discoverable": True,
        "indexable": True,
        "attribution_domains": [],
        "quote_policy": "public",
    }
    out["emojis"], out["roles"], out["fields"] = fields
    out["role"] = {
        "id": "-99",
        "name": "",
        "permissions": "0",
        "color": "",
        "highlighted": False,
        "collection_limit": 10,
    }
    return out


def rendered(state: MastodonState, rec: Rec) -> Rendered:
    cache = state.render_cache()
    found = cache.get(rec.id)
    if found is None:
        world = state.world

        def local(username: str) -> tuple[int, str] | None:
            user = world.user_by_username(username)
            return None if user is None else (int(user.id), user.username)

        found = cache[rec.id] = render(rec.text, state.instance, local)
    return found


def poll_json(state: MastodonState, rec: Rec, now_ms: int, viewer: int | None) -> dict[str, Any]:
    poll = rec.poll
    assert poll is not None
    live = state.world.poll_state(rec, now_ms)
    total = sum(live.counts)
    out: dict[str, Any] = {
        "id": poll.id,
        "expires_at": iso_ms(live.end_ms),
        "expired": not live.open,
        "multiple": False,
        "votes_count": total,
        "voters_count": total,  # one choice a voter
    }
    if viewer is not None:  # as Mastodon: only a signed-in viewer learns whether it voted
        out["voted"] = viewer == rec.author  # a poll's author counts as having voted
        out["own_votes"] = []
    out["options"] = [
        {"title": title, "votes_count": votes}
        for title, votes in zip(poll.options, live.counts, strict=True)
    ]
    out["emojis"] = []
    return out


def media_json(state: MastodonState, item: MediaItem) -> dict[str, Any]:
    digits = f"{item.id:018d}"
    path = "/".join(digits[i : i + 3] for i in range(0, len(digits), 3))
    name = sha1(str(item.id).encode()).hexdigest()[:16]
    ext = {"image/png": "png", "image/gif": "gif", "image/webp": "webp"}.get(item.mime, "jpg")
    base = f"https://{state.instance}/system/media_attachments/files/{path}"
    width, height = item.width, item.height
    aspect = round(width / height, 4) if width and height else 1.0
    small_w, small_h = (min(width, 480), min(height, 480)) if width and height else (480, 480)
    return {
        "id": str(item.id),
        "type": "gifv" if item.mime == "image/gif" else "image",
        "url": f"{base}/original/{name}.{ext}",
        "preview_url": f"{base}/small/{name}.{ext}",
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": {
                "width": width,
                "height": height,
                "size": f"{width}x{height}",
                "aspect": aspect,
            },
            "small": {
                "width": small_w,
                "height": small_h,
                "size": f"{small_w}x{small_h}",
                "aspect": aspect,
            },
        },
        "description": item.description,
        "blurhash": _BLURHASH,
    }


def status_json(state: MastodonState, rec: Rec, now_ms: int, viewer: int | None) -> dict[str, Any]:
    """A status as ``viewer`` (an account id; None without a token) sees it at ``now_ms``."""
    world, inst = state.world, state.instance
    author = world.user(rec.author)
    assert author is not None
    how = state.posted.get(rec.id, _PUBLIC)
    shown = rendered(state, rec)
    language = how.language if rec.id in state.posted else _language(rec.lang)
    sid = str(rec.id)
    mentioned = [u for u in map(world.user, shown.mentions) if u is not None]
    out: dict[str, Any] = {
        "id": sid,
        "created_at": iso_ms(rec.ms),
        "in_reply_to_id": str(rec.parent) if rec.parent else None,
        "in_reply_to_account_id": str(rec.reply_user) if rec.reply_user else None,
        "sensitive": how.sensitive,
        "spoiler_text": how.spoiler_text,
        "visibility": how.visibility,
        "language": language,
        "uri": f"https://{inst}/ap/users/{author.id}/statuses/{sid}",
        "url": f"https://{inst}/@{author.username}/{sid}",
        "replies_count": world.reply_count(rec.id, now_ms),
        "reblogs_count": 0,
        "favourites_count": 0,
        "quotes_count": 0,
        "edited_at": None,
    }
    if viewer is not None:  # as Mastodon: the viewer's own relation, only with a token
        out |= {"favourited": False, "reblogged": False, "muted": False}
        out |= {"bookmarked": False, "pinned": False}
    out["content"] = shown.content
    if viewer is not None:
        out["filtered"] = []
    media = [world.media.get(int(m)) for m in rec.media if m.isdigit()]
    out |= {
        "reblog": None,
        "application": {"name": "Web", "website": None},
        "account": account_json(state, author, now_ms),
        "media_attachments": [media_json(state, m) for m in media if m is not None],
        "mentions": [
            {
                "id": u.id,
                "username": u.username,
                "url": f"https://{inst}/@{u.username}",
                "acct": u.username,
            }
            for u in mentioned
        ],
        "tags": [{"name": t, "url": f"https://{inst}/tags/{t}"} for t in shown.tags],
        "emojis": [],
        "tagged_collections": [],
        "quote": None,
        "card": None,
        "poll": poll_json(state, rec, now_ms, viewer) if rec.poll else None,
        "quote_approval": APPROVAL,
    }
    return out


NOTIFICATION_BASE = 1 << 62  # a notification's id: its status's id plus this (ids of their own)


def notification_json(state: MastodonState, rec: Rec, now_ms: int, viewer: int) -> dict[str, Any]:
    """The mention notification a status makes for ``viewer``."""
    author = state.world.user(rec.author)
    assert author is not None
    nid = str(rec.id + NOTIFICATION_BASE)
    return {
        "id": nid,
        "type": "mention",
        "created_at": iso_ms(rec.ms),
        "group_key": f"ungrouped-{nid}",
        "account": account_json(state, author, now_ms),
        "status": status_json(state, rec, now_ms, viewer),
    }

"""Writing: ``POST /2/tweets`` and the media uploads (v1.1 simple upload and v2)."""

from __future__ import annotations

import json
from typing import Any

from twitter_text import parse_tweet

from bot.mock_api.billing import post_created
from bot.mock_api.errors import (
    ApiError,
    forbidden,
    invalid,
    invalid_body,
    unsupported_auth,
    upload_error,
    v1_error,
)
from bot.mock_api.handlers.base import Reply, Request, json_reply
from bot.mock_api.media import MAX_IMAGE_BYTES, decode_base64, form_fields, sniff_image
from bot.mock_api.state import MockState
from bot.mock_api.table import Rec
from bot.mock_api.world import MediaItem

DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
NOT_VISIBLE = "You attempted to reply to a Tweet that is deleted or not visible to you."
# X's answer, since February 2026, to a self-serve app replying where it was not summoned
NOT_SUMMONED = (
    "Reply to this conversation is not allowed because you have not been mentioned or "
    "otherwise engaged by the author of the post you are replying to."
)
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length "
    "see https://github.com/twitter/twitter-text."
)


def _json_body(req: Request) -> dict[str, Any]:
    try:
        body = json.loads(req.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise invalid_body("Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid_body("Request body must be a JSON object")
    return body


def create_tweet(state: MockState, req: Request) -> Reply:
    if req.auth.kind != "user":
        raise unsupported_auth()
    body = _json_body(req)
    world = state.world
    text = body.get("text", "")
    reply = body.get("reply") or {}
    media = body.get("media") or {}
    if not isinstance(text, str) or not isinstance(reply, dict) or not isinstance(media, dict):
        raise invalid_body("text must be a string; reply and media must be objects")
    media_ids = [str(m) for m in media.get("media_ids") or []]
    if not text and not media_ids:
        raise invalid_body("Post text or media is required")
    if parse_tweet(text).weightedLength > 280:
        raise invalid_body(TOO_LONG)
    for media_id in media_ids:
        if not media_id.isdigit() or int(media_id) not in world.media:
            raise invalid("media.media_ids", media_ids, "Your media IDs are invalid.")
    parent = None
    if reply.get("in_reply_to_tweet_id") is not None:
        raw = str(reply["in_reply_to_tweet_id"])
        parent = world.visible(int(raw), req.now_ms) if raw.isdigit() else None
        if parent is None:
            raise forbidden(NOT_VISIBLE)
    author = req.auth.user_id
    if parent is not None and not _may_reply(state, parent, author):
        raise forbidden(NOT_SUMMONED)
    if text and world.has_recent_text(author, text, req.now_ms):
        raise forbidden(DUPLICATE)
    rec = world.create_post(
        author=author, text=text, parent=parent, media=tuple(media_ids), lang="en"
    )
    if author != world.bot_id:
        return json_reply({"data": {"id": str(rec.id), "text": rec.text}}, status=201)
    summoned = parent is not None and parent.author != author
    return json_reply(
        {"data": {"id": str(rec.id), "text": rec.text}},
        status=201,
        charges=(post_created(text, summoned=summoned),),
    )


def _may_reply(state: MockState, parent: Rec, author: int) -> bool:
    """X's reply rule for self-serve apps (February 2026): a reply only to the poster's own post
    (a thread), or to a post that mentions the poster or quotes one of its posts. The mock's
    world holds no quotes, so only the first two can hold here.

    The rule binds the app, which posts as the scenario's bot. Posting as any other user (a
    test's operator, say) stands for a person writing in X's own apps: neither bound by the
    rule nor billed to the app."""
    if author != state.world.bot_id:
        return True
    return parent.author == author or author in state.world.base.mentioned(parent.text)


def _upload(state: MockState, req: Request) -> MediaItem:
    content_type = req.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        fields = {k: str(v).encode() for k, v in _json_body(req).items()}
        data = decode_base64(fields["media"]) if "media" in fields else None
    else:
        fields = form_fields(content_type, req.body)
        data = fields.get("media")
        if data is None and "media_data" in fields:
            data = decode_base64(fields["media_data"])
    if "command" in fields:
        raise upload_error(
            "Chunked upload (command=INIT/APPEND/FINALIZE) is not supported by the mock; send the image whole."
        )
    if not data:
        raise upload_error("media parameter is missing.")
    if len(data) > MAX_IMAGE_BYTES:
        raise upload_error(f"File size exceeds {MAX_IMAGE_BYTES} bytes.")
    image = sniff_image(data)
    if image is None:
        raise upload_error("media type unrecognized.")
    mime, width, height = image
    return state.world.add_media(
        owner=req.auth.user_id, size=len(data), mime=mime, width=width, height=height
    )


def _media_json(item: MediaItem) -> dict[str, Any]:
    return {
        "media_id": item.id,
        "media_id_string": str(item.id),
        "media_key": f"3_{item.id}",
        "size": item.size,
        "expires_after_secs": 86400,
        "image": {"image_type": item.mime, "w": item.width, "h": item.height},
    }


def media_upload_v1(state: MockState, req: Request) -> Reply:
    if req.auth.kind != "user":
        raise v1_error(403, "Your credentials do not allow access to this resource.", 220)
    return json_reply(_media_json(_upload(state, req)))


def media_upload_v2(state: MockState, req: Request) -> Reply:
    if req.auth.kind != "user":
        raise unsupported_auth()
    try:
        item = _upload(state, req)
    except ApiError as exc:
        if "error" in exc.body:  # the v2 endpoint speaks v2 errors
            raise invalid_body(str(exc.body["error"])) from None
        raise
    out = _media_json(item)
    data = {"id": out["media_id_string"], "media_key": out["media_key"], "size": out["size"]}
    data |= {"expires_after_secs": out["expires_after_secs"], "image": out["image"]}
    return json_reply({"data": data})

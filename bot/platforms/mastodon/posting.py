"""Posting: the ``Idempotency-Key`` that makes a status safe to repeat, and image uploads.

Mastodon keeps an ``Idempotency-Key`` per account for an hour: a ``POST /api/v1/statuses``
carrying a key it has seen answers with the status made the first time instead of making a
second. The key is derived from what the post *is*, never from when or by which process it is
tried: the bot's account id, the text, the status it answers and the bytes of the attached
image. So a retry after a timeout (the status may have been made), and a restarted process
trying the same summary again within the hour, both get the first status back.

Posting the same text twice on purpose (two windows with identical summaries within an hour)
gives one status: what the bot would want anyway.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import mastodon

from bot.platforms.mastodon.chokepoint import Call
from bot.platforms.mastodon.parse import wire_id
from jobs.errors import PlatformUnavailable
from jobs.platform import Media

KEY_PREFIX = "pollbot-"
MEDIA_CHECKS = 5  # times an upload still processing is asked about before posting anyway


def idempotency_key(
    account_id: str, text: str, *, in_reply_to: str | None, media: Media | None
) -> str:
    """``pollbot-`` and a SHA-256 over the post's parts, each length-prefixed so no two
    different posts can run together into the same bytes."""
    digest = hashlib.sha256()
    image = hashlib.sha256(media.data).hexdigest() if media is not None else ""
    for part in (account_id, text, in_reply_to or "", image):
        raw = part.encode("utf-8")
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return KEY_PREFIX + digest.hexdigest()


def upload_media(
    call: Call,
    api: mastodon.Mastodon,
    media: Media,
    *,
    pause: Callable[[int, str], None],
    checks: int = MEDIA_CHECKS,
) -> str:
    """``POST /api/v2/media`` with the description as alt text; the new media id.

    Mastodon processes a small image at once (200, with its ``url``); a larger one later (202,
    ``url`` null), and refuses a status attaching it before then (422). So while ``url`` is
    null, ``GET /api/v1/media/:id`` is asked again after a backoff, ``checks`` times at most
    (both counted as ``media_upload``); then the post is tried all the same.
    """
    extension = media.mime_type.rsplit("/", 1)[-1] or "png"
    upload = functools.partial(
        api.media_post,
        media.data,
        mime_type=media.mime_type,
        description=media.description or None,
        file_name=f"chart.{extension}",
    )
    body = call("media_upload", upload, None).body
    media_id = wire_id(body.get("id")) if isinstance(body, dict) else None
    if media_id is None:
        raise PlatformUnavailable(
            "Mastodon API media_upload answered without a media id", endpoint="media_upload"
        )
    for attempt in range(checks):
        if not isinstance(body, dict) or body.get("url") is not None:
            break
        pause(attempt, "for Mastodon to process the image")
        body = call("media_upload", functools.partial(api.media, media_id), None).body
    return media_id

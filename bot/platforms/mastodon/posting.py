"""What makes a status post safe to repeat: its ``Idempotency-Key``.

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

import hashlib

from jobs.platform import Media

KEY_PREFIX = "pollbot-"


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

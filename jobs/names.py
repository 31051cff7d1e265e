"""What an operator may name, as plain keys: ``@username`` and post ids or URLs. Pure
parsing with no storage behind it, so that reading the configuration (``bot.config``) costs
no database library; ``jobs.subjects`` makes subjects of these keys."""

from __future__ import annotations

import re

from jobs.errors import UsageError, shown

# X's usernames: letters, digits and _, 1 to 15 of them. Every parser of names uses this.
USERNAME = r"[A-Za-z0-9_]{1,15}"
_USERNAME = re.compile(rf"@?({USERNAME})")
POST_ID = re.compile(r"[1-9][0-9]{0,18}")
POST_URL = re.compile(
    rf"(?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:{USERNAME}|i/web)"
    r"/status(?:es)?/([1-9][0-9]{0,18})(?:[/?#].*)?",
    re.IGNORECASE,
)
_MAX_ID = 2**63 - 1


def username_key(text: str) -> str:
    """The account's key: its username, lower-cased, without the ``@``."""
    match = _USERNAME.fullmatch(text.strip())
    if not match:
        raise UsageError(
            f"not a username: {shown(text)} (expected @name: letters, digits or _, 1-15)"
        )
    return match.group(1).lower()


def is_username(text: str) -> bool:
    return _USERNAME.fullmatch(text) is not None


def post_id_key(text: str) -> str:
    """The poll's key: the id of the post (given as digits or as a post URL) that carries it."""
    raw = text.strip()
    match = POST_URL.fullmatch(raw)
    post_id = match.group(1) if match else raw
    if not POST_ID.fullmatch(post_id) or int(post_id) > _MAX_ID:
        raise UsageError(
            f"not a post id or URL: {shown(text)} "
            "(expected digits like 1593767953706921985 or https://x.com/user/status/ID)"
        )
    return post_id

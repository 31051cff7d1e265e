"""What an operator may name, as plain keys: ``@username`` and post ids or URLs on X, and
``@user@instance`` and status URLs on Mastodon. Pure parsing with no storage behind it, so
that reading the configuration (``bot.config``) costs no database library;
``jobs.subjects`` makes subjects of these keys.

An X username cannot hold an ``@``, so ``user@instance`` always names a Mastodon account; a
bare post id is X's; a URL names its platform by its form."""

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
X, MASTODON = "x", "mastodon"
# Mastodon: a username (letters, digits, _; 30 at most) at an instance's domain.
_ADDRESS = re.compile(
    r"@?([A-Za-z0-9_]{1,30})@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
# A status's page: https://instance/@user/ID (as Mastodon links it), or its ActivityPub form
# https://instance/users/user/statuses/ID. Ids are opaque (forks' are not digits).
STATUS_URL = re.compile(
    r"https?://[^/\s]+/(?:@[A-Za-z0-9_]{1,30}(?:@[^/\s]+)?|users/[A-Za-z0-9_]{1,30}/statuses)"
    r"/([A-Za-z0-9]{1,64})/?(?:[?#].*)?",
    re.IGNORECASE,
)


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


def is_address(text: str) -> bool:
    """Whether ``text`` is a Mastodon address (``@user@instance``, ``user@instance``)."""
    return _ADDRESS.fullmatch(text.strip()) is not None


def address_key(text: str) -> str:
    """A Mastodon account's key: ``user@instance``, lower-cased, without the leading ``@``."""
    match = _ADDRESS.fullmatch(text.strip())
    if not match:
        raise UsageError(f"not a Mastodon address: {shown(text)} (expected @user@instance.social)")
    return f"{match.group(1)}@{match.group(2)}".lower()


def account_ref(text: str) -> tuple[str, str]:
    """(platform, key) of an account named as ``@name`` (X) or ``@user@instance`` (Mastodon)."""
    if is_address(text):
        return MASTODON, address_key(text)
    return X, username_key(text)


def poll_ref(text: str) -> tuple[str, str]:
    """(platform, key) of a poll named by its post: an X post id or URL, or a Mastodon
    status URL (its id, opaque)."""
    match = STATUS_URL.fullmatch(text.strip())
    if match and POST_URL.fullmatch(text.strip()) is None:
        return MASTODON, match.group(1)
    return X, post_id_key(text)

"""What an operator may name as a subject: ``@username`` or a post id / post URL. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jobs.errors import UsageError, shown

_USERNAME = re.compile(r"@?([A-Za-z0-9_]{1,15})")
_POST_ID = re.compile(r"[1-9][0-9]{0,18}")
_POST_URL = re.compile(
    r"(?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:[A-Za-z0-9_]{1,15}|i/web)"
    r"/status(?:es)?/([1-9][0-9]{0,18})(?:[/?#].*)?",
    re.IGNORECASE,
)
_MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class SubjectRef:
    kind: str  # "account" | "poll"
    key: str  # lower-case username, or the post id

    def __str__(self) -> str:
        return f"@{self.key}" if self.kind == "account" else f"poll {self.key}"


def parse_account(text: str) -> SubjectRef:
    match = _USERNAME.fullmatch(text.strip())
    if not match:
        raise UsageError(
            f"not a username: {shown(text)} (expected @name: letters, digits or _, 1-15)"
        )
    return SubjectRef("account", match.group(1).lower())


def parse_poll(text: str) -> SubjectRef:
    raw = text.strip()
    match = _POST_URL.fullmatch(raw)
    post_id = match.group(1) if match else raw
    if not _POST_ID.fullmatch(post_id) or int(post_id) > _MAX_ID:
        raise UsageError(
            f"not a post id or URL: {shown(text)} "
            "(expected digits like 1593767953706921985 or https://x.com/user/status/ID)"
        )
    return SubjectRef("poll", post_id)


def parse_subject(text: str) -> SubjectRef:
    """``@name`` / ``name`` is an account; digits or a post URL is a poll."""
    raw = text.strip()
    if _POST_ID.fullmatch(raw) or _POST_URL.fullmatch(raw):
        return parse_poll(raw)
    if raw.startswith("@") or _USERNAME.fullmatch(raw):
        return parse_account(raw)
    raise UsageError(f"not a subject: {shown(text)} (expected @username, a post id or a post URL)")

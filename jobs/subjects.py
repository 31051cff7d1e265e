"""Subjects as the jobs see them: what an operator may name (``@username``, a post id or a
post URL; pure parsing), and the subjects a run works on.

There is one subject type, ``storage.subjects.Subject``: parsing gives one that is only
named (no ``id``), the store gives them with what it knows.
"""

from __future__ import annotations

import re

from jobs.base import JobContext
from jobs.errors import UsageError, shown
from jobs.platform import Poll, Post
from storage.engine import Tx
from storage.subjects import Kind, Subject, describe_poll, list_subjects

# X's usernames: letters, digits and _, 1 to 15 of them. Every parser of names uses this.
USERNAME = r"[A-Za-z0-9_]{1,15}"
_USERNAME = re.compile(rf"@?({USERNAME})")
_POST_ID = re.compile(r"[1-9][0-9]{0,18}")
_POST_URL = re.compile(
    rf"(?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:{USERNAME}|i/web)"
    r"/status(?:es)?/([1-9][0-9]{0,18})(?:[/?#].*)?",
    re.IGNORECASE,
)
_MAX_ID = 2**63 - 1

__all__ = ["USERNAME", "Subject", "parse_account", "parse_poll", "parse_subject"]


def parse_account(text: str) -> Subject:
    match = _USERNAME.fullmatch(text.strip())
    if not match:
        raise UsageError(
            f"not a username: {shown(text)} (expected @name: letters, digits or _, 1-15)"
        )
    return Subject("account", match.group(1).lower())


def parse_poll(text: str) -> Subject:
    raw = text.strip()
    match = _POST_URL.fullmatch(raw)
    post_id = match.group(1) if match else raw
    if not _POST_ID.fullmatch(post_id) or int(post_id) > _MAX_ID:
        raise UsageError(
            f"not a post id or URL: {shown(text)} "
            "(expected digits like 1593767953706921985 or https://x.com/user/status/ID)"
        )
    return Subject("poll", post_id)


def parse_subject(text: str) -> Subject:
    """``@name`` / ``name`` is an account; digits or a post URL is a poll."""
    raw = text.strip()
    if _POST_ID.fullmatch(raw) or _POST_URL.fullmatch(raw):
        return parse_poll(raw)
    if raw.startswith("@") or _USERNAME.fullmatch(raw):
        return parse_account(raw)
    raise UsageError(f"not a subject: {shown(text)} (expected @username, a post id or a post URL)")


def select_subjects(ctx: JobContext, kind: Kind) -> list[Subject]:
    """The active subjects of ``kind`` this run works on: all of them, or the one named by
    ``jobs run --subject``."""
    with ctx.read() as session:
        subjects = list_subjects(session, kinds=(kind,))
    if ctx.subject:
        named = parse_subject(ctx.subject)
        subjects = [s for s in subjects if s.same(named)]
    return subjects


def store_poll_post(tx: Tx, subject_id: int, post: Post, poll: Poll | None) -> None:
    """Keep what a poll subject's post says, and the poll it carries."""
    describe_poll(
        tx,
        subject_id,
        text=post.text,
        created_at=post.created_at,
        poll_id=int(poll.id) if poll is not None else None,
        ends_at=poll.end_datetime if poll is not None else None,
    )

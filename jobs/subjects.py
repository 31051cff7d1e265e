"""Subjects as the jobs see them: what an operator may name (``@username``, a post id or a
post URL; parsed by ``jobs.names``), and the subjects a run works on.

There is one subject type, ``storage.subjects.Subject``: parsing gives one that is only
named (no ``id``), the store gives them with what it knows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobs.errors import UsageError, shown
from jobs.names import (
    POST_ID,
    POST_URL,
    STATUS_URL,
    USERNAME,
    account_ref,
    is_address,
    is_username,
    poll_ref,
)
from storage.subjects import Kind, Subject, describe_poll, list_subjects

if TYPE_CHECKING:  # named in signatures only: ``track list`` and ``status`` load no job machinery
    from jobs.base import JobContext
    from jobs.platform import Poll, Post
    from storage.engine import Tx

__all__ = ["USERNAME", "Subject", "parse_account", "parse_poll", "parse_subject"]


def parse_account(text: str) -> Subject:
    platform, key = account_ref(text)
    return Subject("account", key, platform)


def parse_poll(text: str) -> Subject:
    platform, key = poll_ref(text)
    return Subject("poll", key, platform)


def parse_subject(text: str) -> Subject:
    """``@name`` / ``name`` / ``@user@instance`` is an account; digits or a post URL (X's or
    a Mastodon status's) is a poll."""
    raw = text.strip()
    if POST_ID.fullmatch(raw) or POST_URL.fullmatch(raw) or STATUS_URL.fullmatch(raw):
        return parse_poll(raw)
    if raw.startswith("@") or is_username(raw) or is_address(raw):
        return parse_account(raw)
    raise UsageError(
        f"not a subject: {shown(text)} "
        "(expected @username, @user@instance, a post id or a post URL)"
    )


def select_subjects(ctx: JobContext, kind: Kind) -> list[Subject]:
    """The active subjects of ``kind`` this run works on: all of them, or the one named by
    ``jobs run --subject``."""
    with ctx.read() as session:
        subjects = list_subjects(session, kinds=(kind,), platforms=(ctx.platform.name,))
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
        poll_id=poll.id if poll is not None else None,
        ends_at=poll.end_datetime if poll is not None else None,
    )

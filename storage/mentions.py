"""Mentions of the bot: stored once per mention id before they are handled, and handled once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import MentionRow
from storage.rows import update_row


@dataclass(frozen=True, slots=True)
class Mention:
    post_id: str
    author_id: str
    text: str
    created_at: datetime
    attempted_at: datetime | None = None  # a reply was about to be posted then
    platform: str = "x"


def store_mentions(session: Session, mentions: Sequence[Mention], *, state: str = "pending") -> int:
    """Store new mentions (``pending``, or ``expired`` for those never to be answered); one
    already stored is left as it is. Returns how many were new."""
    if not mentions:
        return 0
    rows = [
        {
            "platform": m.platform,
            "post_id": m.post_id,
            "author_id": m.author_id,
            "text": m.text,
            "created_at": m.created_at,
            "state": state,
        }
        for m in mentions
    ]
    stmt = insert_for(session, MentionRow).values(rows).on_conflict_do_nothing()
    return len(list(session.scalars(stmt.returning(MentionRow.post_id))))


def pending_mentions(session: Session, *, platform: str = "x") -> list[Mention]:
    """Mentions on ``platform`` not handled yet, oldest first."""
    query = select(MentionRow).where(MentionRow.platform == platform, MentionRow.state == "pending")
    found = [
        Mention(m.post_id, m.author_id, m.text, m.created_at, m.attempted_at, m.platform)
        for m in session.scalars(query.order_by(MentionRow.created_at))
    ]
    # Ids are strings now; their order is the platform's (a longer decimal id is a later one).
    return sorted(found, key=lambda m: (m.created_at, len(m.post_id), m.post_id))


def replies_since(session: Session, since: datetime, *, platform: str = "x") -> set[str]:
    """The texts of the replies attempted on ``platform`` since ``since`` (platform clock)."""
    query = select(MentionRow.reply_text).where(
        MentionRow.platform == platform,
        MentionRow.attempted_at >= since,
        MentionRow.reply_text.is_not(None),
    )
    return {text for text in session.scalars(query) if text is not None}


def mark_attempt(
    session: Session, post_id: str, *, at: datetime, text: str, platform: str = "x"
) -> None:
    """A reply to the mention, ``text``, is about to be posted (committed before it is)."""
    row = session.get(MentionRow, (platform, post_id))
    if row is not None:
        row.reply_text = text
        if row.attempted_at is None:
            row.attempted_at = at


def finish_mention(
    session: Session,
    post_id: str,
    *,
    state: str,
    at: datetime,
    command: str | None = None,
    reply_text: str | None = None,
    reply_id: str | None = None,
    platform: str = "x",
) -> None:
    """Record how a mention was handled: ``ignored``, ``replied``, ``failed`` or ``dry_run``."""
    update_row(session, MentionRow, (platform, post_id), state=state, command=command,
               handled_at=at, reply_text=reply_text, reply_id=reply_id)  # fmt: skip

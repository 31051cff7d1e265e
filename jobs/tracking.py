"""Following and unfollowing subjects: what ``track``/``untrack`` and the mention commands do."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from jobs.errors import NotFound, UsageError
from jobs.subjects import Subject, parse_account, parse_poll
from jobs.tracked import subject_json as subject_json
from jobs.tracked import tracked as tracked
from storage.engine import Database
from storage.subjects import (
    add_subject,
    deactivate_subject,
    get_subject,
    set_account_user,
)

if TYPE_CHECKING:  # a type only: ``track list`` and ``status`` load no platform interface
    from jobs.platform import Platform


def track(
    db: Database,
    subject: Subject,
    *,
    now: datetime,
    source: str = "cli",
    platform: Platform | None = None,
) -> bool:
    """Follow a subject; returns False when it was already followed. Given the platform, an
    account is looked up first: one that does not exist is refused (UsageError), one that
    does is stored with its user id."""
    with db.read() as session:
        found = get_subject(
            session, subject.kind, subject.key, platform=subject.platform, active_only=True
        )
        if found is not None:
            return False
    user, looked_up = None, None
    if platform is not None and subject.is_account:
        try:
            user, looked_up = platform.user_by_username(subject.key), platform.now()
        except NotFound as exc:
            raise UsageError(
                f"no such account: {subject.label} (the platform knows no such user)"
            ) from exc
    with db.write() as tx:
        added, changed = add_subject(
            tx, kind=subject.kind, key=subject.key, platform=subject.platform, now=now,
            source=source,
        )  # fmt: skip
        if user is not None:
            set_account_user(tx, added.stored_id, user_id=user.id, username=user.username,
                             at=looked_up)  # fmt: skip
    return changed


def untrack(db: Database, subject: Subject) -> bool:
    """Stop following; stored posts and summaries stay. False when it was not followed."""
    with db.write() as tx:
        return deactivate_subject(tx, subject.kind, subject.key, platform=subject.platform)


def track_configured(
    db: Database, *, accounts: tuple[str, ...], polls: tuple[str, ...], now: datetime
) -> None:
    """Add POLLBOT_ACCOUNTS and POLLBOT_POLLS to what is stored (never removes anything, and
    never follows again what an operator stopped following)."""
    wanted = [parse_account(name) for name in accounts]
    wanted += [parse_poll(post) for post in polls]
    for subject in wanted:
        with db.write() as tx:
            if get_subject(tx, subject.kind, subject.key, platform=subject.platform) is None:
                add_subject(tx, kind=subject.kind, key=subject.key, platform=subject.platform,
                            now=now, source="env")  # fmt: skip

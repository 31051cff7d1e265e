"""Following and unfollowing subjects: what ``track``/``untrack`` and the mention commands do."""

from __future__ import annotations

from datetime import datetime

from jobs.clock import iso
from jobs.subjects import Subject
from storage.engine import Database
from storage.subjects import add_subject, deactivate_subject, get_subject, list_subjects


def subject_json(subject: Subject) -> dict[str, object]:
    """A tracked subject as ``track list --json`` and ``status --json`` show it."""
    return {
        "kind": subject.kind,
        "platform": subject.platform,
        "key": subject.key,
        "subject_key": subject.subject_key,
        "added_at": iso(subject.added_at),
        "display": subject.display,
        "source": subject.source,
        "closed_at": iso(subject.closed_at),
    }


def track(db: Database, subject: Subject, *, now: datetime, source: str = "cli") -> bool:
    """Follow a subject; returns False when it was already followed."""
    with db.write() as tx:
        _, changed = add_subject(tx, kind=subject.kind, key=subject.key, now=now, source=source)
    return changed


def untrack(db: Database, subject: Subject) -> bool:
    """Stop following; stored posts and summaries stay. False when it was not followed."""
    with db.write() as tx:
        return deactivate_subject(tx, subject.kind, subject.key)


def tracked(db: Database) -> list[Subject]:
    with db.read() as session:
        return list_subjects(session)


def track_configured(
    db: Database, *, accounts: tuple[str, ...], polls: tuple[str, ...], now: datetime
) -> None:
    """Add POLLBOT_ACCOUNTS and POLLBOT_POLLS to what is stored (never removes anything, and
    never follows again what an operator stopped following)."""
    wanted = [Subject("account", name) for name in accounts]
    wanted += [Subject("poll", post_id) for post_id in polls]
    for subject in wanted:
        with db.write() as tx:
            if get_subject(tx, subject.kind, subject.key) is None:
                add_subject(tx, kind=subject.kind, key=subject.key, now=now, source="env")

"""Following and unfollowing subjects: what ``track``/``untrack`` and the mention commands do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jobs.subjects import SubjectRef
from storage.engine import Database
from storage.subjects import add_subject, deactivate_subject, get_subject, list_subjects


@dataclass(frozen=True, slots=True)
class Tracked:
    kind: str
    key: str
    added_at: datetime
    display: str | None
    source: str
    closed_at: datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "key": self.key,
            "added_at": self.added_at.isoformat().replace("+00:00", "Z"),
            "display": self.display,
            "source": self.source,
            "closed_at": self.closed_at.isoformat().replace("+00:00", "Z")
            if self.closed_at
            else None,
        }


def track(db: Database, ref: SubjectRef, *, now: datetime, source: str = "cli") -> bool:
    """Follow a subject; returns False when it was already followed."""
    display = f"@{ref.key}" if ref.kind == "account" else None
    platform_id = int(ref.key) if ref.kind == "poll" else None
    with db.write() as session:
        _, changed = add_subject(
            session,
            kind=ref.kind,
            key=ref.key,
            now=now,
            display=display,
            source=source,
            platform_id=platform_id,
        )
    return changed


def untrack(db: Database, ref: SubjectRef) -> bool:
    """Stop following; stored posts and summaries stay. False when it was not followed."""
    with db.write() as session:
        return deactivate_subject(session, ref.kind, ref.key) is not None


def tracked(db: Database) -> list[Tracked]:
    with db.read() as session:
        return [
            Tracked(s.kind, s.key, s.added_at, s.display, s.source, s.closed_at)
            for s in list_subjects(session)
        ]


def track_configured(
    db: Database, *, accounts: tuple[str, ...], polls: tuple[str, ...], now: datetime
) -> None:
    """Add POLLBOT_ACCOUNTS and POLLBOT_POLLS to what is stored (never removes anything)."""
    for name in accounts:
        _track_if_new(db, SubjectRef("account", name), now=now)
    for post_id in polls:
        _track_if_new(db, SubjectRef("poll", post_id), now=now)


def _track_if_new(db: Database, ref: SubjectRef, *, now: datetime) -> None:
    with db.write() as session:
        if get_subject(session, ref.kind, ref.key) is None:
            add_subject(
                session,
                kind=ref.kind,
                key=ref.key,
                now=now,
                display=f"@{ref.key}" if ref.kind == "account" else None,
                source="env",
                platform_id=int(ref.key) if ref.kind == "poll" else None,
            )

"""Collection cursors. They move only inside the transaction that stores the rows they cover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from storage.dialect import upsert_for
from storage.models import Cursor


@dataclass(frozen=True, slots=True)
class CursorState:
    name: str
    since_id: int | None = None
    pass_newest_id: int | None = None
    pass_until_id: int | None = None
    # When the pass in flight began, and when the last finished pass began (platform
    # clock): every post created before ``complete_through`` is stored.
    pass_started_at: datetime | None = None
    complete_through: datetime | None = None

    @property
    def in_pass(self) -> bool:
        return self.pass_until_id is not None


def load_cursor(session: Session, name: str) -> CursorState:
    row = session.get(Cursor, name)
    if row is None:
        return CursorState(name)
    return CursorState(
        name,
        row.since_id,
        row.pass_newest_id,
        row.pass_until_id,
        row.pass_started_at,
        row.complete_through,
    )


def save_cursor(session: Session, state: CursorState, *, now: datetime) -> None:
    """One upsert on the transaction's connection: this runs with every page stored, and the
    ORM's locked read and flush of the row cost more than the page's own insert."""
    values = {
        "name": state.name,
        "since_id": state.since_id,
        "pass_newest_id": state.pass_newest_id,
        "pass_until_id": state.pass_until_id,
        "pass_started_at": state.pass_started_at,
        "complete_through": state.complete_through,
        "updated_at": now,
    }
    upsert = upsert_for(
        session,
        Cursor,
        key=["name"],
        updates=lambda insert: {c: insert.excluded[c] for c in _MOVED},
    )
    session.connection().execute(upsert, values)


_MOVED = (
    "since_id", "pass_newest_id", "pass_until_id", "pass_started_at", "complete_through",
    "updated_at",
)  # fmt: skip

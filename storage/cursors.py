"""Collection cursors. They move only inside the transaction that stores the rows they cover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

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
    row = session.get(Cursor, state.name, with_for_update=True)
    if row is None:
        row = Cursor(name=state.name)
        session.add(row)
    row.since_id = state.since_id
    row.pass_newest_id = state.pass_newest_id
    row.pass_until_id = state.pass_until_id
    row.pass_started_at = state.pass_started_at
    row.complete_through = state.complete_through
    row.updated_at = now

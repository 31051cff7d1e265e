"""The daemon's heartbeat: one row per daemon name, beaten every few seconds (read by
``storage.reads.heartbeat``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.dialect import insert_for
from storage.models import Heartbeat


def beat(
    session: Session, *, name: str, pid: int, host: str, started_at: datetime, now: datetime
) -> None:
    values = {
        "pid": pid,
        "host": host,
        "started_at": started_at,
        "heartbeat_at": now,
        "stopped_at": None,
    }
    stmt = insert_for(session, Heartbeat).values(name=name, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))


def stop_beat(session: Session, *, name: str, pid: int, now: datetime) -> None:
    session.execute(
        update(Heartbeat).where(Heartbeat.name == name, Heartbeat.pid == pid).values(stopped_at=now)
    )

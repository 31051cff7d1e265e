"""API use per month and endpoint: what the read cap and the spend estimate are made of."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.dialect import upsert_for
from storage.models import ApiUsage


@dataclass(frozen=True, slots=True)
class MonthUsage:
    month: str
    requests: int
    posts_read: int
    by_endpoint: dict[str, tuple[int, int]]  # endpoint -> (requests, posts read)


def record_usage(
    session: Session, *, month: str, endpoint: str, requests: int = 1, posts_read: int = 0
) -> None:
    values = {"month": month, "endpoint": endpoint, "requests": requests, "posts_read": posts_read}
    upsert = upsert_for(
        session,
        ApiUsage,
        key=["month", "endpoint"],
        updates=lambda insert: {
            "requests": ApiUsage.requests + insert.excluded.requests,
            "posts_read": ApiUsage.posts_read + insert.excluded.posts_read,
        },
    )
    # On the transaction's connection: the ORM's execute of a Core statement costs more.
    session.connection().execute(upsert, values)


def month_usage(session: Session, month: str) -> MonthUsage:
    rows = session.execute(
        select(ApiUsage.endpoint, ApiUsage.requests, ApiUsage.posts_read).where(
            ApiUsage.month == month
        )
    ).all()
    by_endpoint = {r.endpoint: (int(r.requests), int(r.posts_read)) for r in rows}
    return MonthUsage(
        month=month,
        requests=sum(v[0] for v in by_endpoint.values()),
        posts_read=sum(v[1] for v in by_endpoint.values()),
        by_endpoint=by_endpoint,
    )


def posts_read(session: Session, month: str) -> int:
    q = select(func.coalesce(func.sum(ApiUsage.posts_read), 0)).where(ApiUsage.month == month)
    return int(session.scalar(q) or 0)


def latest_month(session: Session) -> str | None:
    """The newest month with any recorded use."""
    query = select(func.max(ApiUsage.month))
    return session.scalar(query)

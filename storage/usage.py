"""API use per month and endpoint: what the read cap and the spend estimate are made of; and
the posts and users billed today (X bills one read twice in a UTC day once)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.dialect import upsert_for
from storage.jsontext import json_text
from storage.models import ApiUsage, BilledRead
from storage.reads import MonthUsage as MonthUsage
from storage.reads import latest_month as latest_month
from storage.reads import month_usage as month_usage


def record_usage(
    session: Session,
    *,
    month: str,
    endpoint: str,
    requests: int = 1,
    posts_read: int = 0,
    usd_mills: int = 0,
    platform: str = "x",
) -> None:
    values = {
        "month": month,
        "platform": platform,
        "endpoint": endpoint,
        "requests": requests,
        "posts_read": posts_read,
        "usd_mills": usd_mills,
    }
    upsert = upsert_for(
        session,
        ApiUsage,
        key=["month", "platform", "endpoint"],
        updates=lambda insert: {
            "requests": ApiUsage.requests + insert.excluded.requests,
            "posts_read": ApiUsage.posts_read + insert.excluded.posts_read,
            "usd_mills": ApiUsage.usd_mills + insert.excluded.usd_mills,
        },
    )
    # On the transaction's connection: the ORM's execute of a Core statement costs more.
    session.connection().execute(upsert, values)


def posts_read(session: Session, month: str) -> int:
    """X's posts read in the month: what the read cap counts."""
    q = select(func.coalesce(func.sum(ApiUsage.posts_read), 0)).where(
        ApiUsage.month == month, ApiUsage.platform == "x"
    )
    return int(session.scalar(q) or 0)


def usd_mills(session: Session, month: str) -> int:
    """The month's estimated bill so far (X's), in mills."""
    q = select(func.coalesce(func.sum(ApiUsage.usd_mills), 0)).where(
        ApiUsage.month == month, ApiUsage.platform == "x"
    )
    return int(session.scalar(q) or 0)


def first_reads_today(session: Session, *, day: str, kind: str, ids: list[int]) -> int:
    """Records ``ids`` (posts or users) as read on ``day``; returns how many were not read that
    day before (by any process): the ones X bills. Committed with the caller's transaction, so
    a read whose page is not stored is not remembered as billed either."""
    unique = list(dict.fromkeys(ids))
    if not unique:
        return 0
    conn = session.connection()
    table = BilledRead.__tablename__
    if conn.dialect.name == "postgresql":
        # One statement over an array: psycopg's executemany sends a statement a row, and
        # this runs with every page stored (a tenth of collection's time on PostgreSQL).
        sql = (
            f"INSERT INTO {table} (day, kind, item_id) SELECT %s, %s, unnest(%s::bigint[]) "
            "ON CONFLICT DO NOTHING"
        )
        return int(conn.exec_driver_sql(sql, (day, kind, unique)).rowcount)
    # The same over a JSON array of the ids (as storage.posts links a page's posts): one
    # value bound, where an executemany bound three a row under the GIL. Its row count is
    # the rows inserted.
    sql = (
        f"INSERT INTO {table} (day, kind, item_id) SELECT ?, ?, value FROM json_each(?) "
        "WHERE true ON CONFLICT DO NOTHING"
    )
    return int(conn.exec_driver_sql(sql, (day, kind, json_text(unique))).rowcount)


def forget_reads_before(session: Session, day: str) -> None:
    """Billed reads of days before ``day`` no longer matter: X bills each day afresh."""
    session.execute(delete(BilledRead).where(BilledRead.day < day))

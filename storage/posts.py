"""Posts and the subject streams they arrived on: idempotent bulk insert, export."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage.jsontext import json_text
from storage.models import PostRow, SubjectPost
from storage.safetext import safe_text
from storage.textkey import copy_key


class _Unkeyed(Enum):
    UNKEYED = "unkeyed"


# A NewPost whose copy key was not computed yet: ``insert_posts`` computes it from the text.
UNKEYED: Final = _Unkeyed.UNKEYED


@dataclass(slots=True)  # not frozen: that doubles the cost of __init__, run per reply stored
class NewPost:
    id: int
    author_id: int
    text: str
    created_at: datetime
    fetched_at: datetime
    conversation_id: int | None = None
    in_reply_to_user_id: int | None = None
    replied_to_id: int | None = None
    lang: str | None = None
    poll_id: int | None = None
    metrics: dict[str, int] | None = None
    compound: float | None = None
    pos: float | None = None
    neu: float | None = None
    neg: float | None = None
    label: str | None = None
    # X's posts leave these as they are: their ids are their keys. Another platform's post
    # names its platform and keeps its own ids (``{"id", "author_id", "conversation_id"}``).
    platform: str = "x"
    ext: dict[str, str | None] | None = None
    # ``storage.textkey.copy_key(text)``, when the caller computed it already (collection
    # does, in its scoring process); otherwise insert_posts computes it.
    copy_key: int | _Unkeyed | None = UNKEYED


# The posts' columns: a NewPost's fields.
_POST_FIELDS = tuple(f.name for f in fields(NewPost))
_LINK_FIELDS = ("subject_id", "post_id", "created_at", "label", "compound", "author_id", "copy_key")


def insert_posts(session: Session, rows: Sequence[NewPost], *, subject_id: int | None) -> int:
    """Store a page of posts once each (``ON CONFLICT DO NOTHING``) and link them to the
    subject. Returns how many were new *to this subject's stream*, which is what a run
    reports; a post already stored through another subject is linked, not stored twice.
    Each post's copy key (``storage.textkey``) is stored with it: computed here, from its
    text, unless the caller gave it, so every way in stores it.

    Two driver-level ``executemany`` of one fixed statement each, the values encoded by
    ``_Encoder`` exactly as the models' types would encode them (a test holds the two
    equal): SQLAlchemy's per-value type processing and statement handling cost three
    times the database's own work here, and this is collection's hottest write. Each
    statement's row count is the number of rows it inserted, so nothing is returned."""
    if not rows:
        return 0
    unique = list({r.id: r for r in rows}.values())
    # Sorted so two concurrent writers take row locks in the same order (no deadlock on PG).
    unique.sort(key=lambda r: r.id)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return _copy_posts(conn, unique, subject_id=subject_id)
    new = conn.exec_driver_sql(_SQLITE_INSERT_POSTS, _SQLITE.rows(unique)).rowcount
    if subject_id is None:
        return new
    ids = json_text([r.id for r in unique])
    linked: int = conn.exec_driver_sql(_SQLITE_INSERT_LINKS, (subject_id, ids)).rowcount
    return linked


# PostgreSQL: the page goes in by COPY (a third of executemany's client time) into a temporary
# table that every connection makes when it opens (``page_table_ddl``, run by the engine), and
# from there into posts and links, and out of the temporary table, in one statement: two round
# trips a page instead of five. (Rows a statement's CTEs insert are visible to the foreign key
# checks at its end; all its parts read the table as it was before the statement.)
PAGE_TABLE = "pollbot_page"
_COLUMNS = ", ".join(_POST_FIELDS)
# Binary: a quarter of the text format's client time (psycopg formats each value in C by the
# column's type) and no text for the server to parse back into numbers and times.
_PG_COPY = f"COPY {PAGE_TABLE} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)"
# The binary types psycopg writes, by the type PostgreSQL's dialect gives each posts column.
_PG_BINARY_TYPES = {
    "BIGINT": "int8",
    "TEXT": "text",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "VARCHAR": "varchar",
    "JSON": "text",  # json's binary form is its text: the text json_text made, sent as is
    "FLOAT": "float8",
}
_PG_STORE = (
    f"WITH new AS (INSERT INTO posts ({_COLUMNS}) SELECT {_COLUMNS} FROM {PAGE_TABLE} "
    "ON CONFLICT DO NOTHING RETURNING 1), "
    f"linked AS (INSERT INTO subject_posts ({', '.join(_LINK_FIELDS)}) "
    "SELECT %(subject)s::integer, id, created_at, label, compound, author_id, copy_key "
    f"FROM {PAGE_TABLE} "
    "WHERE %(subject)s::integer IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1), "
    f"emptied AS (DELETE FROM {PAGE_TABLE}) "
    "SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM linked)"
)


def page_table_ddl(dialect: Dialect) -> str:
    """The temporary table a PostgreSQL connection stages pages in: the posts' columns and
    types (as ``dialect``, PostgreSQL's, spells them), no constraints, emptied at every
    commit (and by each page's statement)."""
    posts = PostRow.__table__
    columns = ", ".join(
        f"{c.name} {c.type.compile(dialect=dialect)}"
        for c in (posts.c[name] for name in _POST_FIELDS)
    )
    return f"CREATE TEMPORARY TABLE IF NOT EXISTS {PAGE_TABLE} ({columns}) ON COMMIT DELETE ROWS"


@cache  # one dialect per process in practice
def _copy_types(dialect: Dialect) -> list[str]:
    """The posts' columns' types as binary COPY writes them (psycopg's names), in the order of
    ``page_table_ddl``; ValueError for a column type with no name here yet."""
    posts = PostRow.__table__
    names = []
    for name in _POST_FIELDS:
        spelled = posts.c[name].type.compile(dialect=dialect).split("(")[0]
        if spelled not in _PG_BINARY_TYPES:
            raise ValueError(f"posts.{name} is {spelled}: name its binary COPY type")
        names.append(_PG_BINARY_TYPES[spelled])
    return names


def _copy_posts(conn: Connection, rows: Sequence[NewPost], *, subject_id: int | None) -> int:
    driver: Any = conn.connection.dbapi_connection
    statement = _PG_COPY
    try:
        with driver.cursor() as cur:
            posts = _POSTGRESQL.rows(rows)
            with cur.copy(_PG_COPY) as out:
                out.set_types(_copy_types(conn.dialect))
                for row in posts:
                    out.write_row(row)
            statement = _PG_STORE
            cur.execute(_PG_STORE, {"subject": subject_id})
            new, linked = cur.fetchone()
    except conn.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would have raised it, so the storage errors map it as usual.
        raise DBAPIError.instance(
            statement, None, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from exc
    return int(new if subject_id is None else linked)


def _sqlite_insert(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING"


_SQLITE_INSERT_POSTS = _sqlite_insert("posts", _POST_FIELDS)
# The links copy their columns from the posts as stored, found by id (the page's ids bound
# as one JSON array): two values bound, where an executemany bound seven a row under the GIL.
_SQLITE_INSERT_LINKS = (
    f"INSERT INTO subject_posts ({', '.join(_LINK_FIELDS)}) "
    "SELECT ?, id, created_at, label, compound, author_id, copy_key FROM posts "
    "WHERE id IN (SELECT value FROM json_each(?)) ON CONFLICT DO NOTHING"
)


class _Encoder:
    """Row values as the driver takes them, as ``UTCDateTime``, ``SafeText`` and ``JSON``
    encode them: datetimes in UTC (naive ISO text on SQLite), NUL replaced, JSON text."""

    def __init__(self, *, sqlite: bool) -> None:
        self.sqlite = sqlite

    def time(self, value: datetime) -> datetime | str:
        if value.tzinfo is not UTC:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to storage; pass an aware UTC datetime")
            value = value.astimezone(UTC)
        # UTC's ISO form less its "+00:00": the naive text, without a replace() per row
        return value.isoformat(" ", "microseconds")[:26] if self.sqlite else value

    def rows(self, rows: Sequence[NewPost]) -> list[tuple[object, ...]]:
        """The posts' rows, their values in the order of ``_POST_FIELDS``."""
        posts: list[tuple[object, ...]] = []
        time = self.time
        fetched: tuple[datetime, datetime | str] | None = None  # a page shares one
        for r in rows:
            created = time(r.created_at)
            if fetched is None or fetched[0] is not r.fetched_at:
                fetched = (r.fetched_at, time(r.fetched_at))
            text = safe_text(r.text)
            key = copy_key(text) if r.copy_key is UNKEYED else r.copy_key
            posts.append((
                r.id, r.author_id, text, created, fetched[1],
                r.conversation_id, r.in_reply_to_user_id, r.replied_to_id, r.lang, r.poll_id,
                json_text(r.metrics),  # None too: the JSON type stores it as JSON null
                r.compound, r.pos, r.neu, r.neg, r.label, r.platform,
                None if r.ext is None else json_text(r.ext), key,
            ))  # fmt: skip
        return posts


_SQLITE = _Encoder(sqlite=True)
_POSTGRESQL = _Encoder(sqlite=False)


def count_posts(session: Session, *, subject_id: int | None = None) -> int:
    if subject_id is None:
        return session.scalar(select(func.count()).select_from(PostRow)) or 0
    q = select(func.count()).select_from(SubjectPost).where(SubjectPost.subject_id == subject_id)
    return session.scalar(q) or 0


def linked_platform_ids(session: Session, subject_id: int, *, since: datetime) -> set[str]:
    """The platform's own ids of the posts on ``subject_id``'s stream created at or after
    ``since`` (another platform's than X's: kept in ``posts.ext``)."""
    query = (
        select(PostRow.ext["id"].as_string())
        .join(SubjectPost, SubjectPost.post_id == PostRow.id)
        .where(SubjectPost.subject_id == subject_id, SubjectPost.created_at >= since)
    )
    return {i for i in session.scalars(query) if i is not None}


def stored_ids(session: Session) -> list[int]:
    return list(session.scalars(select(PostRow.id).order_by(PostRow.id)))


@dataclass(frozen=True, slots=True)
class StoredReply:
    """A stored post as ``export`` writes it: ids as the platform gave them."""

    id: str
    conversation_id: str | None
    author_id: str
    created_at: datetime
    lang: str | None
    text: str
    compound: float | None
    label: str | None


def iter_replies(
    session: Session,
    *,
    subject_id: int | None = None,
    since: datetime | None = None,
    batch: int = 1000,
) -> Iterator[StoredReply]:
    """Stored replies oldest first, in constant memory (keyset pagination, not OFFSET):
    posts that answer another and came in on a subject's stream (a tracked account's own
    top-level posts and the poll posts themselves are not replies)."""
    last: tuple[datetime, int] | None = None
    linked = select(SubjectPost.post_id)
    if subject_id is not None:
        linked = linked.where(SubjectPost.subject_id == subject_id)
    while True:
        q = select(PostRow).where(PostRow.replied_to_id.is_not(None), PostRow.id.in_(linked))
        if since is not None:
            q = q.where(PostRow.created_at >= since)
        if last is not None:
            q = q.where(
                (PostRow.created_at > last[0])
                | ((PostRow.created_at == last[0]) & (PostRow.id > last[1]))
            )
        page = list(session.scalars(q.order_by(PostRow.created_at, PostRow.id).limit(batch)))
        if not page:
            return
        for p in page:
            ext = p.ext or {}
            yield StoredReply(
                ext.get("id") or str(p.id),
                ext.get("conversation_id") if p.ext is not None else _text(p.conversation_id),
                ext.get("author_id") or str(p.author_id),
                p.created_at, p.lang, p.text, p.compound, p.label,
            )  # fmt: skip
        last = (page[-1].created_at, page[-1].id)
        session.expunge_all()


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)

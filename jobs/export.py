"""``export replies``: the stored replies with their scores, streamed in constant memory."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import TextIO

from jobs.subjects import Subject
from storage.engine import Database
from storage.posts import StoredReply, iter_replies
from storage.subjects import get_subject

COLUMNS = ("id", "conversation_id", "author_id", "created_at", "lang", "text", "compound", "label")
FORMATS = ("csv", "jsonl")


def _record(post: StoredReply) -> dict[str, str | float | None]:
    return {
        "id": post.id,
        "conversation_id": post.conversation_id or None,
        "author_id": post.author_id,
        "created_at": post.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "lang": post.lang,
        "text": post.text,
        "compound": post.compound,
        "label": post.label,
    }


def iter_records(
    db: Database, *, subject: Subject | None = None, since: datetime | None = None
) -> Iterator[dict[str, str | float | None]]:
    with db.read() as session:
        subject_id = None
        if subject is not None:
            found = get_subject(session, subject.kind, subject.key, platform=subject.platform)
            subject_id = found.id if found and found.id is not None else -1
        for post in iter_replies(session, subject_id=subject_id, since=since):
            yield _record(post)


def export_replies(
    db: Database,
    out: TextIO,
    *,
    fmt: str,
    subject: Subject | None = None,
    since: datetime | None = None,
) -> int:
    """Write the records to ``out``; returns how many."""
    count = 0
    records = iter_records(db, subject=subject, since=since)
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for rec in records:
            writer.writerow(rec)
            count += 1
    else:
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            count += 1
    return count

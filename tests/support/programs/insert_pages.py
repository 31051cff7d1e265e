"""Store posts START..STOP-1 of one subject in pages of 50, each page its own transaction,
and print how many links were new.

    python -m tests.support.programs.insert_pages URL START STOP SUBJECT_ID

Several run at once over overlapping ranges to show the insert is idempotent across
processes.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from storage.engine import Database
from storage.posts import NewPost, insert_posts


def main(argv: list[str]) -> None:
    url, start, stop, sid = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    t = datetime(2022, 11, 19, tzinfo=UTC)
    db = Database(url)
    new = 0
    for lo in range(start, stop, 50):
        page = [
            NewPost(id=i, author_id=1, text=str(i), created_at=t, fetched_at=t)
            for i in range(lo, min(lo + 50, stop))
        ]
        with db.write() as s:
            new += insert_posts(s, page, subject_id=sid)
    print(new)


if __name__ == "__main__":
    main(sys.argv[1:])

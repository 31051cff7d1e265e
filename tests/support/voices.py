"""Hand-made replies with known authors, texts and times: scenarios whose every count a test
can state exactly (who is speaking, copies, what falls in which window)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.mock_api.timefmt import snowflake
from tests.support.scenarios import ISO, POLL_POST_ID, POLL_POSTED, poll_scenario

CAMPAIGN_TEXT = "Reinstating him was the right call for free speech"
FIRST_USER = 5_000_000


@dataclass(frozen=True, slots=True)
class Reply:
    at: datetime
    author: int
    text: str
    lang: str = "en"


def user(author: int) -> dict[str, str]:
    return {"id": str(author), "username": f"voice{author}", "name": f"Voice {author}"}


def reply_posts(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    """The replies as scenario posts answering the poll, with snowflake ids of their times
    (one sequence number each, so two replies in one millisecond stay distinct)."""
    out = []
    for seq, r in enumerate(replies):
        ms = int(r.at.timestamp() * 1000)
        out.append(
            {
                "id": str(snowflake(ms, seq)),
                "author_id": str(r.author),
                "created_at": r.at.strftime(ISO),
                "text": r.text,
                "lang": r.lang,
                "in_reply_to": POLL_POST_ID,
            }
        )
    return out


def voices_scenario(replies: Sequence[Reply], **kw: Any) -> dict[str, Any]:
    """The poll scenario with exactly ``replies`` (nothing generated) and their authors."""
    authors = sorted({r.author for r in replies})
    return poll_scenario(0, users=[user(a) for a in authors], posts=reply_posts(replies), **kw)


def campaign(start: datetime = POLL_POSTED + timedelta(minutes=5)) -> list[Reply]:
    """A copy-paste campaign and who else spoke, one reply a minute from ``start``:
    - 40 accounts post one text, in four spellings that normalise alike (as is, with a link,
      with trailing punctuation, shouted with a leading mention): 39 copies;
    - one account posts 30 different replies of 6+ words (no copies);
    - 24 accounts reply with one word, "Yes" or "No" (too short to be copies).
    94 replies from 65 accounts; the 10 most active wrote 30 + 9 = 39 of them."""
    spellings = (
        CAMPAIGN_TEXT,
        f"{CAMPAIGN_TEXT} https://t.co/AbCdEf123",
        f"{CAMPAIGN_TEXT}!!!",
        f"@elonmusk {CAMPAIGN_TEXT.upper()}.",
    )
    texts: list[tuple[int, str]] = []
    for i in range(40):
        texts.append((FIRST_USER + i, spellings[i % 4]))
    prolific = FIRST_USER + 100
    for i in range(30):
        texts.append((prolific, f"Reply number {i} from the same account, worded its own way"))
    for i in range(24):
        texts.append((FIRST_USER + 200 + i, "Yes" if i % 2 else "No"))
    return [Reply(start + timedelta(minutes=n), a, t) for n, (a, t) in enumerate(texts)]

"""X's post ids: snowflakes, which hold their creation time, and what recent search takes."""

from __future__ import annotations

from datetime import datetime, timedelta

# Recent search reads the last 7 days.
SEARCH_WINDOW = timedelta(days=7)
# A snowflake holds its time in milliseconds since X's epoch, above 22 bits.
X_EPOCH_MS = 1288834974657


def snowflake_at(when: datetime) -> int:
    """The smallest id a post made at ``when`` can have."""
    return (int(when.timestamp() * 1000) - X_EPOCH_MS) << 22


def oldest_searchable_id(now: datetime) -> int:
    """The smallest post id recent search still takes at ``now``: the start of its 7-day
    window, a minute later, so the platform's clock and ours may differ a little."""
    return snowflake_at(now - SEARCH_WINDOW + timedelta(minutes=1))

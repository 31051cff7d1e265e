"""What the benchmarks share: the machine they ran on, a generated scenario, a PostgreSQL
schema of their own, and a plain text table. Not a benchmark itself (run alone, it does
nothing)."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# The scenario every benchmark uses: one account's poll and N generated replies to it.
START = datetime(2022, 11, 19, 0, 0, tzinfo=UTC)
ACCOUNT_ID = "44196397"
POLL_POST_ID = "1593767953706921985"
POLL_ID = "1593767953539239936"
BOT_ID = "9000"
ISO = "%Y-%m-%dT%H:%M:%S.000Z"


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """--help shows the module's docstring as written, and every option's default."""


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line naming what the figures were measured on."""
    return (
        f"machine: {os.cpu_count()} cores, {cpu_model()}; Python {platform.python_version()}"
        f" ({sys.implementation.name}); SQLite {sqlite3.sqlite_version}; {platform.system()}"
        f" {platform.release()}"
    )


def load() -> str:
    """The 1-minute load average: other work on the machine skews the timings."""
    return f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def scenario(replies: int, *, hours: float = 24.0, seed: int = 7) -> dict[str, Any]:
    """The poll of @elonmusk posted 30 minutes after START, ``replies`` generated replies to
    it over ``hours``, and no rate limit on search (the benchmarks measure speed, not the
    limit: X's 450 searches a window would stop a million-reply pass after 45,000)."""
    first = START + timedelta(minutes=31)
    early, final = START + timedelta(hours=6), START + timedelta(hours=24, minutes=30)
    return {
        "name": f"bench-{replies}",
        "start": START.strftime(ISO),
        "bot": {"id": BOT_ID, "username": "pollbot"},
        "users": [{"id": ACCOUNT_ID, "username": "elonmusk", "name": "Elon Musk"}],
        "posts": [
            {
                "id": POLL_POST_ID,
                "author_id": ACCOUNT_ID,
                "created_at": (START + timedelta(minutes=30)).strftime(ISO),
                "text": "Reinstate former President Trump",
                "lang": "en",
                "poll": {
                    "id": POLL_ID,
                    "duration_minutes": 1440,
                    "options": ["Yes", "No"],
                    "votes": [
                        {"at": early.strftime(ISO), "counts": [4100000, 3900000]},
                        {"at": final.strftime(ISO), "counts": [7814551, 7270907]},
                    ],
                },
            }
        ],
        "generate": {
            "replies_to": [POLL_POST_ID],
            "count": replies,
            "seed": seed,
            "from": first.strftime(ISO),
            "to": (first + timedelta(hours=hours)).strftime(ISO),
        },
        "rate_limits": {"search_recent": {"limit": 10**9, "window_s": 900}},
    }


def collect_time(doc: dict[str, Any]) -> datetime:
    """A scenario time one hour after the last generated reply: every reply is visible and
    well inside the 7-day window of recent search."""
    end = datetime.strptime(doc["generate"]["to"], ISO).replace(tzinfo=UTC)
    return end + timedelta(hours=1)


def clean_env(**overrides: str) -> dict[str, str]:
    """This environment without any POLLBOT_/X_ setting, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLLBOT_", "X_"))}
    env.update(overrides)
    return env


def pollbot_env(db_url: str, mock_url: str, **extra: str) -> dict[str, str]:
    """A pollbot process's configuration pointing at the mock with test credentials."""
    return clean_env(
        POLLBOT_DATABASE_URL=db_url,
        X_API_BASE_URL=mock_url,
        X_BEARER_TOKEN="bench-bearer",
        X_API_KEY="bench-key",
        X_API_SECRET="bench-secret",
        X_ACCESS_TOKEN=f"{BOT_ID}-bench-access",
        X_ACCESS_TOKEN_SECRET="bench-access-secret",
        **extra,
    )


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    """A URL to a fresh schema of the PostgreSQL database at ``base_url``, dropped after."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in base_url else "?"
        try:
            yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(rounds: int, fn: Callable[[], T]) -> tuple[float, float, T]:
    """(best seconds, first round's seconds, last result) over ``rounds`` calls (at least 1)."""
    first, result = timed(fn)
    best = first
    for _ in range(rounds - 1):
        elapsed, result = timed(fn)
        best = min(best, elapsed)
    return best, first, result


def mb(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MB"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain text table, columns padded to their widest cell."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])

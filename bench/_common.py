"""What the benchmarks share among themselves: the machine they ran on, timing, and a plain
text table. Not a benchmark itself (run alone, it does nothing). What they share with the
tests (the scenario, environments, PostgreSQL schemas) is in ``tests.support``."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """--help shows the module's docstring as written, and every option's default."""


def add_pg_option(parser: argparse.ArgumentParser, *, what: str) -> None:
    """``--pg URL``: also run ``what`` on this PostgreSQL database, in a schema of its own;
    read back with ``pg_url``."""
    parser.add_argument(
        "--pg",
        metavar="URL",
        default=argparse.SUPPRESS,  # not shown: a URL may hold a password
        help=f"also run {what} against this PostgreSQL database, in a schema of its own"
        " (default: $POLLBOT_TEST_DATABASE_URL when set)",
    )


def pg_url(args: argparse.Namespace) -> str | None:
    """The ``--pg`` given, else ``$POLLBOT_TEST_DATABASE_URL``, else None."""
    return getattr(args, "pg", None) or os.environ.get("POLLBOT_TEST_DATABASE_URL") or None


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

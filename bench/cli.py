"""The commands at the prompt, whole processes: how long each takes from exec to exit, and
``pollbot score`` over the VADER paper's 4,200 tweets against raw vaderSentiment run the
same way (``python -m bench._raw_vader``: the analyzer, one JSON line a text), in one run.

Usage: ``python -m bench.cli [--runs N] [--rounds N] [--groundtruth PATH] [--pg URL]``

1. ``pollbot --help``, ``status``, ``score TEXT``, ``track list`` (against a SQLite file made
   and migrated beforehand, one poll tracked; ``status`` and ``track list`` also against a
   PostgreSQL schema of their own, made the same way, with ``--pg URL``): the median and best
   of N runs each, the commands taken in turn so that load on the machine falls on all of them
   alike; target a median of at most 0.3 s. Each row names the heavy libraries the command
   loaded, the database drivers and Alembic among them: ``status`` and ``track list`` on a
   current store read it directly (``storage.direct``), SQLite with ``sqlite3`` alone,
   PostgreSQL with ``psycopg`` (its own import is most of what that row takes).
2. The 4,200 tweets on stdin: ``pollbot score`` and raw VADER, rounds alternated; the ratio
   raw/pollbot of the best and of the median rounds (target at least 1.0).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from bench._common import HelpFormatter, add_pg_option, load, machine, pg_url, table
from bench.sentiment import DEFAULT_GROUNDTRUTH
from bench.sentiment import load as load_groundtruth
from tests.support.env import clean_env
from tests.support.imports import HEAVY, heavy_in, imported_by
from tests.support.pg import pg_schema
from tests.support.programs import with_checkout

TARGET_S = 0.3
COMMANDS: list[tuple[str, ...]] = [
    ("--help",),
    ("status",),
    ("score", "I ❤️ this"),
    ("track", "list"),
]
STORE_COMMANDS = [("status",), ("track", "list")]  # measured against each store
SHOWN = (*HEAVY, "alembic", "psycopg")  # what the "heavy libraries loaded" column names


def pollbot() -> list[str]:
    """``python -m bot`` of this checkout (its environment from ``with_checkout``): what the
    console script runs, and a checkout of older code measures its own."""
    return [sys.executable, "-m", "bot"]


def whole_process(argv: list[str], *, env: dict[str, str], cwd: Path, stdin: bytes = b"") -> float:
    began = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, env=env, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()}")
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cli", description=__doc__, formatter_class=HelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the 4,200 tweets")
    parser.add_argument("--groundtruth", type=Path, default=DEFAULT_GROUNDTRUTH)
    add_pg_option(parser, what="status and track list")
    args = parser.parse_args(argv)
    pg = pg_url(args)
    print(machine())
    print(load())
    with tempfile.TemporaryDirectory(prefix="pollbot-bench-cli-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        stores = {"SQLite": f"sqlite:///{work / 'pollbot.db'}"}
        if pg:
            stores["PostgreSQL"] = stack.enter_context(pg_schema(pg, prefix="bench_"))
        envs = {
            name: with_checkout(clean_env(POLLBOT_DATABASE_URL=url)) for name, url in stores.items()
        }
        for env in envs.values():  # made and migrated beforehand, one poll tracked
            whole_process([*pollbot(), "track", "poll", "1593767953706921985"], env=env, cwd=work)
        failed = _commands(args.runs, envs, work)
        failed |= _score_file(args.rounds, args.groundtruth.resolve(), envs["SQLite"], work)
    print(load())
    return 1 if failed else 0


def _commands(runs: int, envs: dict[str, dict[str, str]], work: Path) -> bool:
    """Each command against the SQLite store; the store's commands against each store."""
    first = next(iter(envs))
    cases = [
        (cmd, store) for cmd in COMMANDS for store in (envs if cmd in STORE_COMMANDS else [first])
    ]
    times: dict[tuple[tuple[str, ...], str], list[float]] = {case: [] for case in cases}
    for _ in range(max(1, runs)):
        for cmd, store in cases:
            times[cmd, store].append(whole_process([*pollbot(), *cmd], env=envs[store], cwd=work))
    rows = []
    slow = False
    for cmd, store in cases:
        took = times[cmd, store]
        median = statistics.median(took)
        slow |= median > TARGET_S
        heavy = heavy_in(imported_by(*cmd, env=envs[store], cwd=work), SHOWN)
        label = "pollbot " + " ".join(f'"{a}"' if " " in a else a for a in cmd)
        rows.append(
            [
                label + (f" ({store})" if store != first else ""),
                f"{median:.3f}",
                f"{min(took):.3f}",
                "ok" if median <= TARGET_S else f"OVER {TARGET_S}",
                ", ".join(heavy) or "none",
            ]
        )
    print(f"\nwhole process, {max(1, runs)} runs each, commands in turn (seconds)")
    print(table(["command", "median", "best", "target", "heavy libraries loaded"], rows))
    return slow


def _score_file(rounds: int, path: Path, env: dict[str, str], work: Path) -> bool:
    if not path.is_file():
        print(f"\nskipped: ground truth not found at {path} (give --groundtruth PATH)")
        return False
    _means, texts = load_groundtruth(path)
    stdin = ("\n".join(texts) + "\n").encode()
    raw_cmd = [sys.executable, "-m", "bench._raw_vader"]
    raw_env = env
    raw: list[float] = []
    ours: list[float] = []
    for _ in range(max(1, rounds)):
        raw.append(whole_process(raw_cmd, env=raw_env, cwd=work, stdin=stdin))
        ours.append(whole_process([*pollbot(), "score"], env=env, cwd=work, stdin=stdin))
    best = min(raw) / min(ours)
    median = statistics.median(raw) / statistics.median(ours)
    print(f"\n{len(texts):,} tweets on stdin, whole process, {max(1, rounds)} rounds alternated")
    print(
        table(
            ["process", "best s", "median s", "texts/s (best)"],
            [
                [
                    "raw vaderSentiment",
                    f"{min(raw):.3f}",
                    f"{statistics.median(raw):.3f}",
                    f"{len(texts) / min(raw):,.0f}",
                ],
                [
                    "pollbot score",
                    f"{min(ours):.3f}",
                    f"{statistics.median(ours):.3f}",
                    f"{len(texts) / min(ours):,.0f}",
                ],
            ],
        )
    )
    ok = median >= 1.0
    print(
        f"ratio raw/pollbot: best {best:.2f}x, median {median:.2f}x ({'ok' if ok else 'BELOW 1.0'})"
    )
    return not ok


if __name__ == "__main__":
    sys.exit(main())

"""Many ``pollbot`` invocations in one interpreter: ``bot.cli.main`` once per case.

    python -m tests.support.programs.cli_driver < CASES.json > RESULTS.json

Starting an interpreter per case would cost ~1.5 s of CPU each. Each case (a JSON object:
``args``, ``env``, ``cwd``, optional ``watch``, a SQLite file, and ``absent``, paths) runs
with its own environment, working directory, stdout and stderr; its result says the exit
code, what it printed, a fingerprint of ``watch`` before and after, and which ``absent``
paths exist afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import sqlite3
import sys
import traceback
from collections.abc import Callable
from typing import Any


def fingerprint(path: str | None) -> str | None:
    """Every row of every table (through the WAL too): "no rows changed" exactly."""
    if not path or not os.path.exists(path):
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def run_case(case: dict[str, Any], pollbot: Callable[[list[str]], object]) -> dict[str, Any]:
    """One invocation, as the user's shell would make it, and what came of it."""
    os.environ.clear()
    os.environ.update(case["env"])
    os.chdir(case["cwd"])
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    before = fingerprint(case.get("watch"))
    out, err = io.StringIO(), io.StringIO()
    code = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            pollbot(case["args"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = -1
    return {
        "code": code,
        "out": out.getvalue(),
        "err": err.getvalue(),
        "before": before,
        "after": fingerprint(case.get("watch")),
        "created": [p for p in case.get("absent", []) if os.path.exists(p)],
    }


def main() -> None:
    from bot.cli import main as pollbot

    cases = json.load(sys.stdin)
    json.dump([run_case(case, pollbot) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()

"""What the bad-input suites share: the cases of bad invocations and the driver that runs
many of them in one interpreter (``programs/cli_driver.py``), and the junk both the
invocations and the mentions are made of.

Each case is one ``pollbot`` invocation as a user would type it. Starting an interpreter per
case would cost ~1.5 s of CPU each, so the cases of a group run in one child process that
calls ``bot.cli.main`` once per case, with the case's own environment, working directory,
stdout and stderr.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobs.subjects import Subject
from jobs.tracking import track
from storage.engine import Database
from storage.migrate import upgrade
from tests.support import programs
from tests.support.env import clean_env
from tests.support.scenarios import POLL_POST_ID as POLL

LONG = "x" * 40_000

# Junk in mention commands (tests/test_bad_input_mentions.py); counted among the bad inputs.
JUNK_MENTIONS = {
    "control characters": "@pollbot track \x01\x02\x07\x1b[2J",
    "NUL and bell": "@pollbot untrack \x00\x07",
    "rtl override inside a name": "@pollbot track @elon\u202emusk",
    "rtl override and a poll": "@pollbot track poll \u202e5891796073593567951",
    "zero-width joiners": "@pollbot track \u200d\u200b\u2060",
    "40,000 characters": "@pollbot track " + LONG,
    "40,000 characters of emoji": "@pollbot untrack " + "\U0001f600" * 40_000,
}


@dataclass(frozen=True)
class Case:
    """One bad invocation: ``args`` (``{tmp}`` and ``{port}`` are filled in), extra ``env``,
    and a piece of the one line expected on stderr."""

    id: str
    args: tuple[str, ...]
    expect: str
    env: dict[str, str] = field(default_factory=dict)
    bug: str | None = None  # a known production bug: the case is xfail(strict=True)
    files: dict[str, bytes] = field(default_factory=dict)  # written under {tmp} first
    absent: tuple[str, ...] = ()  # paths under {tmp} that must not exist afterwards


def case(
    id: str,
    *args: str,
    expect: str,
    env: dict[str, str] | None = None,
    bug: str | None = None,
    files: dict[str, bytes] | None = None,
    absent: tuple[str, ...] = (),
) -> Case:
    return Case(id, args, expect, env or {}, bug, files or {}, absent)


def env_case(name: str, value: str, expect: str, *, bug: str | None = None) -> Case:
    return case(
        f"{name}={value[:24]!r}",
        "track",
        "account",
        "elonmusk",
        expect=expect,
        env={name: value},
        bug=bug,
    )


@dataclass
class Outcome:
    case: Case
    code: int | None
    out: str
    err: str
    before: str | None
    after: str | None
    created: list[str]


def fill(text: str, tmp: Path, port: int) -> str:
    """``{tmp}`` and ``{port}`` in ``text`` filled in."""
    return text.replace("{tmp}", str(tmp)).replace("{port}", str(port))


def seed_database(url: str) -> None:
    """An existing store with something in it, so "no rows changed" means something."""
    db = Database(url)
    upgrade(db)
    now = datetime(2022, 11, 19, tzinfo=UTC)
    track(db, Subject("account", "elonmusk"), now=now)
    track(db, Subject("poll", POLL), now=now)
    db.dispose()


def drive(payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the cases ``prepare`` made in one driver process; their results, in order."""
    proc = subprocess.run(
        programs.command("cli_driver"),
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        env=programs.with_checkout(clean_env()),
    )
    assert proc.returncode == 0, f"the driver itself failed:\n{proc.stderr[-3000:]}"
    return list(json.loads(proc.stdout))


def prepare(case: Case, tmp: Path, port: int, *, existing_db: Path | None = None) -> dict[str, Any]:
    """The driver's instructions for ``case``, run in ``tmp`` (its files written there); with
    a copy of ``existing_db`` as its store when given."""
    tmp.mkdir(exist_ok=True)
    for name, content in case.files.items():
        (tmp / name).write_bytes(content)
    db_file = tmp / "pollbot.db"
    if existing_db is not None:
        shutil.copyfile(existing_db, db_file)
    env = clean_env(POLLBOT_DATABASE_URL=f"sqlite:///{db_file}")
    env.update({k: fill(v, tmp, port) for k, v in case.env.items()})
    absent = [str(tmp / p) for p in case.absent]
    return {
        "args": [fill(a, tmp, port) for a in case.args],
        "env": env,
        "cwd": str(tmp),
        "watch": str(db_file) if existing_db else None,
        # with no store to begin with, none may be created
        "absent": absent if existing_db else [*absent, str(db_file)],
    }

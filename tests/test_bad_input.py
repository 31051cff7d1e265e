"""Bad input of every kind: exit 2, one line naming the problem, no traceback, nothing written.

Each case is one ``pollbot`` invocation as a user would type it. Starting an interpreter per
case would cost ~1.5 s of CPU each, so the cases of a group run in one child process that
calls ``bot.cli.main`` once per case, with the case's own environment, working directory,
stdout and stderr (``DRIVER``). A couple of cases also run as real ``python -m bot``
processes to show the two agree. Mentions go through the commands job against the mock;
the parsers get property tests.

A case given ``bug="..."`` is ``xfail(strict=True)``: a known bug in production code, named
there until it is fixed (the first run of this suite found twelve; all are fixed).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet

from bot.app import App
from bot.config.values import parse_duration
from bot.registry import get_job
from jobs.mentions.parse import MAX_COMMAND_CHARS, parse_mention
from jobs.runner import Holder, run_job
from jobs.subjects import Subject
from jobs.summary import PollCounts, SentimentCounts, SummaryInput, compose_summary
from jobs.tracking import track, tracked
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import MentionRow
from tests.conftest import clean_env, env_for, generated_scenario, run_cli, settings_for

POLL = "1593767953706921985"
LONG = "x" * 40_000

# -- the driver: many invocations, one interpreter ---------------------------------------------

DRIVER = r"""
import contextlib, hashlib, io, json, logging, os, sqlite3, sys, traceback

def fingerprint(path):
    # Every row of every table (through the WAL too): "no rows changed" exactly.
    if not path or not os.path.exists(path):
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()

from bot.cli import main

cases = json.load(sys.stdin)
results = []
for case in cases:
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
            main(case["args"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = -1
    results.append({
        "code": code, "out": out.getvalue(), "err": err.getvalue(),
        "before": before, "after": fingerprint(case.get("watch")),
        "created": [p for p in case.get("absent", []) if os.path.exists(p)],
    })
json.dump(results, sys.stdout)
"""


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


def _case(
    id: str,
    *args: str,
    expect: str,
    env: dict[str, str] | None = None,
    bug: str | None = None,
    files: dict[str, bytes] | None = None,
    absent: tuple[str, ...] = (),
) -> Case:
    return Case(id, args, expect, env or {}, bug, files or {}, absent)


def _env(name: str, value: str, expect: str, *, bug: str | None = None) -> Case:
    return _case(
        f"{name}={value[:24]!r}",
        "track",
        "account",
        "elonmusk",
        expect=expect,
        env={name: value},
        bug=bug,
    )


CONFIG_CASES = [
    _env("POLLBOT_COLLECT_EVERY", "15", "expected a duration"),
    _env("POLLBOT_POLLS_EVERY", "1h 30m", "expected a duration"),
    _env("POLLBOT_COMMANDS_EVERY", "0.0s", "greater than zero"),
    _env("POLLBOT_COLLECT_EVERY", "1.5.5m", "expected a duration"),
    _env("POLLBOT_COLLECT_EVERY", "99999999999d", "POLLBOT_COLLECT_EVERY"),
    _env("POLLBOT_POLLS_EVERY", "9" * 400 + "s", "POLLBOT_POLLS_EVERY"),
    _env("POLLBOT_SUMMARY_CRON", "* * * *", "5-field cron"),
    _env("POLLBOT_SUMMARY_CRON", "0 9 * * * *", "5-field cron"),
    _env("POLLBOT_SUMMARY_CRON", "*/0 * * * *", "Increment must be higher than 0"),
    _env("POLLBOT_SUMMARY_CRON", "0 9 * * 8", "higher than the maximum"),
    _env("POLLBOT_SUMMARY_CRON", "0 9 * * \u202emon", "5-field cron"),
    _env("POLLBOT_TIMEZONE", "UTC+2", "IANA time zone"),
    _env("POLLBOT_TIMEZONE", "../../etc/passwd", "IANA time zone"),
    _env("POLLBOT_TIMEZONE", "Europe/Berlin\x1b[2J", "IANA time zone"),
    _env("POLLBOT_TIMEZONE", "Europe", "POLLBOT_TIMEZONE"),
    _env("POLLBOT_TIMEZONE", "A" * 300, "POLLBOT_TIMEZONE"),
    _env("POLLBOT_DRY_RUN", "2", "expected true or false"),
    _env("POLLBOT_DRY_RUN", "yes please", "expected true or false"),
    _env("X_API_BASE_URL", "http://127.0.0.1:99999", "valid port"),
    _env("X_API_BASE_URL", "http://[::1", "X_API_BASE_URL"),
    _env("X_API_BASE_URL", "http://127.0.0.1:8787/?q=1", "without query"),
    _env("X_API_BASE_URL", "javascript:alert(1)", "http(s) URL"),
    _env("POLLBOT_METRICS_PORT", "0", "TCP port number"),
    _env("POLLBOT_METRICS_PORT", "-1", "TCP port number"),
    _env("POLLBOT_METRICS_PORT", "80.5", "TCP port number"),
    _env("POLLBOT_MONTHLY_POST_READS", "-5", "positive whole number"),
    _env("POLLBOT_MONTHLY_POST_READS", "1e6", "positive whole number"),
    _env("POLLBOT_ACCOUNTS", "elonmusk,,@", "expected usernames"),
    _env("POLLBOT_ACCOUNTS", "\u0435lonmusk", "expected usernames"),  # Cyrillic e
    _env("POLLBOT_ACCOUNTS", LONG, "expected usernames"),
    _env("POLLBOT_POLLS", "1593767953706921985;42", "not a post id or URL"),
    _env("POLLBOT_POLLS", str(2**63), "not a post id or URL"),
    _env("POLLBOT_OPERATORS", "ops_alice bob", "expected usernames"),
    _env("POLLBOT_LOG_LEVEL", "verbose", "debug, info"),
    _env("POLLBOT_LOG_FORMAT", "yaml", "text, json"),
    _env("POLLBOT_DATABASE_URL", "sqlite//nopath", "SQLAlchemy URL"),
    _env("POLLBOT_DATABASE_URL", "postgresql+nodriver://u:canary-pw@h/db", "SQLAlchemy URL"),
    _case(
        "dotenv POLLBOT_DRY_RUN=perhaps",
        "track",
        "account",
        "elonmusk",
        expect="POLLBOT_DRY_RUN='perhaps'",
        files={".env": b"POLLBOT_DRY_RUN=perhaps\n"},
    ),
]

ARG_CASES = [
    # track account
    _case("account empty", "track", "account", "", expect="not a username"),
    _case("account blank", "track", "account", "   ", expect="not a username"),
    _case("account cyrillic", "track", "account", "\u0435lonmusk", expect="not a username"),
    _case("account fullwidth", "track", "account", "\uff45lonmusk", expect="not a username"),
    _case("account 16 chars", "track", "account", "a" * 16, expect="not a username"),
    _case("account 40k", "track", "account", LONG, expect="not a username"),
    _case("account ansi", "track", "account", "elon\x1b[31mmusk", expect="not a username"),
    _case("account rtl", "track", "account", "elon\u202emusk", expect="not a username"),
    _case("account zero width", "track", "account", "elonmusk\u200b", expect="not a username"),
    _case("account @@", "track", "account", "@@elonmusk", expect="not a username"),
    # track poll
    _case("poll empty", "track", "poll", "", expect="not a post id or URL"),
    _case("poll negative", "track", "poll", f"-{POLL}", expect="No such option '-1'"),
    _case("poll negative after --", "track", "poll", "--", f"-{POLL}", expect="not a post id"),
    _case("poll zero", "track", "poll", "0", expect="not a post id or URL"),
    _case("poll 2^63", "track", "poll", str(2**63), expect="not a post id or URL"),
    _case("poll 2^64", "track", "poll", str(2**64), expect="not a post id or URL"),
    _case("poll fullwidth", "track", "poll", "\uff11\uff12\uff13", expect="not a post id"),
    _case("poll arabic digits", "track", "poll", "\u0661\u0662\u0663", expect="not a post id"),
    _case("poll url no id", "track", "poll", "https://x.com/elonmusk/status/", expect="not a post"),
    _case(
        "poll url other host",
        "track",
        "poll",
        f"https://evil.example/x.com/u/status/{POLL}",
        expect="not a post id or URL",
    ),
    _case("poll control", "track", "poll", "12\x0734", expect="not a post id or URL"),
    _case("poll 40k", "track", "poll", "1" * 40_000, expect="not a post id or URL"),
    # untrack
    _case("untrack @", "untrack", "@", expect="not a username"),
    _case("untrack not tracked", "untrack", "@nobody", expect="not tracked: @nobody"),
    _case("untrack url id 0", "untrack", "https://x.com/u/status/0", expect="not a subject"),
    # job names and --subject
    _case("job empty", "jobs", "run", "", expect="no job named ''"),
    _case("job upper", "jobs", "run", "COLLECT", expect="no job named 'COLLECT'"),
    _case("job ansi", "jobs", "run", "collect\x1b[0m", expect="no job named"),
    _case("job 40k", "jobs", "run", LONG, expect="no job named"),
    _case("subject empty", "jobs", "run", "collect", "--subject", "", expect="not a subject"),
    _case("subject @", "jobs", "run", "polls", "--subject", "@", expect="not a username"),
    _case("subject 40k", "jobs", "run", "collect", "--subject", LONG, expect="not a subject"),
    _case(
        "subject rtl", "jobs", "run", "summarize", "--subject", "@a\u202eb", expect="not a username"
    ),
    _case("history job", "jobs", "history", "colect", expect="no job named 'colect'"),
    # --limit
    _case("limit -1", "jobs", "history", "--limit", "-1", expect="--limit"),
    _case("limit 10001", "jobs", "history", "--limit", "10001", expect="--limit"),
    _case("limit abc", "jobs", "history", "--limit", "abc", expect="not a valid integer"),
    _case("limit 1e3", "summaries", "--limit", "1e3", expect="not a valid integer"),
    _case("limit 2^63", "summaries", "--limit", str(2**63), expect="--limit"),
    _case("limit empty", "jobs", "history", "--limit", "", expect="--limit"),
    # export: formats, --since, --subject
    _case("format empty", "export", "replies", "--format", "", expect="--format: ''"),
    _case("format CSV", "export", "replies", "--format", "CSV", expect="--format: 'CSV'"),
    _case("format json", "export", "replies", "--format", "json", expect="--format: 'json'"),
    _case("format rtl", "export", "replies", "--format", "csv\u202e", expect="--format:"),
    _case("since empty", "export", "replies", "--since", "", expect="--since: not an ISO"),
    _case("since month 13", "export", "replies", "--since", "2022-13-01", expect="--since"),
    _case("since hour 25", "export", "replies", "--since", "2022-11-19T25:00", expect="--since"),
    _case("since 40k", "export", "replies", "--since", LONG, expect="--since: not an ISO"),
    _case(
        "since 9999 west",
        "export",
        "replies",
        "--since",
        "9999-12-31T23:59:59-01:00",
        expect="--since",
    ),
    _case(
        "since year 1 east",
        "export",
        "replies",
        "--since",
        "0001-01-01T00:00:00+01:00",
        expect="--since",
    ),
    _case("export subject", "export", "replies", "--subject", "a b", expect="not a subject"),
    _case("preview subject", "summary", "preview", "no such!", expect="not a subject"),
    # numbers of the long-running commands
    _case("demo speed 0", "demo", "--speed", "0", "--out", "{tmp}/demo", expect="--speed"),
    _case("demo duration 0", "demo", "--duration", "0", "--out", "{tmp}/demo", expect="--dur"),
    _case("mock port 70000", "mock-api", "--port", "70000", expect="--port"),
    _case("mock port -1", "mock-api", "--port", "-1", expect="--port"),
    _case("mock speed 0", "mock-api", "--speed", "0", "--port", "{port}", expect="--speed"),
]

# Risky: a wrong acceptance starts something, so they run apart from the rest.
RISKY_CASES = [
    _case("mock speed nan", "mock-api", "--speed", "nan", "--port", "{port}", expect="--speed"),
    _case("mock speed inf", "mock-api", "--speed", "inf", "--port", "{port}", expect="--speed"),
    _case("demo speed nan", "demo", "--speed", "nan", "--duration", "1", "--out", "{tmp}/demo",
          expect="--speed", absent=("demo",)),
    _case("mock host", "mock-api", "--host", "256.1.1.1", "--port", "0", expect="--host"),
]  # fmt: skip


def _scenario(**changes: Any) -> bytes:
    """A small valid scenario with ``changes`` applied (a value of None deletes the key)."""
    doc: dict[str, Any] = generated_scenario(count=5)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return json.dumps(doc).encode()


def _posts_with(**post_changes: Any) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = json.loads(_scenario())["posts"]
    posts[0] = {**posts[0], **post_changes}
    return posts


_REPLY = {
    "id": "1593768000000000001",
    "author_id": "1101",
    "created_at": "2022-11-19T00:41:00.000Z",
    "text": "@elonmusk yes",
}
_VOTES = [{"at": "2022-11-19T06:00:00.000Z", "counts": [5, 5]}]


def _scenario_case(id: str, content: bytes | None, expect: str, *, ref: str = "") -> Case:
    files = {"s.json": content} if content is not None else {}
    return _case(
        f"scenario {id}",
        "mock-api",
        "--scenario",
        ref or "{tmp}/s.json",
        "--port",
        "{port}",
        expect=expect,
        files=files,
    )


SCENARIO_CASES = [
    _scenario_case("bad json", b'{"start": ', "invalid JSON at line 1"),
    _scenario_case("empty file", b"", "invalid JSON"),
    _scenario_case("not utf-8", b"\xff\xfe{\x00", "cannot read"),
    _scenario_case("top-level list", b"[]", "expected an object, got a list"),
    _scenario_case("missing start", _scenario(start=None), "start: required field is missing"),
    _scenario_case("missing bot", _scenario(bot=None), "bot: required field is missing"),
    _scenario_case("start wrong type", _scenario(start=123), "start: expected an ISO 8601"),
    _scenario_case("start not a date", _scenario(start="2022-02-30T00:00:00.000Z"), "start:"),
    _scenario_case("posts an object", _scenario(posts={}), "posts: expected a list"),
    _scenario_case(
        "id a number", _scenario(posts=_posts_with(id=int(POLL))), "posts[0].id: expected an id"
    ),
    _scenario_case("unknown field", _scenario(postz=[]), "postz: unknown field"),
    _scenario_case(
        "reply to unknown post",
        _scenario(posts=[*_posts_with(), {**_REPLY, "in_reply_to": "42"}]),
        "reply to unknown post '42'",
    ),
    _scenario_case(
        "reply older than its post",
        _scenario(
            posts=[
                *_posts_with(),
                {**_REPLY, "in_reply_to": POLL, "created_at": "2022-11-19T00:01:00Z"},
            ]
        ),
        "a reply cannot be older than the post it answers",
    ),
    _scenario_case(
        "votes back in time",
        _scenario(
            posts=_posts_with(
                poll={
                    "id": "1",
                    "duration_minutes": 1440,
                    "options": ["Yes", "No"],
                    "votes": [
                        {"at": "2022-11-19T06:00:00.000Z", "counts": [1, 1]},
                        {"at": "2022-11-19T05:00:00.000Z", "counts": [2, 2]},
                    ],
                }
            )
        ),
        "votes entries go backwards in time",
    ),
    _scenario_case(
        "votes falling",
        _scenario(
            posts=_posts_with(
                poll={
                    "id": "1",
                    "duration_minutes": 1440,
                    "options": ["Yes", "No"],
                    "votes": [*_VOTES, {"at": "2022-11-19T07:00:00.000Z", "counts": [4, 6]}],
                }
            )
        ),
        "votes cannot fall (from 5 to 4)",
    ),
    _scenario_case(
        "one poll option",
        _scenario(posts=_posts_with(poll={"id": "1", "duration_minutes": 60, "options": ["Y"]})),
        "expected 2 to 4 options",
    ),
    _scenario_case(
        "generate ends before it starts",
        _scenario(
            generate={
                "replies_to": [POLL],
                "count": 5,
                "seed": 1,
                "from": "2022-11-20T00:00:00.000Z",
                "to": "2022-11-19T00:00:00.000Z",
            }
        ),
        "the span ends before it starts",
    ),
    _scenario_case(
        "generate too many",
        _scenario(generate={"replies_to": [POLL], "count": 10**10, "seed": 1}),
        "generate.count: expected an integer from 0 to",
    ),
    _scenario_case(
        "lookalike username",
        _scenario(users=[{"id": "44196397", "username": "\u0435lonmusk"}]),
        "users[0].username",
    ),
    _scenario_case(
        "author not a user", _scenario(posts=_posts_with(author_id="77")), "unknown author '77'"
    ),
    _scenario_case(
        "duplicate post id",
        _scenario(posts=[*_posts_with(), {**_REPLY, "id": POLL}]),
        "duplicate post id",
    ),
    _scenario_case(
        "rate limit of no endpoint",
        _scenario(rate_limits={"search": {"limit": 1, "window_s": 1}}),
        "rate_limits.search: unknown field",
    ),
    _scenario_case("unknown builtin", None, "no such builtin scenario", ref="builtin:nov-2023"),
    _scenario_case("builtin traversal", None, "no such builtin", ref="builtin:../scenarios/x"),
    _scenario_case("a directory", None, "cannot read: Is a directory", ref="{tmp}"),
    _scenario_case("a missing file", None, "No such file or directory", ref="{tmp}/nope.json"),
    Case(
        "scenario missing, bidi override in name",
        ("mock-api", "--scenario", "{tmp}/x\u202enosj.json", "--port", "{port}"),
        "No such file or directory",
    ),
]

DATABASE_CASES = [
    _case(
        "sqlite missing directory",
        "track",
        "account",
        "elonmusk",
        expect="cannot open database sqlite:///",
        env={"POLLBOT_DATABASE_URL": "sqlite:///{tmp}/no/such/dir/p.db"},
        absent=("no",),
    ),
    _case(
        "sqlite path is a directory",
        "status",
        expect="cannot open database",
        env={"POLLBOT_DATABASE_URL": "sqlite:///{tmp}"},
    ),
    _case(
        "sqlite file is not a database",
        "track",
        "account",
        "elonmusk",
        expect="not a database",
        env={"POLLBOT_DATABASE_URL": "sqlite:///{tmp}/junk.db"},
        files={"junk.db": b"this is not SQLite\n" * 100},
    ),
    _case(
        "postgresql refused",
        "jobs",
        "history",
        expect="cannot open database postgresql+psycopg://u:***@127.0.0.1:1/x",
        env={"POLLBOT_DATABASE_URL": "postgresql+psycopg://u:canary-pw@127.0.0.1:1/x"},
    ),
    _case(
        "postgresql unknown host",
        "track",
        "poll",
        POLL,
        expect="cannot open database",
        env={"POLLBOT_DATABASE_URL": "postgresql+psycopg://u@host.invalid/x"},
    ),
    _case(
        "postgresql port 99999",
        "status",
        expect="the port is not 1-65535",
        env={"POLLBOT_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:99999/x"},
    ),
]

GROUPS: dict[str, list[Case]] = {
    "config": CONFIG_CASES,
    "args": ARG_CASES,
    "risky": RISKY_CASES,
    "scenario": SCENARIO_CASES,
    "database": DATABASE_CASES,
}


# -- running a group once per worker -----------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    code: int | None
    out: str
    err: str
    before: str | None
    after: str | None
    created: list[str]


_RESULTS: dict[str, dict[str, Outcome]] = {}


def _fill(text: str, tmp: Path, port: int) -> str:
    return text.replace("{tmp}", str(tmp)).replace("{port}", str(port))


def _seed_database(url: str) -> None:
    """An existing store with something in it, so "no rows changed" means something."""
    db = Database(url)
    upgrade(db)
    now = datetime(2022, 11, 19, tzinfo=UTC)
    track(db, Subject("account", "elonmusk"), now=now)
    track(db, Subject("poll", POLL), now=now)
    db.dispose()


@pytest.fixture(scope="module")
def held_port() -> Iterator[int]:
    """A port we listen on: a mock that got as far as binding would fail with exit 1 there,
    so an exit 2 proves the input was refused before listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield int(sock.getsockname()[1])
    sock.close()


def _drive(payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert proc.returncode == 0, f"the driver itself failed:\n{proc.stderr[-3000:]}"
    return list(json.loads(proc.stdout))


def _prepare(
    case: Case, tmp: Path, port: int, *, existing_db: Path | None = None
) -> dict[str, Any]:
    """The driver's instructions for ``case``, run in ``tmp`` (its files written there); with
    a copy of ``existing_db`` as its store when given."""
    tmp.mkdir(exist_ok=True)
    for name, content in case.files.items():
        (tmp / name).write_bytes(content)
    db_file = tmp / "pollbot.db"
    if existing_db is not None:
        shutil.copyfile(existing_db, db_file)
    env = clean_env(POLLBOT_DATABASE_URL=f"sqlite:///{db_file}")
    env.update({k: _fill(v, tmp, port) for k, v in case.env.items()})
    absent = [str(tmp / p) for p in case.absent]
    return {
        "args": [_fill(a, tmp, port) for a in case.args],
        "env": env,
        "cwd": str(tmp),
        "watch": str(db_file) if existing_db else None,
        # with no store to begin with, none may be created
        "absent": absent if existing_db else [*absent, str(db_file)],
    }


def _run_group(group: str, base: Path, port: int) -> dict[str, Outcome]:
    # Arguments are checked against an existing store (nothing in it may change); the
    # configuration, scenarios and database URLs against none (none may be created).
    template = None
    if group == "args":
        template = base / "template.db"
        _seed_database(f"sqlite:///{template}")
    cases = GROUPS[group]
    payload = [
        _prepare(c, base / f"case{n}", port, existing_db=template) for n, c in enumerate(cases)
    ]
    results = _drive(payload)
    return {
        c.id: Outcome(c, r["code"], r["out"], r["err"], r["before"], r["after"], r["created"])
        for c, r in zip(cases, results, strict=True)
    }


def _params(group: str) -> list[Any]:
    return [
        pytest.param(
            group,
            c.id,
            id=c.id.encode("unicode_escape").decode()[:60],
            marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else [],
        )
        for c in GROUPS[group]
    ]


ALL_PARAMS = [p for g in GROUPS for p in _params(g)]


@pytest.mark.parametrize(("group", "case_id"), ALL_PARAMS)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    group: str, case_id: str, tmp_path_factory: pytest.TempPathFactory, held_port: int
) -> None:
    if group not in _RESULTS:
        _RESULTS[group] = _run_group(group, tmp_path_factory.mktemp(group), held_port)
    o = _RESULTS[group][case_id]
    shown = f"exit {o.code}\nstdout: {o.out[:500]!r}\nstderr: {o.err[:2000]!r}"
    assert o.code == 2, shown
    assert "Traceback" not in o.err, shown
    lines = o.err.strip().splitlines()
    assert len(lines) == 1, shown
    [line] = lines
    assert line.startswith("pollbot: error: "), shown
    assert o.case.expect in line, shown
    # Names the problem without replaying it: no raw control or bidi characters, and a
    # 40,000-character value is not echoed whole.
    assert line.isprintable(), shown
    assert len(line) < 1000, f"{len(line)} characters: {line[:300]}..."
    assert "canary-pw" not in o.err
    assert o.out == "", shown
    assert o.created == [], f"written: {o.created}"
    assert o.before == o.after, "the existing database changed"


def test_there_are_at_least_40_bad_inputs_here() -> None:
    cases = [c for group in GROUPS.values() for c in group]
    assert len({c.id for c in cases}) == len(cases), "case ids must be unique"
    # Counting only the ones expected to pass (a case marked as a known bug comes on top).
    assert sum(1 for c in cases if c.bug is None) + len(JUNK_MENTIONS) >= 40


def test_the_driver_answers_as_a_real_process_does(tmp_path: Path, held_port: int) -> None:
    """The in-process driver is a faithful stand-in for ``python -m bot``: the same exit
    code, the same stdout and stderr, nothing written either way."""
    cases = [CONFIG_CASES[0], SCENARIO_CASES[0], ARG_CASES[0]]
    jobs = [_prepare(c, tmp_path / f"c{n}", held_port) for n, c in enumerate(cases)]
    for job, driven in zip(jobs, _drive(jobs), strict=True):
        real = run_cli(*job["args"], env=job["env"], cwd=Path(job["cwd"]))
        assert (driven["code"], driven["out"], driven["err"]) == (real.code, real.out, real.err)
        assert real.code == 2 and driven["created"] == []
        assert not (Path(job["cwd"]) / "pollbot.db").exists()


def test_the_driver_notices_a_write(tmp_path: Path) -> None:
    """The "no rows changed" check can fail: tracking one more account changes the store."""
    ok = _case("a good invocation", "track", "account", "nytimes", expect="")
    _seed_database(f"sqlite:///{tmp_path / 'template.db'}")
    job = _prepare(ok, tmp_path / "case", 0, existing_db=tmp_path / "template.db")
    [result] = _drive([job])
    assert result["code"] == 0, result
    assert result["before"] is not None and result["before"] != result["after"]


def test_a_run_that_fails_is_exit_1_not_bad_input(tmp_path: Path, mock_factory: Any) -> None:
    """Exit 2 promises the input was wrong; a run that fails on the platform is exit 1."""
    mock = mock_factory(generated_scenario(count=5))
    requests.post(
        f"{mock.url}/_mock/faults", json={"endpoint": "me", "status": 403, "times": 5}, timeout=10
    ).raise_for_status()
    result = run_cli(
        "jobs", "run", "commands", env=env_for(f"sqlite:///{tmp_path / 'p.db'}", mock.url)
    )
    assert "pollbot: error: commands failed: X refused the credentials" in result.err
    assert result.code == 1, result


# -- junk in mention commands, through the commands job and the mock ---------------------------

ALICE = "1101"
JUNK_MENTIONS = {
    "control characters": "@pollbot track \x01\x02\x07\x1b[2J",
    "NUL and bell": "@pollbot untrack \x00\x07",
    "rtl override inside a name": "@pollbot track @elon\u202emusk",
    "rtl override and a poll": "@pollbot track poll \u202e5891796073593567951",
    "zero-width joiners": "@pollbot track \u200d\u200b\u2060",
    "40,000 characters": "@pollbot track " + LONG,
    "40,000 characters of emoji": "@pollbot untrack " + "\U0001f600" * 40_000,
}


def _mention_scenario(texts: dict[str, str]) -> dict[str, Any]:
    """A scenario where each text over one post's length is a post of the operator's already
    (the mock refuses to create them, as X does)."""
    from bot.mock_api.timefmt import snowflake, to_ms

    doc = generated_scenario(count=5)
    start = datetime(2022, 11, 19, tzinfo=UTC)
    posts = list(doc["posts"])  # type: ignore[call-overload]
    for n, text in enumerate(texts.values()):
        at = start + timedelta(minutes=5, seconds=n)
        posts.append(
            {
                "id": str(snowflake(to_ms(at), n)),
                "author_id": ALICE,
                "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "text": text,
            }
        )
    doc["posts"] = posts
    return doc


@pytest.mark.parametrize("name", list(JUNK_MENTIONS))
def test_junk_mention_gets_a_short_usage_reply_and_tracks_nothing(
    name: str, tmp_path: Path, mock_factory: Any
) -> None:
    text = JUNK_MENTIONS[name]
    postable = parse_tweet(text).weightedLength <= 280
    mock = mock_factory(_mention_scenario({} if postable else {name: text}))
    mock.set_clock(datetime(2022, 11, 19, 1, 0, tzinfo=UTC))
    if postable:
        resp = requests.post(
            f"{mock.url}/2/tweets",
            json={"text": text},
            headers={"Authorization": f'OAuth oauth_token="{ALICE}-x"'},
            timeout=10,
        )
        assert resp.status_code == 201, resp.text
    app = App(
        settings_for(f"sqlite:///{tmp_path / 'p.db'}", mock.url, operators=("ops_alice",)),
        sleep=lambda s: None,
    )
    outcome = run_job(
        get_job("commands"), app.job_context(trigger="schedule"), holder=Holder.here("t")
    )
    assert outcome.status == "ok", outcome.error
    with app.db().read() as s:
        [mention] = s.query(MentionRow).all()
        mention_id, state = str(mention.post_id), mention.state
    assert state == "replied"
    replies = [p for p in mock.posts() if p["in_reply_to"] == mention_id]
    assert len(replies) == 1
    reply = replies[0]["text"]
    parsed = parse_tweet(reply)
    assert parsed.valid and parsed.weightedLength <= 280, reply
    assert "usage" in reply.lower() or "Commands:" in reply, reply
    assert reply.isprintable(), f"the junk was echoed back: {reply!r}"
    assert tracked(app.db()) == []
    app.close()


# -- properties --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000), st.sampled_from(["pollbot", "PollBot", "p_9"]))
def test_mention_parser_never_raises_and_never_returns_unprintable_args(
    text: str, bot: str
) -> None:
    for candidate in (text, f"@{bot} {text}", f"@{bot}{text}"):
        call = parse_mention(candidate, bot_username=bot)
        if call is None:
            continue
        assert call.name == "" or call.name.isprintable()
        for arg in call.args:
            assert arg and arg.isprintable() and not any(ch.isspace() for ch in arg), arg
        assert len(call.raw) <= MAX_COMMAND_CHARS


_DURATION_TEXT = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A(\d{1,40}(\.\d{1,5})?(ms|s|m|h|d)){1,3}\Z"),
)


@settings(max_examples=200, deadline=None)
@given(_DURATION_TEXT)
@example("9" * 400 + "s")
@example("99999999999d")
def test_duration_parsing_raises_nothing_but_value_error(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError:
        return
    assert value.total_seconds() > 0


_PIECES = ["\U0001f600", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u202e", "\u0301", "a", " "]
_NAMES = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=400),
    st.lists(st.sampled_from(_PIECES), max_size=300).map("".join),
    st.just("x" * 5000),
)


@st.composite
def _sentiment(draw: st.DrawFn) -> SentimentCounts:
    pos, neu, neg = (draw(st.integers(0, 10**12)) for _ in range(3))
    scored = pos + neu + neg
    mean = draw(st.floats(-1, 1))
    return SentimentCounts(
        scored=scored,
        positive=pos,
        neutral=neu,
        negative=neg,
        unscored=draw(st.integers(0, 10**12)),
        compound_sum=mean * scored,
    )


@st.composite
def _poll(draw: st.DrawFn, labels: list[str]) -> PollCounts:
    votes = tuple(draw(st.integers(0, 10**13)) for _ in labels)
    return PollCounts(tuple(labels), votes, closed=draw(st.booleans()))


@st.composite
def _summary_inputs(draw: st.DrawFn) -> SummaryInput:
    kind: Literal["account", "poll"] = draw(st.sampled_from(["account", "poll"]))
    labels = draw(st.lists(_NAMES, min_size=2, max_size=4))
    start = draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)))
    length = draw(st.timedeltas(timedelta(minutes=1), timedelta(days=30)))
    poll = draw(st.none() | _poll(labels)) if kind == "poll" else None
    return SummaryInput(
        subject_kind=kind,
        subject_name=draw(_NAMES),
        window_start=start,
        window_end=start + length,
        current=draw(_sentiment()),
        previous=draw(st.none() | _sentiment()),
        poll=poll,
        poll_previous=draw(st.none() | _poll(labels)) if poll else None,
        final=draw(st.booleans()),
        tz=draw(st.sampled_from(["UTC", "Asia/Tokyo", "America/St_Johns", "Pacific/Chatham"])),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_summary_inputs())
def test_no_summary_part_is_over_280_weighted_characters(data: SummaryInput) -> None:
    parts = compose_summary(data).parts
    assert parts
    for part in parts:
        parsed = parse_tweet(part)
        assert parsed.weightedLength <= 280, (parsed.weightedLength, part)

"""Bad invocations of every kind: exit 2, one line naming the problem, no traceback, nothing
written.

Each case is one ``pollbot`` invocation as a user would type it: bad configuration, bad
arguments, bad scenario files, unreachable or unusable databases. The cases of a group run in
one child process that calls ``bot.cli.main`` once per case (``tests.support.bad_input``); a
couple of cases also run as real ``python -m bot`` processes to show the two agree.

A case given ``bug="..."`` is ``xfail(strict=True)``: a known bug in production code, named
there until it is fixed (the first run of this suite found twelve; all are fixed).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.bad_input import (
    JUNK_MENTIONS,
    LONG,
    Case,
    Outcome,
    case,
    drive,
    env_case,
    prepare,
    seed_database,
)
from tests.support.cli import run_cli
from tests.support.env import env_for
from tests.support.scenarios import POLL_POST_ID as POLL
from tests.support.scenarios import generated_scenario

CONFIG_CASES = [
    env_case("POLLBOT_COLLECT_EVERY", "15", "expected a duration"),
    env_case("POLLBOT_POLLS_EVERY", "1h 30m", "expected a duration"),
    env_case("POLLBOT_COMMANDS_EVERY", "0.0s", "greater than zero"),
    env_case("POLLBOT_COLLECT_EVERY", "1.5.5m", "expected a duration"),
    env_case("POLLBOT_COLLECT_EVERY", "99999999999d", "POLLBOT_COLLECT_EVERY"),
    env_case("POLLBOT_POLLS_EVERY", "9" * 400 + "s", "POLLBOT_POLLS_EVERY"),
    env_case("POLLBOT_SUMMARY_CRON", "* * * *", "5-field cron"),
    env_case("POLLBOT_SUMMARY_CRON", "0 9 * * * *", "5-field cron"),
    env_case("POLLBOT_SUMMARY_CRON", "*/0 * * * *", "Increment must be higher than 0"),
    env_case("POLLBOT_SUMMARY_CRON", "0 9 * * 8", "higher than the maximum"),
    env_case("POLLBOT_SUMMARY_CRON", "0 9 * * \u202emon", "5-field cron"),
    env_case("POLLBOT_TIMEZONE", "UTC+2", "IANA time zone"),
    env_case("POLLBOT_TIMEZONE", "../../etc/passwd", "IANA time zone"),
    env_case("POLLBOT_TIMEZONE", "Europe/Berlin\x1b[2J", "IANA time zone"),
    env_case("POLLBOT_TIMEZONE", "Europe", "POLLBOT_TIMEZONE"),
    env_case("POLLBOT_TIMEZONE", "A" * 300, "POLLBOT_TIMEZONE"),
    env_case("POLLBOT_DRY_RUN", "2", "expected true or false"),
    env_case("POLLBOT_DRY_RUN", "yes please", "expected true or false"),
    env_case("X_API_BASE_URL", "http://127.0.0.1:99999", "valid port"),
    env_case("X_API_BASE_URL", "http://[::1", "X_API_BASE_URL"),
    env_case("X_API_BASE_URL", "http://127.0.0.1:8787/?q=1", "without query"),
    env_case("X_API_BASE_URL", "javascript:alert(1)", "http(s) URL"),
    env_case("POLLBOT_METRICS_PORT", "0", "TCP port number"),
    env_case("POLLBOT_METRICS_PORT", "-1", "TCP port number"),
    env_case("POLLBOT_METRICS_PORT", "80.5", "TCP port number"),
    env_case("POLLBOT_MONTHLY_POST_READS", "-5", "positive whole number"),
    env_case("POLLBOT_MONTHLY_POST_READS", "1e6", "positive whole number"),
    env_case("POLLBOT_ACCOUNTS", "elonmusk,,@", "expected usernames"),
    env_case("POLLBOT_ACCOUNTS", "\u0435lonmusk", "expected usernames"),  # Cyrillic e
    env_case("POLLBOT_ACCOUNTS", LONG, "expected usernames"),
    env_case("POLLBOT_POLLS", "1593767953706921985;42", "not a post id or URL"),
    env_case("POLLBOT_POLLS", str(2**63), "not a post id or URL"),
    env_case("POLLBOT_OPERATORS", "ops_alice bob", "expected usernames"),
    env_case("POLLBOT_LOG_LEVEL", "verbose", "debug, info"),
    env_case("POLLBOT_LOG_FORMAT", "yaml", "text, json"),
    env_case("POLLBOT_DATABASE_URL", "sqlite//nopath", "SQLAlchemy URL"),
    env_case("POLLBOT_DATABASE_URL", "postgresql+nodriver://u:canary-pw@h/db", "SQLAlchemy URL"),
    case(
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
    case("account empty", "track", "account", "", expect="not a username"),
    case("account blank", "track", "account", "   ", expect="not a username"),
    case("account cyrillic", "track", "account", "\u0435lonmusk", expect="not a username"),
    case("account fullwidth", "track", "account", "\uff45lonmusk", expect="not a username"),
    case("account 16 chars", "track", "account", "a" * 16, expect="not a username"),
    case("account 40k", "track", "account", LONG, expect="not a username"),
    case("account ansi", "track", "account", "elon\x1b[31mmusk", expect="not a username"),
    case("account rtl", "track", "account", "elon\u202emusk", expect="not a username"),
    case("account zero width", "track", "account", "elonmusk\u200b", expect="not a username"),
    case("account @@", "track", "account", "@@elonmusk", expect="not a username"),
    # track poll
    case("poll empty", "track", "poll", "", expect="not a post id or URL"),
    case("poll negative", "track", "poll", f"-{POLL}", expect="No such option '-1'"),
    case("poll negative after --", "track", "poll", "--", f"-{POLL}", expect="not a post id"),
    case("poll zero", "track", "poll", "0", expect="not a post id or URL"),
    case("poll 2^63", "track", "poll", str(2**63), expect="not a post id or URL"),
    case("poll 2^64", "track", "poll", str(2**64), expect="not a post id or URL"),
    case("poll fullwidth", "track", "poll", "\uff11\uff12\uff13", expect="not a post id"),
    case("poll arabic digits", "track", "poll", "\u0661\u0662\u0663", expect="not a post id"),
    case("poll url no id", "track", "poll", "https://x.com/elonmusk/status/", expect="not a post"),
    case(
        "poll url other host",
        "track",
        "poll",
        f"https://evil.example/x.com/u/status/{POLL}",
        expect="not a post id or URL",
    ),
    case("poll control", "track", "poll", "12\x0734", expect="not a post id or URL"),
    case("poll 40k", "track", "poll", "1" * 40_000, expect="not a post id or URL"),
    # untrack
    case("untrack @", "untrack", "@", expect="not a username"),
    case("untrack not tracked", "untrack", "@nobody", expect="not tracked: @nobody"),
    case("untrack url id 0", "untrack", "https://x.com/u/status/0", expect="not a subject"),
    # job names and --subject
    case("job empty", "jobs", "run", "", expect="no job named ''"),
    case("job upper", "jobs", "run", "COLLECT", expect="no job named 'COLLECT'"),
    case("job ansi", "jobs", "run", "collect\x1b[0m", expect="no job named"),
    case("job 40k", "jobs", "run", LONG, expect="no job named"),
    case("subject empty", "jobs", "run", "collect", "--subject", "", expect="not a subject"),
    case("subject @", "jobs", "run", "polls", "--subject", "@", expect="not a username"),
    case("subject 40k", "jobs", "run", "collect", "--subject", LONG, expect="not a subject"),
    case(
        "subject rtl", "jobs", "run", "summarize", "--subject", "@a\u202eb", expect="not a username"
    ),
    case("history job", "jobs", "history", "colect", expect="no job named 'colect'"),
    # --limit
    case("limit -1", "jobs", "history", "--limit", "-1", expect="--limit"),
    case("limit 10001", "jobs", "history", "--limit", "10001", expect="--limit"),
    case("limit abc", "jobs", "history", "--limit", "abc", expect="not a valid integer"),
    case("limit 1e3", "summaries", "--limit", "1e3", expect="not a valid integer"),
    case("limit 2^63", "summaries", "--limit", str(2**63), expect="--limit"),
    case("limit empty", "jobs", "history", "--limit", "", expect="--limit"),
    # export: formats, --since, --subject
    case("format empty", "export", "replies", "--format", "", expect="--format: ''"),
    case("format CSV", "export", "replies", "--format", "CSV", expect="--format: 'CSV'"),
    case("format json", "export", "replies", "--format", "json", expect="--format: 'json'"),
    case("format rtl", "export", "replies", "--format", "csv\u202e", expect="--format:"),
    case("since empty", "export", "replies", "--since", "", expect="--since: not an ISO"),
    case("since month 13", "export", "replies", "--since", "2022-13-01", expect="--since"),
    case("since hour 25", "export", "replies", "--since", "2022-11-19T25:00", expect="--since"),
    case("since 40k", "export", "replies", "--since", LONG, expect="--since: not an ISO"),
    case(
        "since 9999 west",
        "export",
        "replies",
        "--since",
        "9999-12-31T23:59:59-01:00",
        expect="--since",
    ),
    case(
        "since year 1 east",
        "export",
        "replies",
        "--since",
        "0001-01-01T00:00:00+01:00",
        expect="--since",
    ),
    case("export subject", "export", "replies", "--subject", "a b", expect="not a subject"),
    case("preview subject", "summary", "preview", "no such!", expect="not a subject"),
    # numbers of the long-running commands
    case("demo speed 0", "demo", "--speed", "0", "--out", "{tmp}/demo", expect="--speed"),
    case("demo duration 0", "demo", "--duration", "0", "--out", "{tmp}/demo", expect="--dur"),
    case("mock port 70000", "mock-api", "--port", "70000", expect="--port"),
    case("mock port -1", "mock-api", "--port", "-1", expect="--port"),
    case("mock speed 0", "mock-api", "--speed", "0", "--port", "{port}", expect="--speed"),
]

# Risky: a wrong acceptance starts something, so they run apart from the rest.
RISKY_CASES = [
    case("mock speed nan", "mock-api", "--speed", "nan", "--port", "{port}", expect="--speed"),
    case("mock speed inf", "mock-api", "--speed", "inf", "--port", "{port}", expect="--speed"),
    case("demo speed nan", "demo", "--speed", "nan", "--duration", "1", "--out", "{tmp}/demo",
          expect="--speed", absent=("demo",)),
    case("mock host", "mock-api", "--host", "256.1.1.1", "--port", "0", expect="--host"),
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
    return case(
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
    case(
        "sqlite missing directory",
        "track",
        "account",
        "elonmusk",
        expect="cannot open database sqlite:///",
        env={"POLLBOT_DATABASE_URL": "sqlite:///{tmp}/no/such/dir/p.db"},
        absent=("no",),
    ),
    case(
        "sqlite path is a directory",
        "status",
        expect="cannot open database",
        env={"POLLBOT_DATABASE_URL": "sqlite:///{tmp}"},
    ),
    case(
        "sqlite file is not a database",
        "track",
        "account",
        "elonmusk",
        expect="not a database",
        env={"POLLBOT_DATABASE_URL": "sqlite:///{tmp}/junk.db"},
        files={"junk.db": b"this is not SQLite\n" * 100},
    ),
    case(
        "postgresql refused",
        "jobs",
        "history",
        expect="cannot open database postgresql+psycopg://u:***@127.0.0.1:1/x",
        env={"POLLBOT_DATABASE_URL": "postgresql+psycopg://u:canary-pw@127.0.0.1:1/x"},
    ),
    case(
        "postgresql unknown host",
        "track",
        "poll",
        POLL,
        expect="cannot open database",
        env={"POLLBOT_DATABASE_URL": "postgresql+psycopg://u@host.invalid/x"},
    ),
    case(
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

_RESULTS: dict[str, dict[str, Outcome]] = {}


@pytest.fixture(scope="module")
def held_port() -> Iterator[int]:
    """A port we listen on: a mock that got as far as binding would fail with exit 1 there,
    so an exit 2 proves the input was refused before listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield int(sock.getsockname()[1])
    sock.close()


def _run_group(group: str, base: Path, port: int) -> dict[str, Outcome]:
    # Arguments are checked against an existing store (nothing in it may change); the
    # configuration, scenarios and database URLs against none (none may be created).
    template = None
    if group == "args":
        template = base / "template.db"
        seed_database(f"sqlite:///{template}")
    cases = GROUPS[group]
    payload = [
        prepare(c, base / f"case{n}", port, existing_db=template) for n, c in enumerate(cases)
    ]
    results = drive(payload)
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
    jobs = [prepare(c, tmp_path / f"c{n}", held_port) for n, c in enumerate(cases)]
    for job, driven in zip(jobs, drive(jobs), strict=True):
        real = run_cli(*job["args"], env=job["env"], cwd=Path(job["cwd"]))
        assert (driven["code"], driven["out"], driven["err"]) == (real.code, real.out, real.err)
        assert real.code == 2 and driven["created"] == []
        assert not (Path(job["cwd"]) / "pollbot.db").exists()


def test_the_driver_notices_a_write(tmp_path: Path) -> None:
    """The "no rows changed" check can fail: tracking one more poll changes the store (a
    poll, since an account is looked up on the platform first and the driver has none)."""
    ok = case("a good invocation", "track", "poll", "1593767953706921986", expect="")
    seed_database(f"sqlite:///{tmp_path / 'template.db'}")
    job = prepare(ok, tmp_path / "case", 0, existing_db=tmp_path / "template.db")
    [result] = drive([job])
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

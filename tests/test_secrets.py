"""Secrets never reach a log line, an error, ``status`` or an export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.support.cli import run_cli
from tests.support.env import clean_env
from tests.support.mock import mock_control

CANARIES = {
    "X_BEARER_TOKEN": "canary-bearer-7f3a9",
    "X_API_KEY": "canary-apikey-41be2",
    "X_API_SECRET": "canary-apisecret-9c0d1",
    "X_ACCESS_TOKEN": "9000-canary-access-58e6f",
    "X_ACCESS_TOKEN_SECRET": "canary-accesssecret-2aa47",
}
MARKS = ["7f3a9", "41be2", "9c0d1", "58e6f", "2aa47", "canary-db-pw"]


def test_canary_secrets_never_appear_anywhere(mock_factory: Any, db_url: str) -> None:
    mock = mock_factory("builtin:nov-2022")
    mock.set_clock(datetime(2022, 11, 19, 12, 0, tzinfo=UTC))
    # PostgreSQL (a schema of this test's own): trust authentication ignores the password,
    # so a canary one still connects.
    url = db_url.replace("postgres@", "postgres:canary-db-pw@")
    outputs: list[str] = []
    for fmt in ("text", "json"):
        env = clean_env(
            POLLBOT_DATABASE_URL=url,
            X_API_BASE_URL=mock.url,
            POLLBOT_LOG_LEVEL="debug",
            POLLBOT_LOG_FORMAT=fmt,
            POLLBOT_OPERATORS="ops_alice",
            POLLBOT_ACCOUNTS="elonmusk",
            **CANARIES,
        )
        # A refused request is an error path without retries (a 503 would be retried).
        mock_control(mock.url, "faults", {"endpoint": "search_recent", "status": 400, "times": 1})
        commands = [
            ["track", "account", "elonmusk"],
            ["jobs", "run", "collect"],  # fails on the 400: an error path
            ["jobs", "run", "polls"],
            ["jobs", "run", "collect"],
            ["jobs", "run", "summarize"],
            ["jobs", "run", "commands"],
            ["status", "--json"],
            ["status"],
            ["jobs", "history", "--json"],
            ["jobs", "list", "--json"],
            ["summaries", "--json"],
            ["summary", "preview"],
            ["export", "replies", "--format", "jsonl"],
            ["export", "replies"],
            ["track", "list", "--json"],
        ]
        if fmt == "json":  # JSON logs: the commands that log most
            commands = commands[:5]
        for args in commands:
            result = run_cli(*args, env=env)
            outputs.append(f"$ {args}\n{result.out}\n{result.err}")
        mock_control(mock.url, "faults", {"clear": True})
        # Bad configuration and bad credentials are errors that name variables, not values.
        partial = dict(env)
        del partial["X_API_SECRET"]
        result = run_cli("jobs", "run", "collect", env=partial)
        assert result.code == 2 and "X_API_SECRET" in result.err
        outputs.append(result.err)
        bad = dict(env, POLLBOT_DATABASE_URL=url.replace("127.0.0.1:5432", "127.0.0.1:1"))
        outputs.append(run_cli("status", env=bad).err)
    text = "\n".join(outputs)
    assert "collect failed" in text or "unavailable" in text  # the error path ran
    assert '"api_usage"' in text and "posts read" in text
    for mark in MARKS:
        assert mark not in text, f"secret {mark} leaked:\n" + "\n".join(
            line for line in text.splitlines() if mark in line
        )

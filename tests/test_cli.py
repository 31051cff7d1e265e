"""The CLI as a user meets it: help with examples, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest

from bot.cli.base import cli
from tests.support.cli import run_cli
from tests.support.env import clean_env, env_for
from tests.support.paths import ROOT


def _commands(group: click.Group, prefix: str = "pollbot") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = [(prefix, group)]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # the root's commands are loaded here
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        path = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, path))
        else:
            out.append((path, cmd))
    return out


COMMANDS = _commands(cli)


def _example(cmd: click.Command) -> str:
    doc = (cmd.help or "").strip().splitlines()
    assert len(doc) >= 2 and doc[-2].strip() == "Example:", "help must end with an example"
    return doc[-1].strip()


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_help_ends_with_an_example_that_the_readme_shows(
    path: str, cmd: click.Command
) -> None:
    example = _example(cmd)
    assert example.startswith("pollbot ") or "pollbot " in example
    readme = (ROOT / "README.md").read_text()
    assert example in readme, f"README lacks the example of {path}: {example}"


def test_the_spec_commands_all_exist() -> None:
    paths = {p for p, _ in COMMANDS}
    expected = {
        "pollbot run", "pollbot demo", "pollbot mock-api", "pollbot track account",
        "pollbot track poll", "pollbot track list", "pollbot untrack", "pollbot jobs list",
        "pollbot jobs run", "pollbot jobs history", "pollbot summary preview",
        "pollbot summaries", "pollbot score", "pollbot status", "pollbot export replies",
        "pollbot db upgrade",
    }  # fmt: skip
    assert expected <= paths


def test_track_untrack_and_list(tmp_path: Path, mock_factory: Any) -> None:
    # An account is looked up on the platform when it is tracked: the mock stands in for X.
    mock = mock_factory("builtin:nov-2022")
    env = env_for(f"sqlite:///{tmp_path / 'p.db'}", mock.url)
    assert run_cli("track", "account", "@ElonMusk", env=env).out == "tracking @elonmusk\n"
    assert run_cli("track", "account", "elonmusk", env=env).out == "already tracking @elonmusk\n"
    url = "https://x.com/elonmusk/status/1593767953706921985"
    assert run_cli("track", "poll", url, env=env).out == "tracking poll 1593767953706921985\n"
    listed = json.loads(run_cli("track", "list", "--json", env=env).out)
    assert [(d["kind"], d["key"]) for d in listed] == [
        ("account", "elonmusk"),
        ("poll", "1593767953706921985"),
    ]
    assert listed[0]["added_at"].endswith("Z")
    assert run_cli("untrack", "@elonmusk", env=env).out == "no longer tracking @elonmusk\n"
    again = run_cli("untrack", "@elonmusk", env=env)
    assert again.code == 2 and again.err.startswith("pollbot: error: not tracked: @elonmusk")
    assert [d["kind"] for d in json.loads(run_cli("track", "list", "--json", env=env).out)] == [
        "poll"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "account", "no spaces allowed"], "not a username"),
        (["track", "account", "waytoolongusername123"], "not a username"),
        (["track", "poll", "12ab"], "not a post id or URL"),
        (["track", "poll", "https://example.com/status/1"], "not a post id or URL"),
        (["track", "poll", "99999999999999999999"], "not a post id or URL"),
        (["untrack", "???"], "not a subject"),
        (["jobs", "run", "colect"], "no job named 'colect'"),
        (["jobs", "run", "collect", "--subject", "bad subject!"], "not a subject"),
        (["jobs", "history", "nope"], "no job named 'nope'"),
        (["jobs", "history", "--limit", "0"], "--limit"),
        (["export", "replies", "--format", "xml"], "--format: 'xml'"),
        (["export", "replies", "--since", "yesterday"], "--since: not an ISO 8601 time"),
        (["nosuchcommand"], "No such command"),
        (["track", "account"], "Missing argument"),
        (["status", "--bogus"], "No such option"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    db_file = tmp_path / "p.db"
    result = run_cli(*args, env=clean_env(POLLBOT_DATABASE_URL=f"sqlite:///{db_file}"))
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.err
    assert lines[0].startswith("pollbot: error: ")
    assert not db_file.exists()


def test_database_that_cannot_be_opened_is_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'p.db'}"
    result = run_cli("status", env=clean_env(POLLBOT_DATABASE_URL=url))
    assert result.code == 2
    assert result.err.strip().startswith("pollbot: error: cannot open database sqlite:///")


def test_postgres_that_refuses_connections_is_exit_2_without_the_password() -> None:
    url = "postgresql+psycopg://user:canary-pw@127.0.0.1:1/nodb"
    result = run_cli("status", env=clean_env(POLLBOT_DATABASE_URL=url))
    assert result.code == 2
    assert "cannot open database" in result.err and "canary-pw" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_score_texts_and_stdin() -> None:
    result = run_cli("score", "I ❤️ this", "worst idea ever")
    docs = [json.loads(line) for line in result.out.splitlines()]
    assert [d["label"] for d in docs] == ["positive", "negative"]
    assert set(docs[0]) == {"text", "compound", "pos", "neu", "neg", "label"}
    assert docs[0]["text"] == "I ❤️ this"
    piped = run_cli("score", stdin="great\nterrible\n\n")
    assert [json.loads(line)["label"] for line in piped.out.splitlines()] == [
        "positive",
        "negative",
        "neutral",
    ]


def test_db_upgrade_twice(tmp_path: Path) -> None:
    env = clean_env(POLLBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    first = run_cli("db", "upgrade", env=env)
    assert first.code == 0 and "upgraded from empty to" in first.out
    second = run_cli("db", "upgrade", env=env)
    assert second.code == 0 and "up to date" in second.out

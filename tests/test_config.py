"""Configuration: every variable parsed and validated; a bad value is one line and exit 2."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, Settings
from bot.config.checks import load_settings
from bot.config.settings import VARIABLES
from bot.config.values import parse_duration
from tests.support.cli import run_cli
from tests.support.env import clean_env

SPEC_VARIABLES = {
    "POLLBOT_DATABASE_URL", "X_BEARER_TOKEN", "X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET", "X_API_BASE_URL", "POLLBOT_ACCOUNTS", "POLLBOT_POLLS",
    "POLLBOT_OPERATORS", "POLLBOT_COLLECT_EVERY", "POLLBOT_POLLS_EVERY", "POLLBOT_COMMANDS_EVERY",
    "POLLBOT_SUMMARY_CRON", "POLLBOT_TIMEZONE", "POLLBOT_DRY_RUN", "POLLBOT_MONTHLY_POST_READS",
    "POLLBOT_LOG_FORMAT", "POLLBOT_LOG_LEVEL", "POLLBOT_METRICS_PORT",
    "POLLBOT_MONTHLY_BUDGET_USD", "MASTODON_BASE_URL", "MASTODON_ACCESS_TOKEN",
}  # fmt: skip
# Ours, beyond the SPEC's: a tuning knob with a safe default.
OWN_VARIABLES = {"POLLBOT_SCORING_PROCESSES"}

BAD_VALUES = [
    ("POLLBOT_DATABASE_URL", "not a url", "SQLAlchemy URL"),
    ("POLLBOT_DATABASE_URL", "mysql://root@localhost/x", "SQLAlchemy URL"),
    ("X_API_BASE_URL", "ftp://127.0.0.1:8787", "http(s) URL"),
    ("X_API_BASE_URL", "127.0.0.1:8787", "http(s) URL"),
    ("POLLBOT_MONTHLY_BUDGET_USD", "0", "positive amount of US dollars"),
    ("POLLBOT_MONTHLY_BUDGET_USD", "fifty", "positive amount of US dollars"),
    ("POLLBOT_ACCOUNTS", "elonmusk, not a name!", "usernames"),
    ("POLLBOT_POLLS", "1593767953706921985,abc", "post id or URL"),
    ("POLLBOT_OPERATORS", "ops-alice", "usernames"),
    ("POLLBOT_COLLECT_EVERY", "15x", "duration"),
    ("POLLBOT_COLLECT_EVERY", "0s", "greater than zero"),
    ("POLLBOT_COLLECT_EVERY", "400d", "at most 366d"),
    ("POLLBOT_POLLS_EVERY", "ten minutes", "duration"),
    ("POLLBOT_COMMANDS_EVERY", "-1m", "duration"),
    ("POLLBOT_SUMMARY_CRON", "0 25 * * *", "cron"),
    ("POLLBOT_SUMMARY_CRON", "every morning", "cron"),
    ("POLLBOT_SUMMARY_CRON", "0 0 31 2 *", "never fires"),
    ("POLLBOT_TIMEZONE", "Mars/Olympus_Mons", "time zone"),
    ("POLLBOT_DRY_RUN", "maybe", "true or false"),
    ("POLLBOT_MONTHLY_POST_READS", "0", "positive whole number"),
    ("POLLBOT_MONTHLY_POST_READS", "lots", "positive whole number"),
    ("POLLBOT_LOG_FORMAT", "xml", "text, json"),
    ("POLLBOT_LOG_LEVEL", "loud", "debug, info"),
    ("POLLBOT_METRICS_PORT", "70000", "port"),
    ("POLLBOT_SCORING_PROCESSES", "two", "auto or a whole number"),
    ("POLLBOT_SCORING_PROCESSES", "65", "auto or a whole number"),
]


def test_every_spec_variable_is_read_and_documented() -> None:
    assert set(VARIABLES) == SPEC_VARIABLES | OWN_VARIABLES
    example = (Path(__file__).parent.parent / ".env.example").read_text()
    for name in VARIABLES:
        assert f"{name}=" in example, f"{name} missing from .env.example"


def test_defaults_match_the_spec() -> None:
    s = load_settings({}, env_file=None)
    assert s == Settings()
    assert s.database_url == "sqlite:///pollbot.db"
    assert (s.collect_every, s.polls_every, s.commands_every) == (
        timedelta(minutes=15),
        timedelta(minutes=10),
        timedelta(minutes=1),
    )
    assert s.summary_cron == "0 9 * * *" and str(s.timezone) == "UTC"
    assert s.dry_run is False and s.monthly_post_reads == 10_000
    assert (s.log_format, s.log_level, s.metrics_port) == ("text", "INFO", None)


def test_values_are_typed() -> None:
    s = load_settings(
        {
            "POLLBOT_ACCOUNTS": "@ElonMusk, nytimes,elonmusk",
            "POLLBOT_POLLS": "https://x.com/elonmusk/status/1593767953706921985, 42",
            "POLLBOT_COLLECT_EVERY": "1h30m",
            "POLLBOT_DRY_RUN": "yes",
            "POLLBOT_TIMEZONE": "Europe/Berlin",
            "POLLBOT_SUMMARY_CRON": "30  8 * * 1-5",
            "POLLBOT_METRICS_PORT": "9108",
            "POLLBOT_SCORING_PROCESSES": " 0 ",
            "X_API_BASE_URL": "http://127.0.0.1:8787/",
        },
        env_file=None,
    )
    assert s.accounts == ("elonmusk", "nytimes")
    assert s.polls == ("1593767953706921985", "42")
    assert s.collect_every == timedelta(minutes=90)
    assert s.dry_run is True
    assert s.summary_cron == "30 8 * * 1-5"
    assert s.metrics_port == 9108
    assert s.scoring_processes == 0
    assert s.x_api_base_url == "http://127.0.0.1:8787"
    auto = load_settings({"POLLBOT_SCORING_PROCESSES": "AUTO"}, env_file=None)
    assert auto.scoring_processes is None


def test_x_api_and_budget_defaults() -> None:
    """Unset (or empty), X_API_BASE_URL is X's documented host; the spend cap is $50."""
    assert load_settings({}, env_file=None).x_api_base_url == "https://api.x.com"
    assert load_settings({"X_API_BASE_URL": " "}, env_file=None).x_api_base_url == (
        "https://api.x.com"
    )
    assert load_settings({}, env_file=None).monthly_budget_usd == 50.0
    budget = load_settings({"POLLBOT_MONTHLY_BUDGET_USD": "$12.50"}, env_file=None)
    assert budget.monthly_budget_usd == 12.5


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("POLLBOT_DRY_RUN=true\nPOLLBOT_MONTHLY_POST_READS=500\n")
    s = load_settings({"POLLBOT_MONTHLY_POST_READS": "700"}, env_file=env_file)
    assert s.dry_run is True
    assert s.monthly_post_reads == 700


def test_secrets_never_show_in_repr_or_errors() -> None:
    s = load_settings({"X_BEARER_TOKEN": "canary-bearer-123"}, env_file=None)
    assert "canary" not in repr(s)
    assert s.secrets() == ["canary-bearer-123"]
    with pytest.raises(ConfigError) as err:
        load_settings(
            {"POLLBOT_DATABASE_URL": "postgresql+nodriver://u:canary-pw@h/db"}, env_file=None
        )
    assert "canary-pw" not in str(err.value)


@pytest.mark.parametrize(("name", "value", "expected"), BAD_VALUES)
def test_bad_value_is_one_line_and_exit_2_with_nothing_written(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    db_file = tmp_path / "pollbot.db"
    env = clean_env(POLLBOT_DATABASE_URL=f"sqlite:///{db_file}")
    env[name] = value
    result = run_cli("track", "account", "elonmusk", env=env, cwd=tmp_path)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert name in lines[0] and expected in lines[0]
    assert "Traceback" not in result.err
    assert not db_file.exists()
    assert result.out == ""


def test_bad_value_in_dotenv_is_reported_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("POLLBOT_POLLS_EVERY=soon\n")
    result = run_cli("status", cwd=tmp_path)
    assert result.code == 2
    assert result.err.strip() == (
        "pollbot: error: POLLBOT_POLLS_EVERY='soon': expected a duration like 90s, 15m or 2h"
    )


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=90), st.sampled_from("smhd")),
        min_size=1,
        max_size=4,
    )
)
def test_duration_parts_add_up(parts: list[tuple[int, str]]) -> None:
    text = "".join(f"{n}{u}" for n, u in parts)
    factor = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    assert parse_duration(text).total_seconds() == sum(n * factor[u] for n, u in parts)


@given(st.text(max_size=20))
def test_duration_never_crashes(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        assert "duration" in str(exc)
    else:
        assert value.total_seconds() > 0

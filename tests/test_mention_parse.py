"""Reading commands out of mentions (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jobs.mentions.commands import COMMANDS
from jobs.mentions.parse import CommandCall, parse_mention


def test_command_after_the_bot_handle() -> None:
    assert parse_mention("@pollbot summary @elonmusk", bot_username="pollbot") == CommandCall(
        "summary", ("@elonmusk",), "summary @elonmusk"
    )


def test_handle_is_case_insensitive_and_may_share_the_lead_with_others() -> None:
    call = parse_mention(
        "@someone @PollBot  TRACK poll https://x.com/a/status/1", bot_username="pollbot"
    )
    assert call is not None and call.name == "track"
    assert call.args == ("poll", "https://x.com/a/status/1")


def test_mention_in_passing_is_not_a_command() -> None:
    assert parse_mention("I think @pollbot status is neat", bot_username="pollbot") is None
    assert parse_mention("@other status", bot_username="pollbot") is None


def test_control_characters_and_entities_are_neutralised() -> None:
    call = parse_mention("@pollbot sta\u0000tus &amp; more", bot_username="pollbot")
    assert call is not None and call.name == "sta" and "&" in call.raw


def test_direction_overrides_make_no_command() -> None:
    call = parse_mention("@pollbot track poll \u202e5891796073593567951", bot_username="pollbot")
    assert call == CommandCall("", (), "")


def test_huge_mention_is_bounded() -> None:
    call = parse_mention("@pollbot help " + "x" * 40_000, bot_username="pollbot")
    assert call is not None and call.name == "help"
    assert len(call.raw) <= 500


def test_every_declared_command_is_operator_only() -> None:
    assert {"help", "status", "collect", "summary", "track", "untrack"} <= set(COMMANDS)
    assert all(c.operators_only for c in COMMANDS.values())


@given(st.text(max_size=2000))
def test_parser_never_raises(text: str) -> None:
    call = parse_mention("@pollbot " + text, bot_username="pollbot")
    assert call is not None
    assert all(ch.isprintable() or ch == " " for ch in call.raw)

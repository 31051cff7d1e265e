"""Properties of the parsers and the composer under any input (hypothesis): the mention parser
and the duration parser never raise anything unexpected nor return what cannot be printed,
and no summary part is ever over 280 weighted characters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet

from bot.config.values import parse_duration
from jobs.mentions.parse import MAX_COMMAND_CHARS, parse_mention
from jobs.summary import PollCounts, SentimentCounts, SummaryInput, compose_summary


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

"""Summary composition: pure, no server, no database. Lengths are judged by twitter-text
itself (``parse_tweet``), the rule X and the mock API apply."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twitter_text import extract_urls, parse_tweet

from jobs.summary import (
    PollCounts,
    SentimentCounts,
    SummaryInput,
    compose_reply,
    compose_summary,
    fits,
    human_count,
    shares,
    split_thread,
    weighted_length,
)
from jobs.summary.model import Speakers
from jobs.summary.windows import describe_window

T0 = datetime(2022, 11, 19, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
NUMBERING = re.compile(r" \((\d+)/(\d+)\)$")
FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one emoji, seven code points


def counts(
    pos: int, neu: int, neg: int, *, unscored: int = 0, mean: float = 0.0
) -> SentimentCounts:
    scored = pos + neu + neg
    return SentimentCounts(scored, pos, neu, neg, unscored, mean * scored)


def poll_input(**kw: object) -> SummaryInput:
    base: dict[str, object] = {
        "subject_kind": "poll",
        "subject_name": "Reinstate former President Trump",
        "window_start": T0,
        "window_end": T0 + DAY,
        "current": counts(3869, 2745, 5866, mean=-0.14),
        "poll": PollCounts(("Yes", "No"), (7_814_551, 7_270_907)),
    }
    base.update(kw)
    return SummaryInput(**base)  # type: ignore[arg-type]


def account_input(**kw: object) -> SummaryInput:
    base: dict[str, object] = {"subject_kind": "account", "subject_name": "@elonmusk", "poll": None}
    return poll_input(**(base | kw))


def assert_postable(parts: tuple[str, ...], limit: int = 280) -> None:
    """What X would accept: each part valid and within the limit, numbered iff a thread."""
    assert parts
    for i, part in enumerate(parts, start=1):
        result = parse_tweet(part)
        assert result.valid, part
        assert result.weightedLength <= limit, (result.weightedLength, part)
        assert part == part.strip()
        numbered = NUMBERING.search(part)
        if len(parts) == 1:
            assert numbered is None or not part.endswith(" (1/1)"), part
        else:
            assert numbered is not None, part
            assert (int(numbered.group(1)), int(numbered.group(2))) == (i, len(parts))


def unnumbered(parts: tuple[str, ...]) -> list[str]:
    return [NUMBERING.sub("", p) if len(parts) > 1 else p for p in parts]


# --- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0"),
        (7, "7"),
        (980, "980"),
        (999, "999"),
        (1_000, "1,000"),
        (9_999, "9,999"),
        (12_480, "12,480"),  # the SPEC's "12,480 replies"
        (99_999, "99,999"),
        (100_000, "100K"),
        (125_400, "125K"),
        (999_499, "999K"),
        (999_500, "1M"),  # never "1000K"
        (1_049_999, "1M"),
        (1_050_000, "1.1M"),  # half up on the exact value, not binary float
        (1_250_000, "1.3M"),
        (15_085_458, "15.1M"),
        (99_960_000, "100M"),
        (151_000_000, "151M"),
        (999_999_999, "1B"),
        (1_234_567_890, "1.2B"),
        (10**15, "1,000,000B"),
    ],
)
def test_human_count(n: int, shown: str) -> None:
    assert human_count(n) == shown


@given(st.lists(st.integers(0, 10**13), min_size=1, max_size=8), st.sampled_from([0, 1, 2]))
def test_shares_add_up_to_exactly_100(values: list[int], decimals: int) -> None:
    result = shares(values, decimals=decimals)
    assert len(result) == len(values)
    if sum(values) == 0:
        assert all(r == 0 for r in result)
        return
    assert sum(result) == 100
    unit = Fraction(1, 10**decimals)
    for value, share in zip(values, result, strict=True):
        exact = Fraction(value * 100, sum(values))
        assert abs(Fraction(share) - exact) < unit  # each within one displayed unit


def test_shares_rounding_that_naive_rounding_gets_wrong() -> None:
    # 33.3 + 33.3 + 33.3 would show 99.9%; one of them must carry the missing tenth.
    assert shares([1, 1, 1], decimals=1) == (Decimal("33.4"), Decimal("33.3"), Decimal("33.3"))
    assert sum(shares([1, 1, 1], decimals=0)) == 100


# --- the composed text ---------------------------------------------------------------


def test_spec_example_poll() -> None:
    data = poll_input(
        window_start=datetime(2022, 11, 20, tzinfo=UTC),
        window_end=datetime(2022, 11, 20, 15, tzinfo=UTC),
        current=counts(3869, 2745, 5866, unscored=310, mean=-0.14),
        previous=counts(300, 300, 400, mean=-0.09),
        poll=PollCounts(("Yes", "No"), (7_814_551, 7_270_907), taken_at=T0 + DAY + 5 * HOUR),
        speakers=Speakers(9120, 1000, -0.13, 0),
    )
    # Every reply counted (any language), the accounts that wrote them, the English ones'
    # sentiment, and the poll's figures as of a stated time.
    assert compose_summary(data).parts == (
        "Poll 'Reinstate former President Trump': Yes 51.8% / No 48.2% of 15.1M votes at "
        "14:00 UTC; 12,790 replies today from 9,120 accounts — 12,480 in English: "
        "31% positive, 22% neutral, 47% negative, mean -0.14, down 0.05 from the previous 15 h",
    )


def test_who_is_speaking_past_the_thresholds() -> None:
    data = poll_input(
        current=counts(60, 20, 20, mean=0.2),
        speakers=Speakers(authors=40, top_authors_replies=55, mean_per_author=-0.1, copies=39),
    )
    text = compose_summary(data).text
    assert "100 replies in the last 24 h from 40 accounts — " in text
    assert "mean +0.20 (-0.10 per account)" in text
    assert text.endswith("; 39 copies of earlier replies; top 10 accounts wrote 55%")


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        (Speakers(authors=70, top_authors_replies=29, copies=4), []),  # 4 copies; 29 < 30
        (Speakers(authors=70, top_authors_replies=30, copies=5), ["copies", "top 10"]),
        (Speakers(authors=90, top_authors_replies=24, copies=0), []),  # 24 < 25% and < 30
        (Speakers(authors=10, top_authors_replies=100, copies=0), []),  # 10 accounts = all
        (Speakers(authors=11, top_authors_replies=99, copies=0), ["top 10"]),
    ],
)
def test_who_thresholds(who: Speakers, shown: list[str]) -> None:
    text = compose_summary(poll_input(current=counts(50, 25, 25), speakers=who)).text
    assert ("copies of earlier replies" in text) == ("copies" in shown)
    assert ("top 10 accounts wrote" in text) == ("top 10" in shown)
    assert "per account" not in text  # no per-account mean given


def test_counts_stopped_short_say_so() -> None:
    data = account_input(
        current=counts(5, 5, 5, mean=0.1),
        speakers=Speakers(12),
        counted_until=T0 + 5 * HOUR + 2 * MINUTE,
        stuck="collection paused at the monthly read cap",
        window_start=T0 - DAY + 9 * HOUR,
        window_end=T0 + 9 * HOUR,
    )
    assert compose_summary(data).text.startswith(
        "Replies to elonmusk in the last 24 h (counted until 14:02 UTC: collection paused at "
        "the monthly read cap): 15 from 12 accounts — "
    )
    nothing = account_input(
        current=SentimentCounts.empty(), counted_until=T0, stuck="its collection is failing"
    )
    assert compose_summary(nothing).text == (
        "No new replies to elonmusk in the last 24 h (counted until Sat 19 Nov 09:00 UTC: its "
        "collection is failing)"
    )


def test_a_later_snapshot_says_its_day() -> None:
    late = PollCounts(("Yes", "No"), (10, 30), taken_at=T0 + 2 * DAY + HOUR)
    text = compose_summary(poll_input(poll=late)).text
    assert text.startswith("Poll 'Reinstate former President Trump': Yes 25.0% / No 75.0% of 40 ")
    assert "votes at Mon 21 Nov 10:00 UTC;" in text


def test_poll_change_since_previous_snapshot() -> None:
    data = poll_input(poll_previous=PollCounts(("Yes", "No"), (4_100_000, 3_900_000)))
    (text,) = compose_summary(data).parts
    # Two options move in mirror: only the leader's move is named.
    assert "of 15.1M votes (Yes +0.5 pts, +7.1M votes);" in text
    assert "No -" not in text


def test_poll_change_names_the_leader_of_a_larger_poll() -> None:
    data = poll_input(
        poll=PollCounts(("A", "B", "C"), (45, 30, 25)),
        poll_previous=PollCounts(("A", "B", "C"), (40, 40, 20)),
    )
    text = compose_summary(data).parts[0]
    # The total did not change: no "+0 votes".
    assert "A 45.0% / B 30.0% / C 25.0% of 100 votes (A +5.0 pts);" in text
    still = poll_input(
        poll=PollCounts(("A", "B"), (5, 5)), poll_previous=PollCounts(("A", "B"), (1, 1))
    )
    assert "of 10 votes (+8 votes);" in compose_summary(still).text
    first = poll_input(poll_previous=PollCounts(("Yes", "No"), (0, 0)))
    assert "of 15.1M votes;" in compose_summary(first).text  # the first count: no change


def test_closed_poll_is_marked_final() -> None:
    closed = PollCounts(("Yes", "No"), (7_814_551, 7_270_907), closed=True)
    text = compose_summary(poll_input(poll=closed, final=True)).text
    assert text.startswith(
        "Poll 'Reinstate former President Trump' closed. Final result: Yes 51.8% / No 48.2%"
    )
    later = compose_summary(poll_input(poll=closed, final=False)).text
    assert later.startswith("Poll 'Reinstate former President Trump' (closed): Yes 51.8%")
    assert "Final" not in later
    nobody = PollCounts(("Yes", "No"), (0, 0), closed=True)
    assert "closed with no votes" in compose_summary(poll_input(poll=nobody, final=True)).text


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        (None, "Poll 'Reinstate former President Trump': Yes 51.8% / No 48.2% of 15.1M votes; "
         "no replies yet"),
        (counts(5, 5, 5), "Poll 'Reinstate former President Trump': Yes 51.8% / No 48.2% of "
         "15.1M votes; no new replies in the last 24 h"),
    ],
)  # fmt: skip
def test_empty_window_poll(previous: SentimentCounts | None, expected: str) -> None:
    data = poll_input(current=SentimentCounts.empty(), previous=previous)
    assert compose_summary(data).parts == (expected,)


def test_empty_window_account() -> None:
    assert compose_summary(account_input(current=SentimentCounts.empty())).parts == (
        "No replies to elonmusk yet",
    )
    since = account_input(
        current=SentimentCounts.empty(),
        previous=counts(1, 1, 1),
        window_start=T0,
        window_end=T0 + timedelta(hours=6),
    )
    assert compose_summary(since).parts == ("No new replies to elonmusk since 09:00 UTC",)


def test_poll_without_votes_yet() -> None:
    data = poll_input(poll=PollCounts(("Yes", "No"), (0, 0)), current=SentimentCounts.empty())
    assert compose_summary(data).text == (
        "Poll 'Reinstate former President Trump': no votes yet; no replies yet"
    )


def test_account_summary() -> None:
    data = account_input(
        window_start=datetime(2022, 11, 20, tzinfo=UTC),
        window_end=datetime(2022, 11, 20, 15, tzinfo=UTC),
        current=counts(3869, 2745, 5866, unscored=310, mean=-0.14),
        previous=counts(300, 300, 400, mean=-0.09),
    )
    assert compose_summary(data).parts == (
        "Replies to elonmusk today: 12,790 — 12,480 in English: 31% positive, 22% neutral, "
        "47% negative, mean -0.14, down 0.05 from the previous 15 h",
    )
    bare = compose_summary(account_input(subject_name="elonmusk", speakers=Speakers(7))).text
    assert bare.startswith("Replies to elonmusk in the last 24 h: 12,480 from 7 accounts — ")


@pytest.mark.parametrize(
    ("before", "now", "phrase"),
    [
        (0.10, -0.05, "mean -0.05, down 0.15 from the previous 24 h, now negative"),
        (-0.20, 0.07, "mean +0.07, up 0.27 from the previous 24 h, now positive"),
        (0.30, 0.12, "mean +0.12, down 0.18 from the previous 24 h"),
        (-0.141, -0.139, "mean -0.14, unchanged from the previous 24 h"),
        (0.0, -0.3, "mean -0.30, down 0.30 from the previous 24 h"),  # from zero: no "now"
    ],
)
def test_mean_change_and_change_of_sign(before: float, now: float, phrase: str) -> None:
    data = poll_input(current=counts(10, 10, 10, mean=now), previous=counts(5, 5, 5, mean=before))
    text = compose_summary(data).text
    assert phrase in text
    if "now" not in phrase:
        assert ", now " not in text


def test_no_comparison_without_a_previous_window() -> None:
    text = compose_summary(poll_input(previous=None)).text
    assert "mean -0.14" in text and " from " not in text
    empty_before = compose_summary(poll_input(previous=SentimentCounts.empty())).text
    assert " from " not in empty_before


def test_non_english_replies_are_counted_not_scored() -> None:
    text = compose_summary(poll_input(current=counts(10, 10, 10, unscored=1_234))).text
    assert text.endswith(
        "; 1,264 replies in the last 24 h — 30 in English: 34% positive, 33% neutral, "
        "33% negative, mean 0.00"
    )
    only = compose_summary(poll_input(current=counts(0, 0, 0, unscored=310))).text
    assert only.endswith("; 310 replies in the last 24 h, none in English (not scored)")
    acct = compose_summary(account_input(current=counts(0, 0, 0, unscored=1))).text
    assert acct == "Replies to elonmusk in the last 24 h: 1, none in English (not scored)"


def test_singular_words() -> None:
    data = poll_input(poll=PollCounts(("Yes", "No"), (1, 0)), current=counts(1, 0, 0, mean=0.5))
    text = compose_summary(data).text
    assert "Yes 100.0% / No 0.0% of 1 vote;" in text
    assert "1 reply in the last 24 h — 100% positive" in text
    alone = compose_summary(poll_input(current=counts(1, 0, 0), speakers=Speakers(1))).text
    assert "1 reply in the last 24 h from 1 account — 100% positive" in alone


@pytest.mark.parametrize(
    ("start", "end", "tz", "phrase", "previous"),
    [
        # "today" is compared with the 15 h before it, not with all of yesterday
        ("2022-11-20T00:00Z", "2022-11-20T15:00Z", "UTC", "today", "the previous 15 h"),
        ("2022-11-20T00:00Z", "2022-11-20T00:30Z", "UTC", "today", "the previous 30 min"),
        ("2022-11-19T00:00Z", "2022-11-20T00:00Z", "UTC", "on Sat 19 Nov", "the day before"),
        ("2022-11-19T09:00Z", "2022-11-20T09:00Z", "UTC", "in the last 24 h", "the previous 24 h"),
        ("2022-11-20T09:00Z", "2022-11-20T15:00Z", "UTC", "since 09:00 UTC", "the previous 6 h"),
        ("2022-11-20T09:00Z", "2022-11-20T15:00Z", "Europe/Berlin", "since 10:00 CET",
         "the previous 6 h"),
        ("2022-11-13T09:00Z", "2022-11-20T09:00Z", "UTC", "in the last 7 days",
         "the previous 7 days"),
        ("2022-11-19T21:00Z", "2022-11-20T03:00Z", "UTC", "in the last 6 h", "the previous 6 h"),
        # A daily window across the end of summer time is 25 h long: still a day.
        ("2022-10-29T07:00Z", "2022-10-30T08:00Z", "Europe/Berlin", "in the last 24 h",
         "the previous 24 h"),
        ("2022-11-19T21:00:30Z", "2022-11-20T03:00Z", "UTC", "since Sat 19 Nov 21:00 UTC",
         "the previous window"),
    ],
)  # fmt: skip
def test_window_words(start: str, end: str, tz: str, phrase: str, previous: str) -> None:
    words = describe_window(datetime.fromisoformat(start), datetime.fromisoformat(end), tz)
    assert (words.phrase, words.previous) == (phrase, previous)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="must equal scored"):
        SentimentCounts(scored=5, positive=1, neutral=1, negative=1, unscored=0, compound_sum=0)
    with pytest.raises(ValueError, match="as many"):
        PollCounts(("Yes", "No"), (1,))
    with pytest.raises(ValueError, match="end after"):
        poll_input(window_end=T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        poll_input(window_start=T0.replace(tzinfo=None))


# --- subject names -------------------------------------------------------------------


def test_long_subject_is_cut_not_threaded() -> None:
    name = " ".join(["Reinstate"] * 100)  # 999 characters
    summary = compose_summary(poll_input(subject_name=name))
    assert len(summary.parts) == 1
    quoted = re.match(r"Poll '([^']*)'", summary.parts[0])
    assert quoted is not None
    assert quoted.group(1).endswith("Reinstate…")  # cut after a whole word
    assert weighted_length(quoted.group(1)) <= 80


def test_cjk_subject_is_cut_by_weight() -> None:
    name = "前大統領の復帰を認めるべきか" * 40
    summary = compose_summary(poll_input(subject_name=name))
    assert_postable(summary.parts)
    quoted = re.match(r"Poll '([^']*)'", summary.parts[0])
    assert quoted is not None and quoted.group(1).endswith("…")
    assert 70 <= weighted_length(quoted.group(1)) <= 80  # CJK weighs 2: ~39 characters


def test_control_characters_in_names_are_neutralised() -> None:
    name = "Line one\nline two\r\n\tand\x00 a \u202eflipped\u202c \ufeffname"
    text = compose_summary(poll_input(subject_name=name)).text
    assert text.startswith("Poll 'Line one line two and a flipped name': ")
    label = compose_summary(poll_input(poll=PollCounts(("Y\nes", "\x07"), (1, 1)))).text
    assert "Y es 50.0% / Option 2 50.0% of 2 votes" in label


def test_urls_and_mentions_in_names_are_counted_as_x_counts_them() -> None:
    name = "Is https://example.com/" + "a" * 300 + " better than x.com?"
    summary = compose_summary(poll_input(subject_name=name))
    assert_postable(summary.parts)


# --- every part fits, whatever the input ---------------------------------------------

_cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=600)
_emoji = st.lists(st.sampled_from(["🚀", "🇺🇸", FAMILY, "👍🏽", "❤️", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"]), max_size=200).map(
    "".join
)
_usernames = st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True)
_names = st.one_of(
    st.text(max_size=1200),
    _cjk,
    _emoji,
    st.just("x.com " * 60),
    st.text(alphabet="ab \n\t\x00\u202e.", max_size=400),
    # Names that would notify someone or link somewhere if they went out as they are.
    st.builds(
        "{}{} {} https://{}.com/x".format,
        st.sampled_from(["@", "＠", ".@", ""]),
        _usernames,
        st.text(max_size=40),
        _usernames,
    ),
)
_big = st.integers(0, 10**13)
_when = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC))


@st.composite
def _sentiment(draw: st.DrawFn) -> SentimentCounts:
    pos, neu, neg, unscored = draw(_big), draw(_big), draw(_big), draw(_big)
    mean = draw(st.floats(-1, 1))
    return SentimentCounts(pos + neu + neg, pos, neu, neg, unscored, mean * (pos + neu + neg))


@st.composite
def _poll(draw: st.DrawFn, labels: tuple[str, ...]) -> PollCounts:
    votes = tuple(draw(_big) for _ in labels)
    return PollCounts(labels, votes, closed=draw(st.booleans()), taken_at=draw(st.none() | _when))


@st.composite
def _inputs(draw: st.DrawFn) -> SummaryInput:
    kind = draw(st.sampled_from(["account", "poll"]))
    labels = tuple(draw(st.lists(st.one_of(st.text(max_size=60), _cjk), max_size=6)))
    start = draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)))
    length = draw(
        st.one_of(
            st.sampled_from([DAY, 7 * DAY, timedelta(hours=6)]),
            st.timedeltas(timedelta(seconds=1), timedelta(days=40)),
        )
    )
    poll = draw(st.one_of(st.none(), _poll(labels))) if kind == "poll" else None
    until = draw(st.none() | st.floats(0, 0.999)) if length > timedelta(seconds=1) else None
    who = st.builds(Speakers, _big, _big, st.none() | st.floats(-1, 1), _big)
    return SummaryInput(
        subject_kind=kind,
        subject_name=draw(_names),
        window_start=start,
        window_end=start + length,
        current=draw(_sentiment() | st.just(SentimentCounts.empty())),
        previous=draw(st.none() | _sentiment() | st.just(SentimentCounts.empty())),
        poll=poll,
        poll_previous=draw(st.none() | _poll(labels)) if poll else None,
        final=draw(st.booleans()),
        tz=draw(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns"])),
        speakers=draw(st.none() | who),
        counted_until=None if until is None else start + length * until,
        stuck=draw(st.sampled_from(["", "collection paused at the monthly read cap"])),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs())
def test_every_part_fits_one_post(data: SummaryInput) -> None:
    summary = compose_summary(data)
    assert_postable(summary.parts)
    assert not any("\n" in part or "\x00" in part for part in summary.parts)
    # A long name is cut, not spread: even the worst input stays a short thread.
    assert len(summary.parts) <= 3


_MENTION = re.compile(r"[@＠]\w")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs())
def test_no_summary_mentions_anyone_or_links_anywhere(data: SummaryInput) -> None:
    for part in compose_summary(data).parts:
        assert not _MENTION.search(part), part
        assert extract_urls(part) == [], part


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12),
    st.lists(st.integers(0, 10**12), min_size=2, max_size=4),
)  # fmt: skip
def test_displayed_shares_add_up_to_100(pos: int, neu: int, neg: int, votes: list[int]) -> None:
    labels = tuple("ABCD"[: len(votes)])
    data = poll_input(current=counts(pos, neu, neg), poll=PollCounts(labels, tuple(votes)))
    text = " ".join(unnumbered(compose_summary(data).parts))
    if pos + neu + neg:
        found = re.search(r"(\d+)% positive, (\d+)% neutral, (\d+)% negative", text)
        assert found is not None, text
        assert sum(int(g) for g in found.groups()) == 100
    if sum(votes):
        options = re.findall(r"(?:^|/ |: )([A-D]) (\d+\.\d)%", text)
        assert [o[0] for o in options] == list(labels), text
        assert sum(Decimal(o[1]) for o in options) == 100


# --- threads and replies -------------------------------------------------------------


def test_a_thread_keeps_order_and_is_numbered() -> None:
    sentences = [f"Sentence number {i} says something about the poll results." for i in range(20)]
    text = " ".join(sentences)
    parts = split_thread(text)
    assert len(parts) > 1
    assert_postable(parts)
    assert " ".join(unnumbered(parts)) == text
    for part in unnumbered(parts):
        assert part.endswith("results.")  # cut between sentences, not inside one


def test_final_summary_thread_puts_the_result_first_and_the_replies_next() -> None:
    data = poll_input(
        poll=PollCounts(("Yes", "No"), (7_814_551, 7_270_907), closed=True),
        poll_previous=PollCounts(("Yes", "No"), (4_100_000, 3_900_000)),
        final=True,
        current=counts(3869, 2745, 5866, unscored=310, mean=-0.05),
        previous=counts(1210, 900, 1105, mean=0.10),
        speakers=Speakers(9120, 1500, -0.04, 1204),
    )
    parts = compose_summary(data).parts
    assert_postable(parts)
    # Balanced at the clause boundary, not a full first post and a scrap of a second.
    assert parts == (
        "Poll 'Reinstate former President Trump' closed. Final result: Yes 51.8% / No 48.2% "
        "of 15.1M votes (Yes +0.5 pts, +7.1M votes) (1/2)",
        "12,790 replies in the last 24 h from 9,120 accounts — 12,480 in English: 31% positive, "
        "22% neutral, 47% negative, mean -0.05, down 0.15 from the previous 24 h, now negative; "
        "1,204 copies of earlier replies (2/2)",
    )


def test_a_parenthesis_is_kept_whole() -> None:
    text = "x" * 200 + " totals (one, two, three, four, five, six, seven, eight, nine) end"
    parts = unnumbered(split_thread(text, limit=240))
    assert parts[1].startswith("(one, two") and parts[1].endswith("nine) end")


def test_short_text_is_one_unnumbered_part() -> None:
    assert split_thread("  hello\n") == ("hello",)
    assert split_thread("") == ()
    assert split_thread("x" * 280) == ("x" * 280,)


def test_clause_boundaries_beat_word_boundaries() -> None:
    text = "; ".join(["alpha beta gamma delta epsilon zeta eta theta"] * 12)
    for part in unnumbered(split_thread(text)):
        assert part.endswith("theta")  # never "... delta" mid-clause
        assert not part.endswith(";")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Z", "C")), min_size=1, max_size=40),
        min_size=1,
        max_size=150,
    ),
    st.sampled_from([280, 100]),
)
def test_split_thread_never_breaks_a_word_that_fits(words: list[str], limit: int) -> None:
    # No word here weighs more than ~80, so none ever needs splitting.
    words = [unicodedata.normalize("NFC", w) for w in words]
    parts = split_thread(" ".join(words), limit=limit)
    assert_postable(parts, limit)
    got = " ".join(unnumbered(parts)).split(" ")
    assert len(got) == len(words)
    for mine, theirs in zip(got, words, strict=True):
        # Whole and in order; a part may drop the ";" or "," it would otherwise end on.
        assert mine == theirs or (mine == theirs[:-1] and theirs[-1] in ";,")


def test_a_word_longer_than_a_post_is_split_by_weight() -> None:
    parts = split_thread("a" * 700)
    assert_postable(parts)
    assert "".join(unnumbered(parts)) == "a" * 700
    cjk = split_thread("中" * 400)
    assert_postable(cjk)
    assert "".join(unnumbered(cjk)) == "中" * 400


def test_emoji_are_never_cut_in_half() -> None:
    parts = split_thread(FAMILY * 300)
    assert_postable(parts)
    for part in unnumbered(parts):
        assert part.replace(FAMILY, "") == ""


def test_many_parts_number_with_two_digits() -> None:
    parts = split_thread(" ".join(["word"] * 700), limit=100)
    assert len(parts) >= 10
    assert_postable(parts, 100)
    n = len(parts)
    assert parts[0].endswith(f" (1/{n})") and parts[-1].endswith(f" ({n}/{n})")


def test_compose_reply_cuts_to_one_post() -> None:
    assert compose_reply("done: 3 new replies") == "done: 3 new replies"
    long = " ".join(["collected"] * 60)
    reply = compose_reply(long)
    assert fits(reply) and reply.endswith("collected…")
    lines = compose_reply("status\nok\n\n\n\nbye")
    assert lines == "status\nok\n\nbye"  # lines kept, blank runs shortened


def test_weighted_length_follows_twitter_text() -> None:
    assert weighted_length("hello") == 5
    assert weighted_length("中文") == 4
    assert weighted_length(FAMILY) == 2
    assert weighted_length("see https://example.com/" + "a" * 200) == 4 + 23
    assert fits("x" * 280) and not fits("x" * 281) and not fits("中" * 141)
    assert not fits("") and not fits("ok\ufffe")
    assert fits("x" * 400, limit=500)


def test_a_poll_not_looked_up_yet_is_named_by_its_id_not_quoted_as_its_text() -> None:
    data = poll_input(subject_name="", subject_key="1593767953706921985", poll=None)
    assert compose_summary(data).parts[0].startswith("Poll 1593767953706921985: no vote count yet")

from __future__ import annotations

import random
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from jobs import sentiment, vader
from jobs.sentiment import (
    MAX_WORDS,
    Score,
    is_scorable,
    label_for,
    prepare,
    score_batch,
    score_posts,
    score_text,
    tally,
)
from tests.support.paths import SHARED_DATA

RAW = SentimentIntensityAnalyzer()

# Short, already clean texts: VADER's own examples and reply-like lines.
CLEAN_TEXTS = [
    "VADER is smart, handsome, and funny.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been this good!",
    "Free speech is back 🎉🎉",
    "This is the worst decision ever. Terrible.",
    "no way",
    "",
]

POSITIVE_SENTENCES = [
    "I love this plan, it is wonderful.",
    "Great news for everyone!",
    "This is a really good decision and I am happy.",
    "What a beautiful day, thank you.",
    "Brilliant work, well done.",
]
NEGATIVE_SENTENCES = [
    "This is a terrible idea.",
    "I hate how awful this is.",
    "Sad and angry about it.",
]
NEUTRAL_SENTENCES = ["The meeting is on Tuesday.", "He posted it at noon.", "We read the thread."]


def raw_score(text: str) -> dict[str, float]:
    return RAW.polarity_scores(text)


def as_dict(score: Score) -> dict[str, float]:
    return {"compound": score.compound, "pos": score.pos, "neu": score.neu, "neg": score.neg}


def essay(chars: int, *, seed: int, weights: tuple[int, int, int] = (3, 1, 2)) -> str:
    """Sentences drawn with a fixed seed until the text has ``chars`` characters."""
    rng = random.Random(seed)
    pools = [POSITIVE_SENTENCES, NEGATIVE_SENTENCES, NEUTRAL_SENTENCES]
    parts: list[str] = []
    size = 0
    while size < chars:
        pool = rng.choices(pools, weights=weights)[0]
        parts.append(rng.choice(pool))
        size += len(parts[-1]) + 1
    return " ".join(parts)[:chars]


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compound", "label"),
    [
        (0.05, "positive"),
        (0.0501, "positive"),
        (0.0499, "neutral"),
        (0.0, "neutral"),
        (-0.0499, "neutral"),
        (-0.05, "negative"),
        (-0.0501, "negative"),
        (1.0, "positive"),
        (-1.0, "negative"),
    ],
)
def test_label_thresholds_are_inclusive(compound: float, label: str) -> None:
    assert label_for(compound) == label


def test_scores_carry_their_label() -> None:
    assert score_text("I love it, wonderful!").label == "positive"
    assert score_text("This is awful and I hate it.").label == "negative"
    assert score_text("The meeting is on Tuesday.").label == "neutral"


# --- cleaning --------------------------------------------------------------------------------


def test_heart_with_variation_selector_scores_positive() -> None:
    # vaderSentiment issue #99: the selector sticks to "heart" and hides it from the lexicon.
    assert raw_score("I ❤️ this")["compound"] == 0.0
    score = score_text("I ❤️ this")
    assert score.label == "positive"
    assert score == score_text("I ❤ this")
    assert prepare("I ❤️ this") == "I ❤ this"
    assert prepare("ok ☺︎") == "ok ☺"  # U+FE0E, the text-style selector, goes too


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@a @b_c hello", "hello"),
        ("@elonmusk Yes! Free speech is back", "Yes! Free speech is back"),
        ("  @a\n@B_2   hi there", "hi there"),
        ("@a @b", ""),
        ("hi @a there", "hi @a there"),  # a mention in the middle is left, a neutral word
        ("@elonmusk's plan is great", "@elonmusk's plan is great"),  # not a mention run
        ("@a, @b you too", "@a, @b you too"),
    ],
)
def test_leading_mention_run_is_stripped(text: str, expected: str) -> None:
    assert prepare(text) == expected


def test_stripping_mentions_changes_only_the_neutral_share() -> None:
    assert as_dict(score_text("@a @b @c great")) == raw_score("great")
    assert raw_score("@a @b @c great")["neu"] > 0  # raw VADER counts the mentions as words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("great news https://t.co/AbC123xyz", "great news"),
        ("see http://example.com/a?b=1&c=2 now", "see now"),
        ("link:https://t.co/x.", "link:"),
        ("bare t.co/abc link", "bare link"),
        ("HTTP is a protocol", "HTTP is a protocol"),
        # URLs go first, so that a mention run they hid is a leading run for the first call
        # already (prepare is idempotent)
        ("https://t.co/x @a hi", "hi"),
    ],
)
def test_urls_are_stripped(text: str, expected: str) -> None:
    assert prepare(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("I &lt;3 this", "I <3 this"),
        ("5 &gt; 3", "5 > 3"),
        ("&quot;fine&quot; &#128525;", '"fine" 😍'),
        ("a user typed &amp;lt;3", "a user typed <3"),  # decoded to a fixed point
        ("AT&T", "AT&T"),
        ("I ❤&#xFE0F; this", "I ❤ this"),  # a selector sent as an entity
        ("&&#xfe0f;lt;3", "<3"),  # ...inside another entity
    ],
)
def test_html_entities_are_decoded(text: str, expected: str) -> None:
    assert prepare(text) == expected


def test_decoded_heart_emoticon_scores() -> None:
    assert raw_score("I &lt;3 you")["compound"] == 0.0
    assert score_text("I &lt;3 you").label == "positive"


def test_whitespace_is_normalised() -> None:
    assert prepare("  so\tmuch \n\n space  ") == "so much space"


def test_everything_at_once() -> None:
    text = "@a @b I ❤️ it &amp; you\n https://t.co/x"
    assert prepare(text) == "I ❤ it & you"
    assert score_text(text).label == "positive"


# --- equality with raw VADER on short clean texts ---------------------------------------------


@pytest.mark.parametrize("text", CLEAN_TEXTS)
def test_short_clean_texts_score_exactly_as_vader(text: str) -> None:
    assert prepare(text) == text
    assert as_dict(score_text(text)) == raw_score(text)


def test_batch_matches_one_by_one() -> None:
    texts = [*CLEAN_TEXTS, "@a I ❤️ this", "&lt;3"]
    assert score_batch(texts) == [score_text(t) for t in texts]


# --- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "EN", "en-GB", None, ""])
def test_english_or_unknown_is_scorable(lang: str | None) -> None:
    assert is_scorable(lang)


@pytest.mark.parametrize("lang", ["und", "qme", "qht", "qam", "zxx", "fr", "es", "ja", "de"])
def test_other_languages_and_x_codes_are_not_scorable(lang: str) -> None:
    assert not is_scorable(lang)


def test_non_english_replies_are_unscored_and_counted_apart() -> None:
    items: list[tuple[str, str | None]] = [
        ("@elonmusk I love it, great!", "en"),
        ("@elonmusk C'est terrible, je déteste ça", "fr"),
        ("@elonmusk This is awful", "en"),
        ("@elonmusk The vote is on Tuesday", None),
        ("https://t.co/abc", "zxx"),
        ("@elonmusk 😍", "qme"),
        ("no tengo nada", "es"),
    ]
    scores = score_posts(items)
    assert [s is None for s in scores] == [False, True, False, False, True, True, True]
    assert [s.label for s in scores if s is not None] == ["positive", "negative", "neutral"]
    counted = tally(scores)
    assert (counted.positive, counted.neutral, counted.negative) == (1, 1, 1)
    assert counted.unscored == 4
    assert counted.scored == 3
    english = [s for s in scores if s is not None]
    assert counted.mean_compound == pytest.approx(sum(s.compound for s in english) / 3)


def test_tally_of_nothing_has_no_mean() -> None:
    assert tally([None, None]).mean_compound is None
    assert tally([]).scored == 0


# --- long texts ------------------------------------------------------------------------------


def test_a_25000_character_post_scores_and_stays_positive() -> None:
    post = essay(25_000, seed=1)
    assert len(post) == 25_000
    score = score_text(post)
    assert score.label == "positive"
    assert score.pos > score.neg > 0
    assert score.pos + score.neu + score.neg == pytest.approx(1.0, abs=0.01)


def test_a_25000_character_negative_post_stays_negative() -> None:
    score = score_text(essay(25_000, seed=2, weights=(1, 4, 2)))
    assert score.label == "negative"
    assert score.neg > score.pos > 0


def test_4000_emoji_score_with_their_sign() -> None:
    loved = score_text("😍" * 4_000)
    hated = score_text("😠" * 4_000)
    assert loved.label == "positive" and loved.compound > 0.9
    assert hated.label == "negative" and hated.compound < -0.9
    assert score_text("😍 " * 4_000) == loved


def test_chunked_scoring_tracks_vader_on_the_whole_text() -> None:
    # No "but" in these sentences: its reach is the one deliberate difference (next test).
    text = essay(3_000, seed=3)
    whole = raw_score(text)
    chunked = score_text(text, max_words=40)
    assert len(text.split()) > 40 * 10
    assert chunked.label == label_for(whole["compound"])
    assert chunked.compound == pytest.approx(whole["compound"], abs=0.01)
    for share in ("pos", "neu", "neg"):
        assert getattr(chunked, share) == pytest.approx(whole[share], abs=0.02)


def test_but_acts_within_its_chunk() -> None:
    # Whole-text VADER halves every valence before the first "but" and raises every one after
    # it, however far: one "but" in the opening reweights a whole essay. Chunked, it reaches
    # the sentences of its own chunk only.
    rest = " ".join(["Great fun.", "Awful day.", "We met at noon."] * 40)
    with_but = "It was good, but the ending was bad. " + rest
    without = "It was good and the ending was bad. " + rest
    assert raw_score(with_but)["neu"] < raw_score(without)["neu"] - 0.05
    chunked, plain = score_text(with_but, max_words=30), score_text(without, max_words=30)
    for share in ("pos", "neu", "neg"):
        assert getattr(chunked, share) == pytest.approx(getattr(plain, share), abs=0.01)


def test_texts_within_the_bound_go_to_vader_whole() -> None:
    # A text of exactly MAX_WORDS words containing "but": chunking would change its score.
    words = ["good"] * (MAX_WORDS // 2 - 1) + ["but"] + ["bad"] * (MAX_WORDS - MAX_WORDS // 2)
    text = " ".join(words)
    assert len(text.split()) == MAX_WORDS
    assert as_dict(score_text(text)) == raw_score(text)


def test_a_bound_below_one_word_is_refused() -> None:
    with pytest.raises(ValueError, match="max_words"):
        score_text("fine", max_words=0)


# --- the analyzer is made once ---------------------------------------------------------------


def test_one_analyzer_per_process_even_when_threads_race(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[object] = []
    real = vader.Engine

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            made.append(self)
            super().__init__()

    monkeypatch.setattr(vader, "_engine", None)
    monkeypatch.setattr(vader, "Engine", Counting)
    barrier = threading.Barrier(8)
    results: list[Score] = []

    def worker() -> None:
        barrier.wait()
        results.append(score_text("I love it"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1
    assert len(results) == 8 and len(set(results)) == 1


# --- properties ------------------------------------------------------------------------------

# Words VADER weighs, with none of the markers prepare acts on.
WORDS = [
    "good", "bad", "not", "but", "very", "LOVE", "kind", "of", "no", "HATE", "😍", "❤", "☺", "😠",
    ":)", "!", "?", ".",
]  # fmt: skip
# What prepare acts on, in pieces that can combine into entities, URLs and mention runs.
MARKUP = [
    "@a ", "@b_c ", "@", "&amp;", "&lt;", "&gt;", "&", "amp;", "lt;", "#64;", "&#", "#xfe0f;",
    "\ufe0f", "\ufe0e", "http://x.co/a", "https://t.co/", "t.co/", "http", " ", "\n", "\t",
]  # fmt: skip
tricky_text = st.lists(st.sampled_from(MARKUP + WORDS), max_size=40).map("".join)
any_text = st.one_of(st.text(), tricky_text)
clean_text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=60).map(" ".join)
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(any_text)
def test_prepare_is_idempotent(text: str) -> None:
    once = prepare(text)
    assert prepare(once) == once


@PROPERTY_SETTINGS
@given(any_text)
def test_scores_are_bounded_and_consistently_labelled(text: str) -> None:
    score = score_text(text)
    assert -1.0 <= score.compound <= 1.0
    assert all(0.0 <= share <= 1.0 for share in (score.pos, score.neu, score.neg))
    assert score.label == label_for(score.compound)


@PROPERTY_SETTINGS
@given(clean_text)
def test_unbounded_path_equals_vader_within_one_chunk(text: str) -> None:
    # The chunked path on a text that fits one chunk must be VADER itself, rule for rule.
    engine = vader.get_engine()
    assert sentiment._score_long(engine, text, MAX_WORDS) == raw_score(text)


# The words VADER's rules look at around a lexicon word: negations, "never so", "without
# doubt", "least", boosters, bigram boosters ("kind of"), idioms, "but", capitals.
RULE_WORDS = [
    *WORDS,
    "never", "so", "this", "without", "doubt", "least", "at", "very", "isn't", "NOT", "nor",
    "or", "kinda", "sort", "the", "bomb", "shit", "yeah", "right", "kiss", "death", "to",
    "die", "for", "cut", "mustard", "bus", "stop", "Great", "GREAT", "extremely", "barely",
    "don't", "Never", "BUT", "😁", "💘", "hardly", "happy", "sad",
]  # fmt: skip
rule_text = st.lists(st.sampled_from(RULE_WORDS), min_size=1, max_size=80).map(" ".join)
# The same glued together, with emoji touching words and each other, and stray spaces: where
# VADER decides whether a description needs a space before it.
glued_text = st.lists(
    st.sampled_from([*RULE_WORDS, " ", "  ", "\u00e9", "\U0001f600\U0001f600"]), max_size=60
).map("".join)


def groundtruth_texts() -> list[str]:
    folder = SHARED_DATA / "vader-groundtruth"
    texts = []
    for path in sorted(folder.glob("*_GroundTruth.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t", 2)
            if len(parts) == 3:
                texts.append(parts[2])
    return texts


def test_our_analyzer_scores_the_vader_paper_data_sets_exactly_as_vader() -> None:
    """Our analyzer skips work VADER repeats (see ``_Analyzer``); on all 23,699 human-rated
    texts of the VADER paper, raw (not cleaned), every score must be VADER's, to the bit."""
    texts = groundtruth_texts()
    assert len(texts) > 23_000
    engine = vader.get_engine()
    differ = [t for t in texts if vader.polarity_scores(engine, t) != raw_score(t)]
    assert differ == []


@PROPERTY_SETTINGS
@given(st.one_of(rule_text, glued_text, st.text(max_size=200)))
def test_our_analyzer_scores_generated_texts_exactly_as_vader(text: str) -> None:
    assert vader.polarity_scores(vader.get_engine(), text) == raw_score(text)


@PROPERTY_SETTINGS
@given(clean_text)
def test_clean_texts_score_as_vader(text: str) -> None:
    assert as_dict(score_text(text)) == raw_score(" ".join(text.split()))

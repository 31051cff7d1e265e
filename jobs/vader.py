"""The VADER engine: vaderSentiment 3.3.2 (pinned in pyproject.toml), rule for rule, faster.

``Analyzer`` overrides two of VADER's checks so they lower-case only the words they read,
``Engine.demojize`` replaces emoji exactly as VADER does, in one pass, and
``chunk_sentiments`` gives the words VADER does not know their valence 0 without asking
VADER's rules. None of them changes a score. The equality tests, ``test_our_analyzer_scores_the_vader_paper_data_sets_exactly_as_vader``
and ``test_our_analyzer_scores_generated_texts_exactly_as_vader`` in ``tests/test_sentiment.py``,
hold ``polarity_scores`` equal to ``SentimentIntensityAnalyzer().polarity_scores`` on the
VADER paper's human-rated texts and on generated ones. A new
vaderSentiment release means re-running those tests before moving the pin.
"""

from __future__ import annotations

import re
import string
import threading
from collections.abc import Iterable
from typing import Any

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    allcap_differential,
)

VADER_VERSION = "3.3.2"


_NEGATE = frozenset(NEGATE)


def negated(word: str) -> bool:
    """vaderSentiment's ``negated([word])``: one word, a set lookup where it scans a list it
    rebuilds at every call."""
    word = word.lower()
    return word in _NEGATE or "n't" in word


class Analyzer(SentimentIntensityAnalyzer):
    """vaderSentiment 3.3.2, rule for rule, without its most expensive habit.

    For every lexicon word, ``_negation_check`` (up to three times) and
    ``_special_idioms_check`` lower-case *every* word of the text into a new list, then read
    at most six of them: about a third of VADER's time on a tweet, and the quadratic cost of
    long texts. These two do the same checks on the same words, lower-casing only the words
    they read. Indices are those of VADER's callers, which call them only with ``i`` past
    the words they look back at. A test holds the scores equal to VADER's on the four
    human-rated data sets of the VADER paper and on generated texts.
    """

    @staticmethod
    def _negation_check(valence: float, words: list[str], start_i: int, i: int) -> float:
        if start_i == 0:
            if negated(words[i - 1].lower()):
                valence = valence * N_SCALAR
        elif start_i == 1:
            two, one = words[i - 2].lower(), words[i - 1].lower()
            if two == "never" and (one == "so" or one == "this"):
                valence = valence * 1.25
            elif two == "without" and one == "doubt":
                pass
            elif negated(two):
                valence = valence * N_SCALAR
        elif start_i == 2:
            three, two, one = words[i - 3].lower(), words[i - 2].lower(), words[i - 1].lower()
            # VADER's own precedence: (never and (so or this)) or (so or this), on i-1
            if (three == "never" and (two == "so" or two == "this")) or (
                one == "so" or one == "this"
            ):
                valence = valence * 1.25
            elif three == "without" and (two == "doubt" or one == "doubt"):
                pass
            elif negated(three):
                valence = valence * N_SCALAR
        return valence

    @staticmethod
    def _special_idioms_check(valence: float, words: list[str], i: int) -> float:
        w3, w2, w1, w0 = (w.lower() for w in words[i - 3 : i + 1])
        one_zero = f"{w1} {w0}"
        two_one_zero = f"{w2} {w1} {w0}"
        two_one = f"{w2} {w1}"
        three_two_one = f"{w3} {w2} {w1}"
        three_two = f"{w3} {w2}"
        for seq in (one_zero, two_one_zero, two_one, three_two_one, three_two):
            if seq in SPECIAL_CASES:
                valence = SPECIAL_CASES[seq]
                break
        n = len(words)
        if n - 1 > i:
            after = words[i + 1].lower()
            zero_one = f"{w0} {after}"
            if zero_one in SPECIAL_CASES:
                valence = SPECIAL_CASES[zero_one]
            if n - 1 > i + 1:
                zero_one_two = f"{w0} {after} {words[i + 2].lower()}"
                if zero_one_two in SPECIAL_CASES:
                    valence = SPECIAL_CASES[zero_one_two]
        for n_gram in (three_two_one, three_two, two_one):
            if n_gram in BOOSTER_DICT:
                valence = valence + BOOSTER_DICT[n_gram]
        return valence


class Engine:
    """The analyzer and what is derived once from its emoji lexicon."""

    def __init__(self) -> None:
        self.analyzer: Any = Analyzer()
        # VADER looks emoji up one character at a time, so only one-character keys ever match.
        single = {k: v for k, v in self.analyzer.emojis.items() if len(k) == 1}
        self.emoji_words = {k: len(v.split()) for k, v in single.items()}
        self.descriptions = single
        self.emoji = frozenset(single)
        self.emoji_re = re.compile(char_class(single))

    def word_bound(self, text: str) -> int:
        """An upper bound of the words VADER will see once it has replaced the emoji."""
        words = len(text.split())
        # Every emoji of the lexicon is outside ASCII; most other text has none of them.
        if not text.isascii() and not self.emoji.isdisjoint(text):
            emoji_words = self.emoji_words
            words += sum(emoji_words[c] * text.count(c) for c in self.emoji.intersection(text))
        return words

    def demojize(self, text: str) -> str:
        """Exactly VADER's own replacement of emoji by their descriptions, in linear time."""
        if text.isascii() or self.emoji.isdisjoint(text):
            return text.strip()  # what VADER's loop gives a text without emoji

        def describe(match: re.Match[str]) -> str:
            at = match.start()
            # VADER puts a space before a description unless the previous character was one.
            sep = " " if at > 0 and text[at - 1] != " " else ""
            return sep + self.descriptions[match.group()]

        return self.emoji_re.sub(describe, text).strip()


def char_class(chars: Iterable[str]) -> str:
    """A regex class of ``chars`` as ranges of consecutive code points. The regex engine tests
    a character outside the Basic Multilingual Plane against a class item by item, so the
    lexicon's one-character emoji, mostly consecutive, are far cheaper to scan as ranges."""
    points = sorted(ord(c) for c in chars)
    ranges: list[tuple[int, int]] = []
    for p in points:
        if ranges and p == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], p)
        else:
            ranges.append((p, p))
    items = (
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return "[" + "".join(items) + "]"


# Made on first use, not at import: commands that never score should not pay for loading
# the lexicons. Scoring only reads the analyzer, so threads share it freely.
_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    global _engine
    engine = _engine
    if engine is None:
        with _engine_lock:  # two threads asking first must not both load the lexicons
            engine = _engine
            if engine is None:
                engine = _engine = Engine()
    return engine


class Words:
    """What VADER's rules read of a text (its ``SentiText``): the text, its words, punctuation stripped
    from their ends unless that leaves two characters or fewer (emoticons), and whether some
    but not all of them are in capitals."""

    __slots__ = ("is_cap_diff", "text", "words_and_emoticons")

    def __init__(self, text: str) -> None:
        self.text = text
        punctuation = string.punctuation
        self.words_and_emoticons = [
            stripped if len(stripped := token.strip(punctuation)) > 2 else token
            for token in text.split()
        ]
        self.is_cap_diff: bool = allcap_differential(self.words_and_emoticons)


def chunk_sentiments(analyzer: Any, words: Words) -> list[float]:
    """The loop of SentimentIntensityAnalyzer.polarity_scores (3.3.2), up to the valences, of
    ``words``. A word outside the lexicon gets VADER's valence 0
    without the call that would find it so, and the "but" rule runs only when the text has
    the letters "but" somewhere: the same valences for most of the cost."""
    tokens = words.words_and_emoticons
    lexicon = analyzer.lexicon
    sentiment_valence = analyzer.sentiment_valence
    sentiments: list[float] = []
    last = len(tokens) - 1
    for i, item in enumerate(tokens):
        lowered = item.lower()
        if (
            lowered not in lexicon  # VADER's valence of a word it does not know
            or lowered in BOOSTER_DICT
            or (i < last and lowered == "kind" and tokens[i + 1].lower() == "of")
        ):
            sentiments.append(0)
        else:
            sentiments = sentiment_valence(0, words, item, i, sentiments)
    if "but" in words.text.lower():
        sentiments = analyzer._but_check(tokens, sentiments)
    return sentiments


def polarity_scores(engine: Engine, text: str) -> dict[str, float]:
    """``polarity_scores(text)``, with VADER's character-by-character emoji replacement done
    by ``demojize`` (the same text, in one regex pass, or none for text without emoji)."""
    demojized = engine.demojize(text)
    scores: dict[str, float] = engine.analyzer.score_valence(
        chunk_sentiments(engine.analyzer, Words(demojized)), demojized
    )
    return scores

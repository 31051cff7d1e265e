"""Sentiment scoring of replies with VADER (the engine: ``jobs.vader``).

One analyzer per process, made on first use. Texts are cleaned by
``prepare`` (what X adds around a reply that is not the author's words) and scored; texts
that are not English are not scored at all (``None``), because VADER reads English only
and a score of 0.0 would pass them off as neutral.

Long texts are bounded: vaderSentiment's cost grows with the square of the word count
(see ``_score_long``), so a text of more than ``MAX_WORDS`` words is scored in chunks of
whole sentences. Shorter texts, nearly every reply, go through VADER unchanged and score
exactly as ``SentimentIntensityAnalyzer().polarity_scores(prepare(text))``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from jobs.vader import Engine, Words, chunk_sentiments, get_engine, polarity_scores

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05

# Words handed to one VADER call. vaderSentiment's cost grows with the square of the words
# (``bench/sentiment.py`` measures it); 250 words is past 1,000 characters of ordinary
# English, so replies of any usual length are scored in one call, exactly as VADER does.
MAX_WORDS = 250


@dataclass(frozen=True, slots=True)
class Score:
    compound: float
    pos: float
    neu: float
    neg: float
    label: str

    def __reduce__(self) -> tuple[type[Score], tuple[float, float, float, float, str]]:
        # Scores cross from the scoring process by pickle: rebuilt from a plain tuple, not
        # by the frozen dataclass's field-by-field __setstate__ (a fifth of the unpickling).
        return (Score, (self.compound, self.pos, self.neu, self.neg, self.label))


@dataclass(frozen=True, slots=True)
class Tally:
    """Labels counted over a batch; texts not scored (not English) are counted apart."""

    positive: int = 0
    neutral: int = 0
    negative: int = 0
    unscored: int = 0
    compound_sum: float = 0.0

    @property
    def scored(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def mean_compound(self) -> float | None:
        return self.compound_sum / self.scored if self.scored else None


def label_for(compound: float) -> str:
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def is_scorable(lang: str | None) -> bool:
    """English, or a language nobody told us (``pollbot score`` with no ``lang``).

    X tags undetermined text ``und`` and text-less posts ``qme``/``qht``/``zxx``: those and
    every other language are stored unscored, never scored as neutral.
    """
    if not lang:  # None, or "" after a round trip through a CSV or a form
        return True
    lang = lang.strip().lower()
    return lang == "en" or lang.startswith("en-")


# --- cleaning --------------------------------------------------------------------------------

# Two patterns, not one alternation: a literal start lets the regex engine skip ahead, which
# matters on X's text, where every link is "https://t.co/...".
_URL_RE = re.compile(r"https?://\S*")
_BARE_TCO_RE = re.compile(r"\bt\.co/\S*")
# Only the run X prepends to a reply; a mention inside the text stays, as a neutral word.
_LEADING_MENTIONS_RE = re.compile(r"\A\s*(?:@[A-Za-z0-9_]+(?:\s+|\Z))+")


def _drop_selectors(text: str) -> str:
    # str.replace, not str.translate: translate looks up every character in a dict, which
    # would cost more than the rest of the cleaning.
    if "\ufe0f" in text:
        text = text.replace("\ufe0f", "")
    if "\ufe0e" in text:
        text = text.replace("\ufe0e", "")
    return text


def _decode_entities(text: str) -> str:
    # Decoded to a fixed point so that ``prepare`` is idempotent: a user typing "&lt;3" arrives
    # as "&amp;lt;3", and one decoding would leave an entity for the next call to decode.
    # Selectors go too, each round, in case one sits inside an entity ("&\ufe0flt;").
    # Every round that changes the text shortens it, so this ends, in time linear in the
    # nesting (``bench/sentiment.py`` times the worst case, a long nested "&amp;amp;...").
    text = _drop_selectors(text)
    while "&" in text:
        decoded = _drop_selectors(html.unescape(text))
        if decoded == text:
            break
        text = decoded
    return text


def prepare(text: str) -> str:
    """The words of a post as VADER should read them. Pure and idempotent.

    - HTML entities decoded: X sends ``&``, ``<``, ``>`` as ``&amp;``, ``&lt;``, ``&gt;``, and
      VADER knows ``<3`` but not ``&lt;3``.
    - Emoji variation selectors U+FE0F/U+FE0E dropped: VADER replaces ``❤`` with "red heart"
      but leaves the selector glued to it ("heart\\ufe0f"), which no lexicon entry matches, so
      ``I ❤️ this`` scores 0.0 raw (vaderSentiment issue #99).
    - URLs dropped (``http``, ``https``, bare ``t.co/``): no sentiment, only neutral words.
    - The leading run of ``@mentions`` that X puts before every reply dropped: it says whom
      the reply answers, not what it says; counting it as neutral words dilutes pos/neu/neg.
    - Whitespace collapsed to single spaces (VADER splits on whitespace anyway).
    """
    # Each step only when its marker is present: most replies need one step or none, and the
    # cleaning must stay cheap next to VADER itself.
    if "&" in text or "\ufe0f" in text or "\ufe0e" in text:
        text = _decode_entities(text)
    if "http" in text:
        text = _URL_RE.sub(" ", text)
    if "t.co/" in text:
        text = _BARE_TCO_RE.sub(" ", text)
    if "@" in text:
        text = _LEADING_MENTIONS_RE.sub("", text)
    return " ".join(text.split())


# --- scoring ---------------------------------------------------------------------------------

_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*\Z")


def _chunk_bounds(tokens: Sequence[str], max_words: int) -> Iterator[tuple[int, int]]:
    """Slices of at most ``max_words`` tokens, cut after a sentence end where one falls in
    the second half of the slice, else cut hard (4,000 emoji are one long "sentence")."""
    shortest = max(1, max_words // 2)
    start, n = 0, len(tokens)
    while start < n:
        end = start + max_words
        if end >= n:
            end = n
        else:
            for cut in range(end, start + shortest, -1):
                if _SENTENCE_END_RE.search(tokens[cut - 1]):
                    end = cut
                    break
        yield start, end
        start = end


def _score_long(engine: Engine, text: str, max_words: int) -> dict[str, float]:
    """VADER's scores for a text of any length, in time linear in its length.

    Where the quadratic cost lives: for every lexicon word, ``_negation_check`` (up to three
    times) and ``_special_idioms_check`` rebuild the lower-cased list of *all* the words,
    although they read only the three words either side; ``_but_check`` calls
    ``list.index`` once per word when the text holds a "but". Emoji make it worse, each
    becoming one to seven words, many of them lexicon words ("smiling face with
    heart-eyes"), so a post of a few thousand emoji takes VADER seconds (``bench/sentiment.py``).

    So the valences are computed chunk by chunk (whole sentences, at most ``max_words``
    words), each chunk costing O(max_words^2), and then combined the way VADER combines the
    words of one text: the per-word valences of all chunks are summed and normalised once
    (``score_valence``, with the ``!``/``?`` emphasis of the whole text), and pos/neu/neg
    are the shares of the whole text's summed valences. We sum rather than average chunk
    compounds because the sum is what VADER itself computes for the whole text: a text just
    over the bound then scores as it would just under it (an average would pull a long text
    towards 0 and make the score jump at the bound), and the only differences from unbounded
    VADER are local: no valence looks across a chunk edge for a negation or booster (edges
    fall between sentences where possible), and "but" (which halves what comes before it and
    raises what follows) acts within its chunk instead of across the whole text. The caps
    emphasis still depends on the whole text, as in VADER.
    """
    analyzer = engine.analyzer
    demojized = engine.demojize(text)
    tokens = demojized.split()
    is_cap_diff = Words(demojized).is_cap_diff  # of the whole text, as VADER's
    sentiments: list[float] = []
    for start, end in _chunk_bounds(tokens, max_words):
        words = Words(" ".join(tokens[start:end]))
        words.is_cap_diff = is_cap_diff
        sentiments.extend(chunk_sentiments(analyzer, words))
    scores: dict[str, float] = analyzer.score_valence(sentiments, demojized)
    return scores


def _score_prepared(engine: Engine, text: str, max_words: int) -> Score:
    if max_words < 1:
        raise ValueError(f"max_words must be at least 1, not {max_words}")
    # ASCII text of n characters has at most n/2 words and no emoji: the check is free for
    # nearly every reply.
    if (len(text) < 2 * max_words and text.isascii()) or engine.word_bound(text) <= max_words:
        scores = polarity_scores(engine, text)
    else:
        scores = _score_long(engine, text, max_words)
    compound = scores["compound"]
    return Score(
        compound=compound,
        pos=scores["pos"],
        neu=scores["neu"],
        neg=scores["neg"],
        label=label_for(compound),
    )


def score_text(text: str, *, max_words: int = MAX_WORDS) -> Score:
    """Scores one text, cleaned by ``prepare``. ``max_words`` bounds one VADER call."""
    return _score_prepared(get_engine(), prepare(text), max_words)


def score_batch(texts: Sequence[str], *, max_words: int = MAX_WORDS) -> list[Score]:
    engine = get_engine()
    return [_score_prepared(engine, prepare(text), max_words) for text in texts]


def score_posts(
    items: Sequence[tuple[str, str | None]], *, max_words: int = MAX_WORDS
) -> list[Score | None]:
    """Scores (text, lang) pairs; ``None`` for those not in English (see ``is_scorable``)."""
    engine = get_engine()
    return [
        _score_prepared(engine, prepare(text), max_words) if is_scorable(lang) else None
        for text, lang in items
    ]


def tally(scores: Iterable[Score | None]) -> Tally:
    positive = neutral = negative = unscored = 0
    compound_sum = 0.0
    for score in scores:
        if score is None:
            unscored += 1
            continue
        compound_sum += score.compound
        if score.label == "positive":
            positive += 1
        elif score.label == "negative":
            negative += 1
        else:
            neutral += 1
    return Tally(positive, neutral, negative, unscored, compound_sum)

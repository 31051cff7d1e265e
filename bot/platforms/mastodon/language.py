"""A status's language: the author's declaration, or a careful guess when there is none.

Mastodon's ``language`` is declared by the author's client (usually the UI language, or what
the author picked), not detected by the server; it is null for statuses from many apps, bots
and other server software. The jobs score only English (``jobs.sentiment.is_scorable``) and
store every other language counted but unscored; note that a ``lang`` of None counts as
"nobody said", which *is* scored. So:

- a declared language is kept as declared (lower-cased, ``en-GB`` -> ``en``): the author
  knows better than a guess, and X's ``lang`` is trusted the same way;
- a null language is guessed with py3langid (langid.py's model, shipped inside the package,
  loaded once on first use, about a second), from the text without its mentions, links and
  hashtags, and the guess is used only when that text has at least ``MIN_WORDS`` words and
  ``MIN_LETTERS`` letters and the model is at least ``MIN_CONFIDENCE`` sure;
- otherwise the status is ``und`` (X's code for "undetermined"): stored and counted, never
  scored, rather than a German or emoji-only reply scored as neutral English.

The cost: short English replies without a declared language ("lol", "Great poll") are not
scored. That is the same trade X makes (it tags them ``und`` or ``qme``), and the price of
never reading a non-English reply as neutral.
"""

from __future__ import annotations

import re
import threading
from typing import Any

UNDETERMINED = "und"
MIN_WORDS = 3
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.90

# What says nothing about the language: mentions, links, hashtags.
_NOISE = re.compile(r"(?:^|(?<=\s))[@#]\S+|\b[a-z][a-z0-9+.-]*://\S+", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more, any script

_lock = threading.Lock()
_identifier: Any = None


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def declared(value: object) -> str | None:
    """Mastodon's ``language`` as a code (``en``), or None when the author declared none."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().replace("_", "-").split("-")[0]


def guess(text: str) -> str:
    """The language of ``text`` when py3langid is confident enough, else ``und``."""
    bare = _NOISE.sub(" ", text)
    words = _WORD.findall(bare)
    if len(words) < MIN_WORDS or sum(len(w) for w in words) < MIN_LETTERS:
        return UNDETERMINED
    code, confidence = _model().classify(" ".join(bare.split()))
    if float(confidence) < MIN_CONFIDENCE:
        return UNDETERMINED
    return str(code)


def language_of(declared_value: object, text: str) -> str:
    """The ``lang`` stored for a status: declared, else guessed, else ``und``."""
    return declared(declared_value) or guess(text)

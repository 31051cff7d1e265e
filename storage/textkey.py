"""The copy key of a post's text: what tells a copy-pasted reply from one written anew.

SPEC: a reply is a copy when its normalised text (case-folded, leading @mentions, URLs,
punctuation and extra spaces removed) has at least 5 words and was already seen in the same
window. The key is a 64-bit hash of that normalised text, stored with each post and each
subject link at insert, so counting copies is a ``count - count(DISTINCT)`` over an index,
never a scan of texts. Texts of fewer than 5 words have no key: "Yes" said 1,000 times is
1,000 people saying yes, not a campaign.

Changing the normalisation changes the keys of posts stored from then on only: a migration
recomputes the stored ones if it ever must.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from hashlib import blake2b

from storage.safetext import safe_text

MIN_WORDS = 5

_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+")
_URLS = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_APOSTROPHES = "'\u2019\u02bc"  # "don't" and "dont" are one word


@cache
def _punctuation() -> dict[int, str | None]:
    """A ``str.translate`` table of every Unicode punctuation character: apostrophes removed,
    the rest made spaces. Punctuation lives in planes 0 and 1 only; built on first use (some
    30 ms), not at import."""
    table: dict[int, str | None] = {}
    for point in range(0x20000):
        if unicodedata.category(chr(point)).startswith("P"):
            table[point] = None if chr(point) in _APOSTROPHES else " "
    return table


@cache
def _ascii_punctuation() -> bytes:
    """The same table for ASCII text, as ``bytes.translate`` takes it (a third of the cost of
    ``str.translate`` on the two thirds of replies that are ASCII); the apostrophe, which
    it removes, is given to that call apart."""
    table = bytearray(range(256))
    for point, to in _punctuation().items():
        if point < 128 and to is not None:
            table[point] = ord(to)
    return bytes(table)


def _drop_punctuation(text: str) -> str:
    if text.isascii():
        return text.encode("ascii").translate(_ascii_punctuation(), b"'").decode("ascii")
    return text.translate(_punctuation())


def normalised(text: str) -> str:
    """The text as copies are compared: NFKC, case-folded, without the leading @mentions
    (a reply's addressees), URLs and punctuation, spaces collapsed. Apostrophes are dropped
    ("don't" is "dont"); other punctuation separates words ("free-speech" is "free speech").
    """
    # As storage keeps the text: the key is the same before and after it is stored.
    text = unicodedata.normalize("NFKC", safe_text(text)).casefold()
    text = _LEADING_MENTIONS.sub("", text)
    if "http" in text or "www." in text:  # case-folded: what the pattern can match
        text = _URLS.sub(" ", text)
    text = _drop_punctuation(text)
    return " ".join(text.split())


def copy_key(text: str) -> int | None:
    """The signed 64-bit key of ``text``'s normalised form; None under ``MIN_WORDS`` words."""
    norm = normalised(text)
    if norm.count(" ") < MIN_WORDS - 1:
        return None
    digest = blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)

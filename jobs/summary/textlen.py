"""Weighted length as X counts it, and the text hygiene every posted string goes through.

X limits a post to 280 *weighted* characters (twitter-text v3): most Latin text weighs 1 a
character, CJK and most other scripts 2, an emoji (however many code points) 2, and any URL
23 whatever its length. We never count ourselves: ``twitter_text.parse_tweet`` is the
reference implementation and the mock API judges posts with it too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from twitter_text import extract_urls_with_indices, parse_tweet

POST_LIMIT = 280
ELLIPSIS = "…"  # weighs 2, "..." weighs 3

# twitter-text refuses a post holding any of these, whatever its length.
_INVALID = frozenset("\ufffe\ufeff\uffff")
# Bidi overrides and isolates can flip the rest of a post around a user-supplied name.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES = re.compile(r"\s+")
# An upper bound of code points per weighted character (emoji tag sequences run to ~14),
# used only to avoid measuring megabytes when a prefix is all that can matter.
_MAX_POINTS_PER_WEIGHT = 16


def weighted_length(text: str) -> int:
    """The weighted length of ``text`` by twitter-text rules (URLs 23, CJK and emoji 2)."""
    # parse_tweet's cost grows with the text, and splitting measures the same prefixes
    # repeatedly: short texts are cached.
    return _cached_length(text) if len(text) <= 1024 else _length(text)


@lru_cache(maxsize=4096)
def _cached_length(text: str) -> int:
    return _length(text)


def _length(text: str) -> int:
    return int(parse_tweet(text).weightedLength)


def reach(text: str, budget: int) -> int:
    """How much of ``text`` (in code points) can matter for a prefix weighing ``budget``.

    Usually a little over ``budget``; more only where characters weigh less than one each
    (a URL's 23 for any length, an emoji sequence's 2 for up to ~14 code points). Measuring
    only this much keeps cutting a megabyte of text linear rather than quadratic.
    """
    cap = min(len(text), budget * _MAX_POINTS_PER_WEIGHT)
    n = min(cap, 2 * budget + 8)
    while n < cap and weighted_length(text[:n]) <= budget:
        n = min(cap, n * 2)
    return n


def fits(text: str, limit: int = POST_LIMIT) -> bool:
    """Whether ``text`` can go out as one post of at most ``limit`` weighted characters."""
    if not text.strip() or any(ch in _INVALID for ch in text):
        return False
    if len(text) > reach(text, limit):
        return False  # its first part alone already weighs more: no need to measure it all
    return weighted_length(text) <= limit


# An @ (or its full-width twin, which X reads alike) before a name: a mention.
_MENTION_SIGN = re.compile(r"[@\uff20](?=\w)")


def public(text: str) -> str:
    """``text`` with no @mention and no link in it, as every summary goes out: a summary
    names accounts without notifying them (X restricts programmatic @mentions), and a post
    with a link costs more and points readers elsewhere. A link twitter-text would see
    (bare domains included) becomes "[link]"."""
    urls = extract_urls_with_indices(text) if ("." in text or ":" in text) else []
    for url in sorted(urls, key=lambda u: u["indices"][0], reverse=True):
        start, end = url["indices"]
        text = text[:start] + "[link]" + text[end:]
    return _MENTION_SIGN.sub("", text)


def clean_inline(text: str) -> str:
    """A user-supplied name made safe to quote inside one line of our own text.

    Newlines, tabs and other control characters become spaces, bidi controls and the
    characters X refuses go, runs of white space collapse to one space.
    """
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        if ch in _INVALID or ch in _BIDI:
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or cat in ("Zl", "Zp"):
            out.append(" ")
        else:
            out.append(ch)
    return _SPACES.sub(" ", "".join(out)).strip()


def clean_block(text: str) -> str:
    """Multi-line text made safe to post: line breaks kept (at most one blank line in a
    row), other control characters become spaces, invalid characters go."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [clean_inline(line) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_continuation(ch: str) -> bool:
    """Whether ``ch`` belongs to the character before it (a cut must not fall before it)."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or cp == 0x200D  # zero-width joiner
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xE0020 <= cp <= 0xE007F  # emoji tag sequences (subdivision flags)
        or 0xE0100 <= cp <= 0xE01EF
    )


def safe_cut(text: str, index: int) -> int:
    """``index`` moved back, if need be, so that ``text[:index]`` ends on a whole character
    (not inside an emoji sequence, a flag or before a combining mark)."""
    index = max(0, min(index, len(text)))
    while 0 < index < len(text) and (is_continuation(text[index]) or text[index - 1] == "\u200d"):
        index -= 1
    if 0 < index < len(text) and _is_regional(text[index]) and _is_regional(text[index - 1]):
        # Flags are pairs of regional indicators: count the run to cut between pairs.
        start = index
        while start > 0 and _is_regional(text[start - 1]):
            start -= 1
        if (index - start) % 2:
            index -= 1
    return index


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def longest_fitting_prefix(text: str, budget: int, *, suffix: str = "") -> int:
    """The largest ``k`` (at a whole-character boundary) such that ``text[:k] + suffix``
    weighs at most ``budget``; 0 when not even one character does.

    Weight is not quite monotonic in the prefix (a URL weighs 23 once it is complete), so
    this binary search may stop short of the true maximum, but whatever it returns fits.
    """
    hi = reach(text, budget)
    lo = 0
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if weighted_length(text[:mid] + suffix) <= budget:
            lo = mid
        else:
            hi = mid - 1
    cut = safe_cut(text, lo)
    while cut > 0 and weighted_length(text[:cut] + suffix) > budget:
        cut = safe_cut(text, cut - 1)
    return cut


def truncate(text: str, budget: int, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` cut to weigh at most ``budget``, ending in ``ellipsis`` when cut.

    Cuts after a whole word when one ends in the last third of what fits, so a long name
    loses its tail words rather than half a word.
    """
    if not text.strip() or fits(text, budget):
        return text
    cut = longest_fitting_prefix(text, budget, suffix=ellipsis)
    space = text.rfind(" ", 0, cut + 1)
    if space > 0 and space >= cut * 2 // 3:
        cut = space
    while cut > 0:
        head = text[:cut].rstrip(" ,;:/-—")
        if head and weighted_length(head + ellipsis) <= budget:
            return head + ellipsis
        cut = safe_cut(text, cut - 1)
    return ellipsis

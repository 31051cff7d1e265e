"""Text that does not fit one post becomes a thread; a reply that must be one post is cut.

Parts are cut at the best boundary near the end of what fits: a line break or the end of a
sentence first, then "; ", then ":" or a dash, then ", " or " / ", then any space. A word is
split only when it alone is longer than a part (by whole characters, never inside an emoji).
Parts are numbered " (1/3)" only when there is more than one: at the end, in brackets, so a
number ending the text ("of 15.1M votes") is never read as part of the numbering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jobs.summary.textlen import (
    POST_LIMIT,
    clean_block,
    fits,
    longest_fitting_prefix,
    public,
    reach,
    truncate,
    weighted_length,
)

_MIN_LIMIT = 20
# Threads up to this long are balanced (no scrap of a last post); longer ones are packed.
_BALANCE_UP_TO = 6
# A good boundary is used only if the part it closes is at least this full; otherwise the
# next best kind of boundary further on is preferred (no thread of one-word posts).
_MIN_FILL = 0.5
_GAP = re.compile(r"\s+")
# "…" is left out: it ends every name we shorten, and that is no sentence end.
_RANK_AFTER = {".": 4, "!": 4, "?": 4, ";": 3, ":": 2, "—": 2, "–": 2, ",": 1, "/": 1}
# A lone sign belongs to the number after it ("+ 310 not in English").
_GLUE = frozenset({"+", "-", "±", "−"})


@dataclass(frozen=True, slots=True)
class _Cut:
    end: int  # the part ends here (exclusive; white space excluded)
    resume: int  # the next part starts here
    rank: int


def split_thread(text: str, *, limit: int = POST_LIMIT) -> tuple[str, ...]:
    """``text`` as the parts of a thread, each at most ``limit`` weighted characters
    (numbering included). One part, unnumbered, when it fits; () when there is nothing."""
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit must be at least {_MIN_LIMIT}")
    text = clean_block(text)
    if not text:
        return ()
    if fits(text, limit):
        return (text,)
    digits = 1
    while True:
        widest = "9" * digits
        suffix = f" ({widest}/{widest})"
        parts = _pack(text, limit, suffix).parts
        if len(str(len(parts))) <= digits:
            break
        digits += 1
    n = len(parts)
    if n <= _BALANCE_UP_TO:
        parts = _balanced(text, limit, suffix, parts)
    return tuple(f"{part} ({i}/{n})" for i, part in enumerate(parts, start=1))


def compose_reply(text: str, *, limit: int = POST_LIMIT) -> str:
    """``text`` as one post: whole when it fits, else cut after a word with an ellipsis. As
    summaries, an answer mentions no one ("Now tracking elonmusk."): an @name would notify
    that account, and X restricts programmatic mentions; nor does it carry a link."""
    text = clean_block(public(text))
    return text if not text or fits(text, limit) else truncate(text, limit)


def _balanced(text: str, limit: int, suffix: str, parts: list[str]) -> list[str]:
    """The same number of parts, packed as evenly as they go, at boundaries as good.

    Greedy packing fills the first posts and leaves a scrap at the end ("+ 310 not in
    English (2/2)"). Packing again to the smallest capacity that still needs no more parts,
    and cuts at boundaries no worse, moves the cut back to an earlier clause: the poll's
    result in one post, the replies in the next.
    """
    greedy = _pack(text, limit, suffix)
    lo, hi = max(_MIN_LIMIT, limit // 2), limit
    while lo < hi:
        mid = (lo + hi) // 2
        packed = _pack(text, mid, suffix)
        if len(packed.parts) <= len(parts) and packed.quality >= greedy.quality:
            hi = mid
        else:
            lo = mid + 1
    even = _pack(text, hi, suffix)
    ok = len(even.parts) == len(parts) and even.quality >= greedy.quality
    return even.parts if ok else parts


@dataclass(frozen=True, slots=True)
class _Packed:
    parts: list[str]
    quality: int  # the ranks of the cuts made, summed (a word split counts -1)


def _pack(text: str, limit: int, suffix: str) -> _Packed:
    parts: list[str] = []
    quality = 0
    rest = text
    while rest:
        if len(rest) <= reach(rest, limit) and fits(rest + suffix, limit):
            parts.append(rest)
            break
        cut = _best_cut(rest, limit, suffix)
        if cut is None:
            end = longest_fitting_prefix(rest, limit, suffix=suffix) or 1
            cut = _Cut(end, end, -1)
        quality += cut.rank
        part = rest[: cut.end]
        if cut.rank in (1, 3) and part[-1] in ",;":
            # A post ending in ";" or "," reads unfinished; the numbering says more follows.
            part = part[:-1]
        parts.append(part)
        rest = rest[cut.resume :].lstrip()
    return _Packed(parts, quality)


def _best_cut(rest: str, limit: int, suffix: str) -> _Cut | None:
    """The boundary to end this part at, or None when the first word alone does not fit."""
    cuts = _cuts(rest, reach(rest, limit))
    # The furthest boundary whose part still fits (weight is monotonic enough in the part's
    # length for a binary search; every answer is checked, so whatever it picks fits).
    lo, hi = -1, len(cuts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if weighted_length(rest[: cuts[mid].end] + suffix) <= limit:
            lo = mid
        else:
            hi = mid - 1
    if lo < 0:
        return None
    furthest = cuts[lo]
    for rank in sorted(set(_RANK_AFTER.values()) | {5}, reverse=True):
        for cut in reversed(cuts[: lo + 1]):
            if cut.end < furthest.end * _MIN_FILL:
                break
            if cut.rank >= rank:
                return cut
    return furthest


def _cuts(rest: str, within: int) -> list[_Cut]:
    """Every place a part may end in the first ``within`` code points, in order."""
    cuts = []
    depth, seen = 0, 0  # parentheses open at this point
    for gap in _GAP.finditer(rest, 0, min(len(rest), within + 1)):
        start, end = gap.span()
        depth = max(0, depth + rest.count("(", seen, start) - rest.count(")", seen, start))
        seen = start
        if start == 0:
            continue
        word_start = rest.rfind(" ", 0, start) + 1
        word = rest[max(word_start, rest.rfind("\n", 0, start) + 1) : start]
        if word in _GLUE:
            continue
        rank = 5 if "\n" in gap.group() else _RANK_AFTER.get(rest[start - 1], 0)
        if depth and rank < 3:
            # Inside "(Yes +0.5 pts, +7.1M votes)" a comma is no place to end a post.
            # (A sentence or clause end still is: a stray "(" in a name must not spoil
            # every boundary after it.)
            rank = 0
        elif depth:
            depth = 0
        elif rest.startswith("(", end):
            rank = max(rank, 1)  # before a parenthesis: keep it whole for the next post
        cuts.append(_Cut(start, end, rank))
    return cuts

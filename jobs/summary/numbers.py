"""Numbers as people read them in a post.

Counts: exact with thousands separators below 100,000 ("980", "12,480"), then three
significant figures at most with a unit ("125K", "15.1M", "1.2B"). Shares: rounded by the
largest-remainder method at the precision shown, so the figures in one post add up to
exactly 100%. Means and their changes: two decimals, signed.

All rounding is decimal half-up on the exact value, never binary-float formatting, so
1,250,000 shows as "1.3M" and not "1.2M".
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

EXACT_BELOW = 100_000
_UNITS = ((10**9, "B"), (10**6, "M"), (10**3, "K"))
_CENT = Decimal("0.01")


def group(n: int) -> str:
    """``n`` with thousands separators: 12480 -> "12,480"."""
    return f"{n:,}"


def human_count(n: int) -> str:
    """A count as a reader takes it in at a glance: "980", "12,480", "125K", "15.1M", "1.2B"."""
    if n < 0:
        return "-" + human_count(-n)
    if n < EXACT_BELOW:
        return group(n)
    i = next(i for i, (size, _) in enumerate(_UNITS) if n >= size)
    shown = _abbreviated(n, _UNITS[i][0])
    if shown >= 1000 and i > 0:
        # 999,950 would read "1000K": say it in the next unit up instead ("1M").
        i -= 1
        shown = _abbreviated(n, _UNITS[i][0])
    text = f"{shown:,f}"
    return (text[:-2] if text.endswith(".0") else text) + _UNITS[i][1]


def _abbreviated(n: int, size: int) -> Decimal:
    """``n / size`` to one decimal below 100 and to units from 100 up (three figures)."""
    value = Decimal(n) / Decimal(size)
    shown = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if shown >= 100:
        shown = value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return shown


def signed_count(n: int) -> str:
    """A change in a count: "+7.1M", "-1,200", "0"."""
    return ("+" if n > 0 else "") + human_count(n)


def plural(n: int, one: str, many: str) -> str:
    return f"{human_count(n)} {one if n == 1 else many}"


def shares(counts: Sequence[int], *, decimals: int) -> tuple[Decimal, ...]:
    """Percentages of ``counts`` at ``decimals`` places that add up to exactly 100.

    Largest-remainder (Hamilton) method: every share is first rounded down, then the units
    still missing go to the largest remainders (ties: the larger count, then the earlier
    position, so the result is deterministic). All zeros when the total is zero.
    """
    if any(c < 0 for c in counts):
        raise ValueError("counts must not be negative")
    total = sum(counts)
    scale = 10**decimals
    quantum = Decimal(1).scaleb(-decimals)
    if total == 0:
        return tuple(Decimal(0).quantize(quantum) for _ in counts)
    exact = [Fraction(c * 100 * scale, total) for c in counts]
    units = [int(e) for e in exact]  # floor: all are non-negative
    missing = 100 * scale - sum(units)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - units[i]), -counts[i], i))
    for i in order[:missing]:
        units[i] += 1
    return tuple((Decimal(u) / scale).quantize(quantum) for u in units)


def percent(share: Decimal) -> str:
    """A share from :func:`shares` as shown: "51.8%", "31%"."""
    return f"{share}%"


def round_mean(value: float) -> Decimal:
    """A mean compound score at the two decimals we show; never "-0.00"."""
    shown = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    return shown if shown != 0 else Decimal("0.00")


def signed(value: Decimal) -> str:
    """A shown mean: "+0.10", "-0.14", "0.00"."""
    return "0.00" if value == 0 else f"{value:+.2f}"


def points(change: Decimal) -> str:
    """A change of a percentage share: "+1.2 pts", "-0.4 pts"."""
    return f"{change:+} pts"

"""The summary chart: sentiment shares over time and, for a poll, each option's share of the
votes, as a 1200x675 PNG (X's 16:9 preview).

Headless and free of pyplot: a ``Figure`` on its own Agg canvas, so nothing touches a display,
no global figure registry grows in a long-lived daemon, and renders in several threads do not
share state. User-supplied text (titles, poll options) is drawn literally: no mathtext ("$5"
stays "$5"), and characters no installed font has are shown as one box rather than warning.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import matplotlib
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from jobs.chart import ChartRenderer, ChartSeries
from jobs.summary.numbers import shares

# Explicit, although no pyplot is used here: a library that does import pyplot later in this
# process must not pick an interactive backend from the environment either.
matplotlib.use("Agg")

WIDTH_PX, HEIGHT_PX, DPI = 1200, 675, 100
SENTIMENT_COLORS = {"Positive": "#2e9e57", "Neutral": "#b8b8b8", "Negative": "#d6443a"}
# Poll lines avoid green and red, which already mean positive and negative above.
POLL_COLORS = ("#2f6fb3", "#f08a24", "#7b5ea7", "#1a9a9a", "#8c6d46", "#d45fa0")
TITLE_CHARS = 90
LABEL_CHARS = 30
_FONT_FAMILIES = (
    "DejaVu Sans",
    "Noto Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Droid Sans Fallback",
    "WenQuanYi Zen Hei",
)
_MISSING = "□"
_HOUR = 1 / 24  # in matplotlib date units (days)
_HALF_DAY = 0.5


def render_chart(series: ChartSeries) -> bytes:
    """The chart of ``series`` as PNG bytes; an explicit "no data yet" image when empty."""
    fig = build_figure(series)
    try:
        buf = io.BytesIO()
        # No "Software" stamp: the same series gives the same bytes across versions.
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        return buf.getvalue()
    finally:
        fig.clear()


# The protocol the jobs layer declares; a type check that this module satisfies it.
_renderer: ChartRenderer = render_chart


def build_figure(series: ChartSeries) -> Figure:
    """The figure before it is rasterised (tests look at its axes)."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.set_facecolor("white")
    fig.suptitle(
        _drawable(_shorten(series.title, TITLE_CHARS)),
        fontsize=17,
        fontweight="bold",
        fontfamily=list(_families()),
        parse_math=False,
    )
    zone = ZoneInfo(series.tz)
    if not series.times and not series.poll_times:
        ax = fig.add_subplot()
        _empty(ax, "No data yet")
        return fig
    if series.has_poll:
        top, bottom = fig.subplots(2, 1, height_ratios=(3, 2))
        _sentiment(top, series, zone)
        _poll(bottom, series, zone)
        if series.times and series.poll_times:
            _share_time_range((top, bottom), series)
            # One time scale for both panels: say it once, under the lower one.
            top.tick_params(labelbottom=False)
            top.xaxis.get_offset_text().set_visible(False)
            top.set_xlabel("")
    else:
        _sentiment(fig.add_subplot(), series, zone)
    return fig


def _sentiment(ax: Axes, series: ChartSeries, zone: ZoneInfo) -> None:
    if not series.times:
        _empty(ax, "No replies yet")
        return
    order = sorted(range(len(series.times)), key=series.times.__getitem__)
    x = _days([series.times[i] for i in order])
    layers = [
        [100 * values[i] for i in order]
        for values in (series.positive, series.neutral, series.negative)
    ]
    names = list(SENTIMENT_COLORS)
    colors = list(SENTIMENT_COLORS.values())
    last = _shown_shares([layer[-1] for layer in layers], decimals=0)
    labels = [f"{name} ({share}%)" for name, share in zip(names, last, strict=True)]
    if len(x) == 1:
        # An area needs two points: a lone bucket is drawn as a stacked bar.
        bottom = 0.0
        for layer, color in zip(layers, colors, strict=True):
            ax.bar(x[0], layer[0], width=_HOUR, bottom=bottom, color=color, align="center")
            bottom += layer[0]
        ax.set_xlim(x[0] - _HALF_DAY, x[0] + _HALF_DAY)
    else:
        ax.stackplot(x, *layers, colors=colors, linewidth=0)
        ax.set_xlim(x[0], x[-1])
    _legend(ax, labels, colors, kind="patch")
    _percent_axis(ax, "Share of English replies")
    _time_axis(ax, zone)


def _poll(ax: Axes, series: ChartSeries, zone: ZoneInfo) -> None:
    if not series.poll_times:
        _empty(ax, "No vote counts yet")
        return
    order = sorted(range(len(series.poll_times)), key=series.poll_times.__getitem__)
    x = _days([series.poll_times[i] for i in order])
    rows = [series.poll_shares[i] for i in order]
    labels, colors = [], []
    last = _shown_shares(rows[-1], decimals=1)
    for j, label in enumerate(series.poll_labels):
        values = [100 * row[j] for row in rows]
        color = POLL_COLORS[j % len(POLL_COLORS)]
        marker = "o" if len(x) <= 40 else None
        ax.plot(x, values, color=color, linewidth=2.4, marker=marker, markersize=4)
        name = _shorten(label, LABEL_CHARS) or f"Option {j + 1}"
        labels.append(f"{name} ({last[j]}%)")
        colors.append(color)
    if len(x) == 1:
        ax.set_xlim(x[0] - _HALF_DAY, x[0] + _HALF_DAY)
    _legend(ax, labels, colors, kind="line")
    _percent_axis(ax, "Share of votes")
    ax.set_ylim(*_vote_range([100 * v for row in series.poll_shares for v in row]))
    _time_axis(ax, zone)


def _vote_range(values: Sequence[float]) -> tuple[float, float]:
    """The share axis zoomed to the data (a 51.8/48.2 race is a flat line on 0..100%), with
    at least 5 points of margin, on multiples of 5, within 0..100."""
    lo = max(0.0, math.floor((min(values) - 5) / 5) * 5)
    hi = min(100.0, math.ceil((max(values) + 5) / 5) * 5)
    return lo, hi


def _shown_shares(values: Sequence[float], *, decimals: int) -> tuple[Decimal, ...]:
    """The latest shares as the summary text shows them: adding up to 100."""
    return shares([max(0, round(v * 1_000_000)) for v in values], decimals=decimals)


def _share_time_range(axes: Sequence[Axes], series: ChartSeries) -> None:
    """Both panels on one time range, so a moment lines up across them."""
    x = _days([*series.times, *series.poll_times])
    lo, hi = min(x), max(x)
    if lo == hi:
        lo, hi = lo - _HALF_DAY, hi + _HALF_DAY
    for ax in axes:
        ax.set_xlim(lo, hi)


def _days(times: Sequence[datetime]) -> list[float]:
    """Aware datetimes as matplotlib's date numbers (days), which its stubs type as floats."""
    return [float(mdates.date2num(t)) for t in times]


def _legend(ax: Axes, labels: list[str], colors: list[str], *, kind: str) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Patch | Line2D] = [
        Patch(facecolor=c) if kind == "patch" else Line2D([], [], color=c, linewidth=2.4)
        for c in colors
    ]
    # Explicit labels: a poll option named "_x" would be hidden if the legend collected them.
    legend = ax.legend(
        handles,
        [_drawable(label) for label in labels],
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        frameon=False,
        fontsize=12,
    )
    for text in legend.get_texts():
        text.set_parse_math(False)
        text.set_fontfamily(list(_families()))


def _percent_axis(ax: Axes, label: str) -> None:
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_ylabel(label, fontsize=12)
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=11)


def _time_axis(ax: Axes, zone: ZoneInfo) -> None:
    locator = mdates.AutoDateLocator(tz=zone, minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=zone))
    ax.set_xlabel(f"time ({zone.key})", fontsize=10, color="#555555")


def _empty(ax: Axes, message: str) -> None:
    ax.set_axis_off()
    ax.text(
        0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
        fontsize=24, color="#8a8a8a",
    )  # fmt: skip


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())  # newlines and tabs in a name would break the layout
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=1)
def _families() -> tuple[str, ...]:
    """The installed fonts of ``_FONT_FAMILIES``, in order (matplotlib falls back along them)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in _FONT_FAMILIES if name in installed) or ("DejaVu Sans",)


@lru_cache(maxsize=1)
def _coverage() -> frozenset[int]:
    """Every code point some font of :func:`_families` can draw."""
    points: set[int] = set()
    for name in _families():
        path = font_manager.findfont(font_manager.FontProperties(family=name))
        points.update(font_manager.get_font(path).get_charmap())
    return frozenset(points)


_MISSING_RUN = re.compile(f"{_MISSING}+")


def _drawable(text: str) -> str:
    """``text`` with each run of characters no font can draw shown as one box."""
    covered = _coverage()
    out = "".join(ch if ord(ch) in covered or ch.isspace() else _MISSING for ch in text)
    return _MISSING_RUN.sub(_MISSING, out)

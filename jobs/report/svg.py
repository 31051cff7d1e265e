"""Charts for the report as inline SVG: pure functions of plain numbers, no library, no
script. Each chart has a fixed viewBox and scales to the page's width (readable on a phone);
its ``<title>`` and ``aria-label`` say what it shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    color: str
    points: Sequence[tuple[datetime, float]]


@dataclass(frozen=True, slots=True)
class Bars:
    label: str
    color: str
    values: Sequence[int]


def _x(at: datetime, start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds() or 1.0
    return LEFT + (WIDTH - LEFT - RIGHT) * (at - start).total_seconds() / span


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1.0
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / span)


def _frame(title: str, body: list[str], legend: list[tuple[str, str]]) -> str:
    keys = "".join(
        f'<rect x="{LEFT + 150 * i}" y="{HEIGHT - 14}" width="10" height="10" fill="{c}"/>'
        f'<text x="{LEFT + 150 * i + 14}" y="{HEIGHT - 5}">{escape(label)}</text>'
        for i, (label, c) in enumerate(legend)
    )
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}{keys}</svg>"
    )


def _grid(low: float, high: float, ticks: Sequence[float], fmt: str) -> list[str]:
    out = []
    for t in ticks:
        y = _y(t, low, high)
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt.format(t)}</text>'
        )
    return out


def _time_axis(start: datetime, end: datetime, label: str) -> list[str]:
    y = HEIGHT - BOTTOM + 14
    return [
        f'<text x="{LEFT}" y="{y}">{escape(f"{start:%d %b %H:%M}")}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{y}" text-anchor="end">'
        f"{escape(f'{end:%d %b %H:%M} {label}')}</text>",
    ]


def line_chart(
    title: str,
    lines: Sequence[Line],
    *,
    low: float = 0.0,
    high: float = 1.0,
    percent: bool = True,
    zone: str = "UTC",
) -> str:
    """Lines over time on a shared axis from ``low`` to ``high`` (shares as percentages)."""
    times = [t for line in lines for t, _ in line.points]
    if not times:
        return _frame(title, ['<text x="50%" y="50%" text-anchor="middle">no data yet</text>'], [])
    start, end = min(times), max(times)
    ticks = [low + (high - low) * i / 4 for i in range(5)]
    body = _grid(low, high, ticks, "{:.0%}" if percent else "{:+.2f}")
    body += _time_axis(start, end, zone)
    for line in lines:
        pts = " ".join(f"{_x(t, start, end):.1f},{_y(v, low, high):.1f}" for t, v in line.points)
        body.append(
            f'<polyline points="{pts}" fill="none" stroke="{line.color}" stroke-width="2"/>'
        )
        if len(line.points) == 1:
            ((t, v),) = line.points
            body.append(
                f'<circle cx="{_x(t, start, end):.1f}" cy="{_y(v, low, high):.1f}" r="3" '
                f'fill="{line.color}"/>'
            )
    return _frame(title, body, [(line.label, line.color) for line in lines])


def bar_chart(title: str, labels: Sequence[str], bars: Sequence[Bars]) -> str:
    """Grouped bars, one group per label (a window), one bar per series."""
    if not labels:
        return _frame(title, ['<text x="50%" y="50%" text-anchor="middle">no data yet</text>'], [])
    top = max([1, *(v for b in bars for v in b.values)])
    body = _grid(0, top, [0, top / 2, top], "{:,.0f}")
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    width = max(1.0, slot * 0.8 / max(1, len(bars)))
    for i, label in enumerate(labels):
        for j, series in enumerate(bars):
            value = series.values[i]
            x = LEFT + slot * i + slot * 0.1 + width * j
            y = _y(value, 0, top)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{series.color}">'
                f"<title>{escape(label)}: {value:,} {escape(series.label)}</title></rect>"
            )
    body.append(f'<text x="{LEFT}" y="{HEIGHT - BOTTOM + 14}">{escape(labels[0])}</text>')
    body.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - BOTTOM + 14}" text-anchor="end">'
        f"{escape(labels[-1])}</text>"
    )
    return _frame(title, body, [(b.label, b.color) for b in bars])

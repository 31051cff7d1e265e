"""The summary chart: a real PNG of X's 16:9 size, drawn headless, whatever the series."""

from __future__ import annotations

import io
import math
import os
import subprocess
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.charts import SENTIMENT_COLORS, build_figure, render_chart
from jobs.summary import ChartRenderer, ChartSeries
from tests.support import programs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
END = datetime(2022, 11, 20, 0, 30, tzinfo=UTC)
TIMES = tuple(END - timedelta(hours=24 - h) for h in range(25))


def sentiment_only(title: str = "Replies to @elonmusk") -> ChartSeries:
    pos = tuple(0.34 - 0.04 * math.sin(h / 4) for h in range(25))
    neg = tuple(0.44 + 0.05 * math.sin(h / 5) for h in range(25))
    neu = tuple(1 - p - n for p, n in zip(pos, neg, strict=True))
    return ChartSeries(title=title, times=TIMES, positive=pos, neutral=neu, negative=neg)


def with_poll(title: str = "Poll 'Reinstate former President Trump'") -> ChartSeries:
    base = sentiment_only(title)
    yes = tuple(0.505 + 0.013 * (1 - math.exp(-h / 6)) for h in range(25))
    return ChartSeries(
        title=title,
        times=base.times,
        positive=base.positive,
        neutral=base.neutral,
        negative=base.negative,
        poll_labels=("Yes", "No"),
        poll_times=TIMES,
        poll_shares=tuple((y, 1 - y) for y in yes),
    )


def image(png: bytes) -> Image.Image:
    assert png.startswith(PNG_MAGIC)
    img = Image.open(io.BytesIO(png))
    img.load()
    return img


def assert_chart(png: bytes) -> Image.Image:
    img = image(png)
    assert img.size == (1200, 675)
    return img


def test_sentiment_chart_is_a_1200x675_png() -> None:
    img = assert_chart(render_chart(sentiment_only()))
    counted = {color: n for n, color in img.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    # The stacked areas are there, in green, grey and red, each a sizeable part of the image.
    for hex_color in SENTIMENT_COLORS.values():
        rgb = tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
        assert counted.get(rgb, 0) > 20_000, hex_color


def test_poll_adds_a_second_panel() -> None:
    assert len(build_figure(sentiment_only()).axes) == 1
    fig = build_figure(with_poll())
    assert len(fig.axes) == 2
    legend = fig.axes[1].get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["Yes (51.8%)", "No (48.2%)"]
    assert render_chart(with_poll()) != render_chart(sentiment_only(with_poll().title))


def test_legend_shares_add_up_to_100() -> None:
    fig = build_figure(sentiment_only())
    legend = fig.axes[0].get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert [label.split(" ")[0] for label in labels] == ["Positive", "Neutral", "Negative"]
    assert sum(int(label.split("(")[1].rstrip("%)")) for label in labels) == 100


def test_empty_series_gives_a_no_data_image() -> None:
    fig = build_figure(ChartSeries(title="Replies to @nobody"))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["No data yet"]
    assert_chart(render_chart(ChartSeries(title="Replies to @nobody")))


def test_poll_without_replies_or_votes_yet() -> None:
    only_votes = ChartSeries(
        title="Poll 'x'", poll_labels=("Yes", "No"), poll_times=TIMES[:2],
        poll_shares=((0.5, 0.5), (0.6, 0.4)),
    )  # fmt: skip
    fig = build_figure(only_votes)
    assert [t.get_text() for t in fig.axes[0].texts] == ["No replies yet"]
    assert_chart(render_chart(only_votes))
    no_votes = ChartSeries(
        title="Poll 'x'", times=TIMES[:1], positive=(0.2,), neutral=(0.3,), negative=(0.5,),
        poll_labels=("Yes", "No"),
    )  # fmt: skip
    assert [t.get_text() for t in build_figure(no_votes).axes[1].texts] == ["No vote counts yet"]
    assert_chart(render_chart(no_votes))


def test_single_point_series_renders() -> None:
    one = ChartSeries(
        title="Poll 'y'", times=TIMES[:1], positive=(0.3,), neutral=(0.3,), negative=(0.4,),
        poll_labels=("Yes", "No"), poll_times=TIMES[:1], poll_shares=((0.6, 0.4),),
    )  # fmt: skip
    assert_chart(render_chart(one))


def test_user_text_is_drawn_literally_and_quietly() -> None:
    hostile = ChartSeries(
        title="Poll '$TSLA to $300? 中文 🚀 _x \\frac{1}{2}\n" + "long " * 80 + "'",
        times=TIMES[:3], positive=(0.2, 0.3, 0.4), neutral=(0.3, 0.3, 0.3),
        negative=(0.5, 0.4, 0.3), poll_labels=("_hidden?", "$5 $6", "中文", ""),
        poll_times=TIMES[:2], poll_shares=((0.25, 0.25, 0.25, 0.25), (0.4, 0.3, 0.2, 0.1)),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph or mathtext warnings
        png = render_chart(hostile)
    assert_chart(png)
    legend = build_figure(hostile).axes[1].get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[0].startswith("_hidden?") and labels[1].startswith("$5 $6")
    assert labels[3].startswith("Option 4")


def test_same_series_same_bytes() -> None:
    assert render_chart(with_poll()) == render_chart(with_poll())


def test_inconsistent_series_is_refused() -> None:
    with pytest.raises(ValueError, match="one value per time"):
        ChartSeries(title="t", times=TIMES[:2], positive=(0.1,), neutral=(0.1,), negative=(0.8,))
    with pytest.raises(ValueError, match="one share per label"):
        ChartSeries(title="t", poll_labels=("a", "b"), poll_times=TIMES[:1], poll_shares=((1.0,),))


def test_render_chart_is_a_chart_renderer() -> None:
    renderer: ChartRenderer = render_chart
    assert renderer(sentiment_only()).startswith(PNG_MAGIC)


def test_renders_headless_whatever_the_environment_asks(tmp_path: Path) -> None:
    # No display, and an interactive backend requested: the renderer must still use Agg.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLBACKEND"] = "TkAgg"
    env["MPLCONFIGDIR"] = str(tmp_path / "mpl")
    out = tmp_path / "chart.png"
    done = subprocess.run(
        programs.command("render_chart", str(out)),
        env=programs.with_checkout(env), capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().lower() == "agg"
    assert_chart(out.read_bytes())

"""Sentiment scoring: pollbot (``jobs.sentiment``) against raw vaderSentiment, in one run.

Usage: ``python -m bench.sentiment [--groundtruth PATH] [--rounds N] [--long-chars N]
[--emoji N] [--raw-emoji N]``

1. Throughput on the 4,200 human-rated tweets of Hutto & Gilbert (2014): the same raw texts
   scored by ``SentimentIntensityAnalyzer().polarity_scores`` and by ``score_batch``
   (which includes ``prepare``), rounds alternated, best round of each kept. Target: pollbot
   at least 0.9x raw.
2. Agreement with the human mean rating, for both scorers:
   - Pearson r between ``compound`` and the human MEAN (-4..+4), over all tweets.
   - Classes: predicted ``positive`` if compound >= 0.05, ``negative`` if <= -0.05, else
     ``neutral``; true ``positive`` if MEAN > 0, ``negative`` if MEAN < 0, else ``neutral``.
   - Weighted F1: for each class present among the true or predicted labels, F1 =
     2PR/(P+R) (0 when P+R is 0), averaged with weights equal to the class's number of true
     tweets (its support), as scikit-learn's ``f1_score(average="weighted")``.
   - Accuracy: share of tweets whose predicted class equals the true class.
   Raw vaderSentiment 3.3.2 gives r 0.8722, F1 0.948, accuracy 0.921 (data README). A
   pollbot figure more than 0.002 below raw's is flagged as a regression (exit status 1).
3. Long texts: one post of ``--long-chars`` characters (tweets joined) and ``--emoji`` emoji
   with pollbot; raw vaderSentiment on the same long post and on ``--raw-emoji`` emoji only,
   as its cost is quadratic (4,000 emoji take it about 25 s).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from jobs.sentiment import label_for, score_batch, score_text

REPO = Path(__file__).resolve().parent.parent
DEFAULT_GROUNDTRUTH = (
    REPO / ".." / "shared" / "data" / "vader-groundtruth" / "tweets_GroundTruth.txt"
)
README_RAW = {"pearson": 0.8722, "f1": 0.948, "accuracy": 0.921}
TOLERANCE = 0.002
TARGET_RATIO = 0.9
EMOJI = "😍"


def load(path: Path) -> tuple[list[float], list[str]]:
    """ID<TAB>MEAN<TAB>TEXT lines, CRLF, UTF-8; the text may itself hold tabs."""
    means: list[float] = []
    texts: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:
        for line in f.read().split("\r\n"):
            if not line.strip():
                continue
            _id, mean, text = line.split("\t", 2)
            means.append(float(mean))
            texts.append(text)
    return means, texts


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy)


def true_label(mean: float) -> str:
    return "positive" if mean > 0 else "negative" if mean < 0 else "neutral"


def weighted_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    total = 0.0
    for label in set(truth) | set(predicted):
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total += f1 * (tp + fn)
    return total / len(truth)


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


def agreement(compounds: Sequence[float], means: Sequence[float]) -> dict[str, float]:
    truth = [true_label(m) for m in means]
    predicted = [label_for(c) for c in compounds]
    return {
        "pearson": pearson(compounds, means),
        "f1": weighted_f1(truth, predicted),
        "accuracy": accuracy(truth, predicted),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def long_post(texts: Sequence[str], chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        for text in texts:
            out.append(text)
            size += len(text) + 1
            if size >= chars:
                break
    return " ".join(out)[:chars]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sentiment", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--groundtruth", type=Path, default=DEFAULT_GROUNDTRUTH)
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds of each scorer")
    parser.add_argument("--long-chars", type=int, default=25_000)
    parser.add_argument("--emoji", type=int, default=4_000)
    parser.add_argument(
        "--raw-emoji", type=int, default=500, help="emoji for raw VADER (quadratic)"
    )
    args = parser.parse_args(argv)

    path: Path = args.groundtruth.resolve()
    if not path.is_file():
        print(f"skipped: ground truth not found at {path} (give --groundtruth PATH)")
        return 0
    means, texts = load(path)
    raw = SentimentIntensityAnalyzer()
    score_text("warm up")  # the lexicon loads once per process; not part of the rate

    def run_raw() -> list[float]:
        return [raw.polarity_scores(t)["compound"] for t in texts]

    def run_pollbot() -> list[float]:
        return [s.compound for s in score_batch(texts)]

    best_raw = best_pb = math.inf
    raw_compounds: list[float] = []
    pb_compounds: list[float] = []
    for _ in range(max(1, args.rounds)):
        elapsed, raw_compounds = timed(run_raw)
        best_raw = min(best_raw, elapsed)
        elapsed, pb_compounds = timed(run_pollbot)
        best_pb = min(best_pb, elapsed)

    n = len(texts)
    ratio = best_raw / best_pb
    print(f"ground truth: {path} ({n} tweets), best of {max(1, args.rounds)} rounds each")
    print(f"  raw vaderSentiment  {n / best_raw:>10,.0f} texts/s")
    print(f"  pollbot             {n / best_pb:>10,.0f} texts/s")
    flag = "ok" if ratio >= TARGET_RATIO else f"BELOW TARGET {TARGET_RATIO}"
    print(f"  ratio pollbot/raw   {ratio:>10.3f}  ({flag})")

    raw_fig = agreement(raw_compounds, means)
    pb_fig = agreement(pb_compounds, means)
    changed = sum(r != p for r, p in zip(raw_compounds, pb_compounds, strict=True))
    print(f"agreement with the human mean ({changed} of {n} compounds differ after prepare)")
    print(f"  {'':18}{'Pearson r':>10}{'weighted F1':>13}{'accuracy':>10}")
    regressed = False
    for name, fig in (("raw vaderSentiment", raw_fig), ("pollbot", pb_fig)):
        row = f"  {name:18}{fig['pearson']:>10.4f}{fig['f1']:>13.4f}{fig['accuracy']:>10.4f}"
        if fig is pb_fig:
            worse = [k for k in fig if fig[k] < raw_fig[k] - TOLERANCE]
            regressed = bool(worse)
            row += f"  REGRESSION in {', '.join(worse)}" if worse else "  (no regression)"
        print(row)
    off = [k for k, v in README_RAW.items() if abs(raw_fig[k] - v) > 0.0005]
    if off:
        print(f"  note: raw figures differ from the data README ({README_RAW}) in {off}")
    else:
        print("  raw figures reproduce the data README (r 0.8722, F1 0.948, accuracy 0.921)")

    print("long texts (one text each, seconds)")
    post = long_post(texts, args.long_chars)
    secs_raw, raw_post = timed(lambda: raw.polarity_scores(post))
    secs_pb, pb_post = timed(lambda: score_text(post))
    print(
        f"  {len(post):,}-char post  raw {secs_raw:.3f} s (compound {raw_post['compound']})"
        f"   pollbot {secs_pb:.3f} s (compound {pb_post.compound})"
    )
    secs_raw, raw_emoji = timed(lambda: raw.polarity_scores(EMOJI * args.raw_emoji))
    secs_pb_small, pb_small = timed(lambda: score_text(EMOJI * args.raw_emoji))
    secs_pb, pb_emoji = timed(lambda: score_text(EMOJI * args.emoji))
    print(
        f"  {args.raw_emoji:,} emoji        raw {secs_raw:.3f} s (compound {raw_emoji['compound']})"
        f"   pollbot {secs_pb_small:.3f} s (compound {pb_small.compound})"
    )
    print(
        f"  {args.emoji:,} emoji      pollbot {secs_pb:.3f} s (compound {pb_emoji.compound});"
        f" raw not run (quadratic: ~25 s at 4,000), see --raw-emoji"
    )
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Raw vaderSentiment as a whole process, the baseline of ``bench.cli``'s scoring row: each
stdin line scored by ``SentimentIntensityAnalyzer().polarity_scores`` and printed as one JSON
object a line, as ``pollbot score`` prints its own. Not a benchmark itself.

python -m bench._raw_vader < texts.txt
"""

from __future__ import annotations

import json
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def main() -> None:
    analyzer = SentimentIntensityAnalyzer()
    out = sys.stdout
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        out.write(json.dumps({"text": text, **analyzer.polarity_scores(text)}) + "\n")


if __name__ == "__main__":
    main()

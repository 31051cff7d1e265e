"""Render a chart to a file and print the matplotlib backend it ran on.

    python -m tests.support.programs.render_chart OUT.png

For the test that the renderer stays headless (Agg) whatever the environment asks for.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    # matplotlib first, as an application that imports it before pollbot would
    import matplotlib

    from bot.charts import render_chart
    from jobs.summary import ChartSeries

    with open(argv[0], "wb") as out:
        out.write(render_chart(ChartSeries(title="t")))
    print(matplotlib.get_backend())


if __name__ == "__main__":
    main(sys.argv[1:])
